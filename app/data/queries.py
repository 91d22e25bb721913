"""Reading imported data: a school's values, with its predecessors' (an academy conversion closes
one URN and opens another; the register links them, and the history follows the link)."""

from __future__ import annotations

from sqlalchemy import literal, select

from app.extensions import db
from app.models import School
from app.models.data import MeasureValue


def lineage_ids(school: School):
    """A select of the school's id and every predecessor's, however many conversions back (one query)."""
    chain = select(literal(school.id).label("id")).cte("lineage", recursive=True)
    chain = chain.union(select(School.id).where(School.successor_id == chain.c.id))
    return select(chain.c.id)


def history_of(school: School, measures: list[str]) -> list[MeasureValue]:
    """Every value of these measures for the school and its predecessors, oldest year first."""
    return list(
        db.session.scalars(
            select(MeasureValue)
            .where(MeasureValue.school_id.in_(lineage_ids(school)), MeasureValue.measure.in_(measures))
            .order_by(MeasureValue.academic_year, MeasureValue.measure, MeasureValue.pupil_group)
        )
    )
