"""The self-evaluation's panel on the school page (the golden thread): each area's grade in the
school's latest self-evaluation beside the one before, as a chart and its table, and the
improvement priorities of its latest accepted self-evaluation with the LA priority each serves.

Read from the facts table (typed values written when a return moves), never from submissions'
JSON, for any number of schools in one query.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select

from app.charts import Chart, Series
from app.engine.facts import current_states
from app.engine import registry
from app.extensions import db
from app.models import CollectionWindow, Fact, Return
from app.models.returns import ACCEPTED
from app.returns.sef.framework import CURRENT, FRAMEWORKS, LA_PRIORITIES, Framework

SEF = "sef"
GRADE_PREFIX = "grade."
PRIORITY_TAG, PRIORITY_TITLE = "priority.la_priority", "priority.title"
NOT_GRADED = "Not graded"
YEARS = 2  # this year beside last


@dataclass(frozen=True)
class Priority:
    row_id: str
    title: str
    la_priority: str  # the LA priority's words


@dataclass
class GradedYear:
    """One window's self-evaluation, from the school's current submission in it."""

    return_id: int
    window_id: int
    title: str
    academic_year: str
    period: str
    form_version: str
    state: str
    grades: dict[str, tuple[str | None, float | None]] = field(default_factory=dict)  # area: (grade key, 1 best … 5)
    priorities: list[Priority] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return self.state == ACCEPTED

    @property
    def framework(self) -> Framework:
        return FRAMEWORKS.get(self.form_version, CURRENT)


@dataclass
class SefPanel:
    years: list[GradedYear]  # newest first, at most YEARS

    @property
    def latest_accepted(self) -> GradedYear | None:
        return next((year for year in self.years if year.accepted), None)

    def chart(self, school) -> Chart | None:
        return grades_chart(school, self.years)


def load(school_ids: Sequence[int], user=None) -> dict[int, SefPanel]:
    """Each school's self-evaluations in its latest YEARS windows with current facts (accepted, or
    waiting on the council: a return sent back or in draft has none until it is sent again): one
    query, however many schools and years."""
    ids = list(school_ids)
    if not ids:
        return {}
    kind = registry.get(SEF)
    states = current_states(kind) if kind is not None else (ACCEPTED,)
    ranked = (
        select(
            Return.id.label("return_id"),
            func.row_number().over(partition_by=Return.school_id, order_by=(CollectionWindow.opens_on.desc(), CollectionWindow.id.desc())).label("place"),
        )
        .join(CollectionWindow, CollectionWindow.id == Return.window_id)
        .where(Return.return_type == SEF, Return.school_id.in_(ids), Return.state.in_(states))
        .subquery()
    )
    rows = db.session.execute(
        select(
            Fact.school_id, Fact.return_id, CollectionWindow.id, CollectionWindow.title, CollectionWindow.academic_year, CollectionWindow.period,
            Fact.form_version, Fact.state, Fact.key, Fact.row_id, Fact.text_value, Fact.number_value,
        )
        .join(ranked, ranked.c.return_id == Fact.return_id)
        .join(CollectionWindow, CollectionWindow.id == Fact.window_id)
        .where(ranked.c.place <= YEARS, Fact.current.is_(True))
        .order_by(Fact.school_id, CollectionWindow.opens_on.desc(), CollectionWindow.id.desc(), Fact.id)
    ).all()
    tags = dict(LA_PRIORITIES)
    found: dict[int, SefPanel] = {}
    years: dict[int, GradedYear] = {}
    titles: dict[tuple[int, str], str] = {}
    for school_id, return_id, window_id, title, academic_year, period, form_version, state, key, row_id, text, number in rows:
        year = years.get(return_id)
        if year is None:
            year = years[return_id] = GradedYear(return_id, window_id, title, academic_year, period, form_version, state)
            found.setdefault(school_id, SefPanel([])).years.append(year)
        if key.startswith(GRADE_PREFIX):
            year.grades[key.removeprefix(GRADE_PREFIX)] = (text, number)
        elif key == PRIORITY_TITLE:
            titles[(return_id, row_id or "")] = text or ""
        elif key == PRIORITY_TAG:
            year.priorities.append(Priority(row_id or "", "", tags.get(text or "", text or "")))
    for year in years.values():
        year.priorities = [Priority(p.row_id, titles.get((year.return_id, p.row_id), ""), p.la_priority) for p in year.priorities]
    return {school_id: panel for school_id, panel in found.items() if any(year.grades for year in panel.years)}


def _series_names(years: list[GradedYear]) -> list[str]:
    """"2026/27", or "2026/27 spring" where two windows share an academic year."""
    shared = {year.academic_year for year in years if sum(other.academic_year == year.academic_year for other in years) > 1}
    return [f"{year.academic_year} {year.period}" if year.academic_year in shared else year.academic_year for year in years]


def grades_chart(school, years: list[GradedYear]) -> Chart | None:
    """This year's self-evaluated grades beside last year's, per evaluation area, in the
    framework's own words: None where the school has no grades."""
    years = [year for year in years if year.grades]
    if not years:
        return None
    newest = years[0].framework
    # The areas the school is asked about now, then any other area graded in either year (a
    # sixth form that has since closed), in the order of the frameworks.
    areas = [(area.key, area.title) for area in newest.areas_for(early_years=school.offers_early_years, sixth_form=school.offers_sixth_form)]
    for year in years:
        for area in year.framework.areas:
            if area.key in year.grades and all(area.key != key for key, _ in areas):
                areas.append((area.key, area.title))
    names = _series_names(years)
    series = []
    for year, name in zip(years, names):
        framework = year.framework
        scale = len(framework.grades)
        ranks = {key: n for n, (key, _) in enumerate(framework.grades, start=1)}
        values, labels = [], []
        for key, _ in areas:
            grade, number = year.grades.get(key, (None, None))
            rank = number if number is not None else ranks.get(grade or "")
            # A longer bar is a stronger grade: exceptional (1) is the full scale, urgent improvement (5) one step.
            values.append(None if rank is None else scale + 1 - rank)
            labels.append(framework.grade_words(grade) if grade else None)
        series.append(Series(name, tuple(values), tuple(labels)))
    scale = len(newest.grades)
    period = " and ".join(names)
    return Chart(
        title=f"Self-evaluated grades by evaluation area, {period}",
        category_heading="Evaluation area",
        categories=tuple(title for _, title in areas),
        series=tuple(series),
        value_axis=f"A longer bar is a stronger grade, from {newest.grades[-1][1].lower()} (shortest) to {newest.grades[0][1].lower()} (longest).",
        minimum=0,
        maximum=scale,
        ticks=tuple((n, "") for n in range(1, scale + 1)),
        missing=NOT_GRADED,
    )


def describe_fact(key: str, text: str | None, form_version: str) -> str:
    """A self-evaluation fact in its framework's words: "Achievement: needs attention"."""
    version = FRAMEWORKS.get(form_version, CURRENT)
    if key.startswith(GRADE_PREFIX):
        area = version.area(key.removeprefix(GRADE_PREFIX))
        return f"{area.title if area else key}: {version.grade_words(text or '').lower()}"
    if key == "safeguarding":
        return f"Safeguarding: {dict(version.safeguarding).get(text or '', text or '').lower()}"
    if key == PRIORITY_TAG:
        return f"Priority for {dict(LA_PRIORITIES).get(text or '', text or '').lower()}"
    return f"{key}: {text}"
