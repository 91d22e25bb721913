"""The mental-health plan's panel on the school page: from the school's latest accepted plan, how it
rates itself against each principle, and its actions by their current status (the living rows the
school keeps up to date), with how many are past their target date. Counts and ratings only: no
words of the plan, so showing the panel is not a read of the plan (opening the plan is, and is
recorded there). Two queries for any number of schools."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, case, func, select

from app.engine.living import today_in_london
from app.extensions import db
from app.models import CollectionWindow, Fact, Return
from app.models.returns import ACCEPTED, LivingRow
from app.returns.wellbeing.framework import CURRENT, VERSIONS, Version

WELLBEING = "wellbeing"
PRINCIPLE = "principle."


@dataclass
class PlanPanel:
    return_id: int
    window_title: str
    form_version: str
    ratings: dict[str, str] = field(default_factory=dict)  # principle key: rating key
    statuses: dict[str, int] = field(default_factory=dict)  # status key: actions
    overdue: int = 0

    @property
    def version(self) -> Version:
        return VERSIONS.get(self.form_version, CURRENT)

    @property
    def rating_rows(self) -> list[tuple[str, str]]:
        words = dict(self.version.ratings)
        return [(name, words.get(self.ratings[key], "Not rated") if key in self.ratings else "Not rated") for key, name in self.version.short_names]

    @property
    def status_rows(self) -> list[tuple[str, int]]:
        return [(words, self.statuses.get(key, 0)) for key, words in self.version.statuses]

    @property
    def actions(self) -> int:
        return sum(self.statuses.values())


def load(school_ids: Sequence[int], user=None, today: date | None = None) -> dict[int, PlanPanel]:
    ids = list(school_ids)
    if not ids:
        return {}
    today = today or today_in_london()
    ranked = (
        select(
            Return.id.label("return_id"),
            func.row_number().over(partition_by=Return.school_id, order_by=(CollectionWindow.opens_on.desc(), CollectionWindow.id.desc())).label("place"),
        )
        .join(CollectionWindow, CollectionWindow.id == Return.window_id)
        .where(Return.return_type == WELLBEING, Return.school_id.in_(ids), Return.state == ACCEPTED)
        .subquery()
    )
    latest = select(ranked.c.return_id).where(ranked.c.place == 1)
    found: dict[int, PlanPanel] = {}
    by_return: dict[int, PlanPanel] = {}
    for school_id, return_id, title, form_version, key, text in db.session.execute(
        select(Return.school_id, Return.id, CollectionWindow.title, Return.form_version, Fact.key, Fact.text_value)
        .join(CollectionWindow, CollectionWindow.id == Return.window_id)
        .outerjoin(Fact, and_(Fact.return_id == Return.id, Fact.current.is_(True), Fact.key.startswith(PRINCIPLE, autoescape=True)))
        .where(Return.id.in_(latest))
        .order_by(Return.school_id, Fact.id)
    ):
        panel = by_return.get(return_id)
        if panel is None:
            panel = by_return[return_id] = found[school_id] = PlanPanel(return_id, title, form_version)
        if key:
            panel.ratings[key.removeprefix(PRINCIPLE)] = text
    overdue = func.sum(case((and_(LivingRow.complete.is_(False), LivingRow.target_on < today), 1), else_=0))
    for return_id, status, actions, late in db.session.execute(
        select(LivingRow.return_id, LivingRow.status, func.count(), overdue)
        .where(LivingRow.return_id.in_(latest), LivingRow.removed.is_(False))
        .group_by(LivingRow.return_id, LivingRow.status)
    ):
        panel = by_return.get(return_id)
        if panel is not None:
            panel.statuses[status] = actions
            panel.overdue += int(late or 0)
    return found
