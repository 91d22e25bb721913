"""The careers return's panel on the school page: each benchmark's score from the school's latest
accepted careers return beside the one accepted before it, how many benchmarks it achieves and how
many entitlement points it meets. From the facts, in one query for any number of schools."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import and_, func, or_, select

from app.extensions import db
from app.models import CollectionWindow, Fact, Return
from app.models.returns import ACCEPTED
from app.returns.careers.benchmarks import CURRENT, VERSIONS, Version
from app.returns.careers.scoring import words_of

CAREERS = "careers"
BENCHMARK, ENTITLEMENT = "benchmark.", "entitlement."


@dataclass
class Year:
    """One accepted careers return, as the panel reads it."""

    return_id: int
    title: str
    academic_year: str
    form_version: str
    scores: dict[int, float] = field(default_factory=dict)  # benchmark number: percentage
    entitlement_met: int = 0
    entitlement_answered: int = 0

    @property
    def achieved(self) -> int:
        return sum(1 for percent in self.scores.values() if percent >= 100)


@dataclass
class CareersPanel:
    years: list[Year] = field(default_factory=list)  # newest first, at most two

    @property
    def latest(self) -> Year:
        return self.years[0]

    @property
    def before(self) -> Year | None:
        return self.years[1] if len(self.years) > 1 else None

    @property
    def version(self) -> Version:
        return VERSIONS.get(self.latest.form_version, CURRENT)

    def rows(self) -> list[dict]:
        """Each benchmark of the latest return's version: its score in numbers and words, and the
        one before where there is one."""
        found = []
        for benchmark in self.version.benchmarks:
            now = self.latest.scores.get(benchmark.number)
            then = self.before.scores.get(benchmark.number) if self.before else None
            found.append({"name": benchmark.name, "now": _words(now), "then": _words(then), "change": _change(now, then)})
        return found


def _words(percent: float | None) -> str:
    return "Not given" if percent is None else words_of(percent)


def _change(now: float | None, then: float | None) -> str:
    if now is None or then is None:
        return ""
    points = round(now - then)
    return "No change" if points == 0 else f"Up {points} points" if points > 0 else f"Down {-points} points"


def load(school_ids: Sequence[int], user=None) -> dict[int, CareersPanel]:
    ids = list(school_ids)
    if not ids:
        return {}
    ranked = (
        select(
            Return.id.label("return_id"),
            func.row_number().over(partition_by=Return.school_id, order_by=(CollectionWindow.opens_on.desc(), CollectionWindow.id.desc())).label("place"),
        )
        .join(CollectionWindow, CollectionWindow.id == Return.window_id)
        .where(Return.return_type == CAREERS, Return.school_id.in_(ids), Return.state == ACCEPTED)
        .subquery()
    )
    latest_two = select(ranked.c.return_id).where(ranked.c.place <= 2)
    found: dict[int, CareersPanel] = {}
    years: dict[int, Year] = {}
    for school_id, return_id, title, academic_year, form_version, key, number, text in db.session.execute(
        select(Return.school_id, Return.id, CollectionWindow.title, CollectionWindow.academic_year, Return.form_version, Fact.key, Fact.number_value, Fact.text_value)
        .join(CollectionWindow, CollectionWindow.id == Return.window_id)
        .outerjoin(Fact, and_(
            Fact.return_id == Return.id, Fact.current.is_(True),
            or_(Fact.key.startswith(BENCHMARK, autoescape=True), Fact.key.startswith(ENTITLEMENT, autoescape=True)),
        ))
        .where(Return.id.in_(latest_two))
        .order_by(Return.school_id, CollectionWindow.opens_on.desc(), CollectionWindow.id.desc(), Fact.id)
    ):
        year = years.get(return_id)
        if year is None:
            year = years[return_id] = Year(return_id, title, academic_year, form_version)
            found.setdefault(school_id, CareersPanel()).years.append(year)
        if key and key.startswith(BENCHMARK) and number is not None:
            suffix = key.removeprefix(BENCHMARK)
            if suffix.isdigit():
                year.scores[int(suffix)] = float(number)
        elif key and key.startswith(ENTITLEMENT):
            year.entitlement_answered += 1
            year.entitlement_met += text == "yes"
    return found
