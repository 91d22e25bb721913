"""The officers' mental-health view (issue 14): wellbeing plans across the borough for one window.

Every figure is a SQL aggregation over current facts (app/engine/facts.py) and the plans' living
rows (app/engine/living.py): a fixed number of queries however many schools there are. An action's
status is its living row's once the plan has been accepted (the school keeps it up to date), else
the status in the submitted snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, distinct, func, select
from sqlalchemy.orm import aliased

from app.charts import Chart, Series
from app.engine.living import overdue_rows
from app.extensions import db
from app.models import Fact, Return, School
from app.models.returns import LivingRow
from app.returns.wellbeing.framework import CURRENT, Version

WELLBEING = "wellbeing"
PRINCIPLE = "principle."
ACTION_LISTS = ("action.thrive_need", "action.focus")
YES_NO_KEYS = ("lead.trained", "lead.on_slt", "survey.took_part", "mhst.served")


@dataclass(frozen=True)
class Filters:
    window_id: int | None = None
    phase: str = ""
    trust: str = ""


@dataclass
class Overdue:
    return_id: int  # the plan the action is from: showing its words is a read of that plan
    school_id: int
    school_name: str
    title: str
    principle: str
    target_on: date
    status: str


@dataclass
class WellbeingFigures:
    version: Version
    plans: int = 0  # schools with a current plan in the window (after the filters)
    principles: dict[str, dict[str, int]] = field(default_factory=dict)  # principle key: rating key: schools
    statuses: dict[str, int] = field(default_factory=dict)
    thrive_needs: dict[str, int] = field(default_factory=dict)
    focuses: dict[str, int] = field(default_factory=dict)
    answers: dict[str, dict[str, int]] = field(default_factory=dict)  # "lead.trained": {"yes": 3, "no": 1}
    overdue: list[Overdue] = field(default_factory=list)

    def yes(self, key: str) -> int:
        return self.answers.get(key, {}).get("yes", 0)

    def answered(self, key: str) -> int:
        return sum(self.answers.get(key, {}).values())

    def share(self, key: str) -> int | None:
        """Whole per cent of the schools that answered who said yes; None when none answered."""
        answered = self.answered(key)
        return round(100 * self.yes(key) / answered) if answered else None


def _in_scope(filters: Filters):
    """Current wellbeing facts in the window, of schools that match the filters."""
    condition = and_(Fact.return_type == WELLBEING, Fact.current.is_(True), Fact.window_id == filters.window_id)
    if filters.phase or filters.trust:
        schools = select(School.id)
        if filters.phase:
            schools = schools.where(School.phase == filters.phase)
        if filters.trust:
            schools = schools.where(School.trust_name == filters.trust)
        condition = and_(condition, Fact.school_id.in_(schools))
    return condition


def figures(filters: Filters, today: date) -> WellbeingFigures:
    """Everything the page shows, in five queries."""
    found = WellbeingFigures(version=CURRENT)
    if filters.window_id is None:
        return found
    scope = _in_scope(filters)

    found.plans = db.session.scalar(select(func.count(distinct(Fact.school_id))).where(scope)) or 0

    for key, rating, schools in db.session.execute(
        select(Fact.key, Fact.text_value, func.count()).where(scope, Fact.key.startswith(PRINCIPLE, autoescape=True))
        .group_by(Fact.key, Fact.text_value)
    ):
        found.principles.setdefault(key.removeprefix(PRINCIPLE), {})[rating] = schools

    for key, value, count in db.session.execute(
        select(Fact.key, Fact.text_value, func.count()).where(scope, Fact.key.in_((*YES_NO_KEYS, *ACTION_LISTS)))
        .group_by(Fact.key, Fact.text_value)
    ):
        if key == "action.thrive_need":
            found.thrive_needs[value] = count
        elif key == "action.focus":
            found.focuses[value] = count
        else:
            found.answers.setdefault(key, {})[value] = count

    # The living row's status once the plan is accepted, else the snapshot's.
    living = aliased(LivingRow)
    status = func.coalesce(living.status, Fact.text_value)
    for value, count in db.session.execute(
        select(status, func.count())
        .select_from(Fact)
        .outerjoin(living, and_(living.return_id == Fact.return_id, living.row_id == Fact.row_id, living.removed.is_(False)))
        .where(scope, Fact.key == "action.status")
        .group_by(status)
    ):
        found.statuses[value] = found.statuses.get(value, 0) + count

    principle = select(Fact.return_id, Fact.row_id, Fact.text_value).where(scope, Fact.key == "action.principle").subquery()
    school_filter = [School.phase == filters.phase] if filters.phase else []
    school_filter += [School.trust_name == filters.trust] if filters.trust else []
    for return_id, school_id, name, title, principle_key, target_on, row_status in db.session.execute(
        select(Return.id, School.id, School.name, LivingRow.title, principle.c.text_value, LivingRow.target_on, LivingRow.status)
        .join(Return, Return.id == LivingRow.return_id)
        .join(School, School.id == Return.school_id)
        .outerjoin(principle, and_(principle.c.return_id == LivingRow.return_id, principle.c.row_id == LivingRow.row_id))
        .where(overdue_rows(today), Return.window_id == filters.window_id, Return.return_type == WELLBEING, *school_filter)
        .order_by(LivingRow.target_on, School.name, LivingRow.position)
    ):
        found.overdue.append(Overdue(return_id, school_id, name, title, principle_key or "", target_on, row_status))
    return found


# --- What the page and the downloads show, from the same figures --------------------------------


def principles_chart(found: WellbeingFigures) -> Chart:
    version = found.version
    names = dict(version.short_names)
    keys = [key for key, _ in version.principles]
    return Chart(
        title="Principle ratings across schools",
        category_heading="Principle",
        categories=tuple(names.get(key, key) for key in keys),
        series=tuple(
            Series(words, tuple(float(found.principles.get(key, {}).get(rating, 0)) for key in keys))
            for rating, words in version.ratings
        ),
        value_axis="Number of schools",
        minimum=0,
    )


def principle_rows(found: WellbeingFigures) -> list[tuple]:
    names = dict(found.version.short_names)
    return [
        (names.get(key, key), *(found.principles.get(key, {}).get(rating, 0) for rating, _ in found.version.ratings))
        for key, _ in found.version.principles
    ]


def count_rows(labels: tuple[tuple[str, str], ...], counts: dict[str, int]) -> list[tuple[str, int]]:
    return [(words, counts.get(key, 0)) for key, words in labels]


def action_tables(found: WellbeingFigures) -> dict[str, tuple[str, str, list[tuple[str, int]]]]:
    version = found.version
    return {
        "statuses": ("Actions by status", "Status", count_rows(version.statuses, found.statuses)),
        "thrive": ("Actions by THRIVE need", "THRIVE need", count_rows(version.thrive_needs, found.thrive_needs)),
        "focuses": ("Actions by focus", "Focus", count_rows(version.focuses, found.focuses)),
    }


def lead_rows(found: WellbeingFigures) -> list[tuple[str, int, int, int | None]]:
    return [
        ("Trained senior mental health lead", found.yes("lead.trained"), found.answered("lead.trained"), found.share("lead.trained")),
        ("Lead on the senior leadership team", found.yes("lead.on_slt"), found.answered("lead.on_slt"), found.share("lead.on_slt")),
        ("Took part in the survey", found.yes("survey.took_part"), found.answered("survey.took_part"), found.share("survey.took_part")),
        ("Served by a Mental Health Support Team", found.yes("mhst.served"), found.answered("mhst.served"), found.share("mhst.served")),
    ]


def overdue_rows_for_export(found: WellbeingFigures) -> list[tuple]:
    names = dict(found.version.short_names)
    statuses = dict(found.version.statuses)
    return [
        (row.school_name, row.title, names.get(row.principle, row.principle), row.target_on, statuses.get(row.status, row.status))
        for row in found.overdue
    ]
