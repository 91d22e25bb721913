"""The golden thread on the school page: what the school said about itself, year on year, read from
the facts table (typed values written when a return moves), never from submissions' JSON."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.charts import Chart, Series
from app.extensions import db
from app.models import CollectionWindow, Fact, School
from app.models.returns import ACCEPTED
from app.returns.sef.framework import CURRENT, FRAMEWORKS, Framework

SEF = "sef"
GRADE_PREFIX = "grade."
NOT_GRADED = "Not graded"


@dataclass(frozen=True)
class GradedYear:
    """One window's self-evaluated grades, from the school's current submission in it."""

    window_id: int
    title: str
    academic_year: str
    period: str
    form_version: str
    state: str
    grades: dict[str, tuple[str | None, float | None]]  # area key: (grade key, 1 exceptional … 5 urgent improvement)

    @property
    def accepted(self) -> bool:
        return self.state == ACCEPTED

    @property
    def framework(self) -> Framework:
        return FRAMEWORKS.get(self.form_version, CURRENT)


def sef_grades(school: School, windows: int = 2) -> list[GradedYear]:
    """The school's self-evaluated grades in its latest `windows` SEF windows, newest first: one query.

    Only current facts count: the latest submission of a return that is accepted or waiting on the
    council (one return per school per window, so one submission per window). A return sent back for
    changes, or still in draft, has no current facts and so no grades here until it is sent again.
    """
    window_order = (CollectionWindow.opens_on.desc(), CollectionWindow.id.desc())
    graded = (Fact.school_id == school.id) & (Fact.return_type == SEF) & Fact.current.is_(True) & Fact.key.startswith(GRADE_PREFIX, autoescape=True)
    latest = (
        select(Fact.window_id)
        .join(CollectionWindow, CollectionWindow.id == Fact.window_id)
        .where(graded)
        .group_by(Fact.window_id, CollectionWindow.opens_on, CollectionWindow.id)
        .order_by(*window_order)
        .limit(windows)
    )
    rows = db.session.execute(
        select(
            CollectionWindow.id, CollectionWindow.title, CollectionWindow.academic_year, CollectionWindow.period,
            Fact.form_version, Fact.state, Fact.key, Fact.text_value, Fact.number_value,
        )
        .join(CollectionWindow, CollectionWindow.id == Fact.window_id)
        .where(graded, Fact.window_id.in_(latest.scalar_subquery()))
        .order_by(*window_order, Fact.id)
    ).all()
    years: dict[int, GradedYear] = {}
    for window_id, title, academic_year, period, form_version, state, key, text, number in rows:
        year = years.get(window_id)
        if year is None:
            year = years[window_id] = GradedYear(window_id, title, academic_year, period, form_version, state, {})
        year.grades[key.removeprefix(GRADE_PREFIX)] = (text, number)
    return list(years.values())


def _series_names(years: list[GradedYear]) -> list[str]:
    """"2026/27", or "2026/27 spring" where two windows share an academic year."""
    shared = {year.academic_year for year in years if sum(other.academic_year == year.academic_year for other in years) > 1}
    return [f"{year.academic_year} {year.period}" if year.academic_year in shared else year.academic_year for year in years]


def grades_chart(school: School, years: list[GradedYear] | None = None) -> Chart | None:
    """This year's self-evaluated grades beside last year's, per evaluation area, in the
    framework's own words: None where the school has no SEF submitted and current."""
    years = sef_grades(school) if years is None else years
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
