"""Reading imported data: a school's values, with its predecessors' (an academy conversion closes
one URN and opens another; the register links them, and the history follows the link)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import distinct, func, literal, select
from sqlalchemy.orm import joinedload

from app.data.catalogue import catalogue
from app.extensions import db
from app.models import School
from app.models.data import AreaLevel, DataImport, MeasureValue, ValueStatus


def lineage_urns(school: School):
    """A select of the school's URN and every predecessor's, however many conversions back (one query)."""
    chain = select(literal(school.id).label("id"), literal(school.urn).label("urn")).cte("lineage", recursive=True)
    chain = chain.union(select(School.id, School.urn).where(School.successor_id == chain.c.id))
    return select(chain.c.urn)


def history_of(school: School, measures: list[str]) -> list[MeasureValue]:
    """Every value of these measures for the school and its predecessors, oldest year first.

    The years and kinds held come from the imports (a handful of rows), so the lookup runs down the
    values' key, a year and kind at a time, rather than over every year's values."""
    the_catalogue = catalogue()
    kinds = sorted({the_catalogue.measures[measure].kind for measure in measures if measure in the_catalogue.measures})
    years = select(DataImport.academic_year).distinct()
    return list(
        db.session.scalars(
            select(MeasureValue)
            .where(MeasureValue.academic_year.in_(years), MeasureValue.kind.in_(kinds),
                   MeasureValue.area_code.in_(lineage_urns(school)),
                   MeasureValue.level == AreaLevel.SCHOOL.value, MeasureValue.measure.in_(measures))
            .order_by(MeasureValue.academic_year, MeasureValue.measure, MeasureValue.pupil_group)
        )
    )


def recent_imports(limit: int = 10) -> list[DataImport]:
    return list(
        db.session.scalars(
            select(DataImport).options(joinedload(DataImport.imported_by)).order_by(DataImport.id.desc()).limit(limit)
        )
    )


@dataclass(frozen=True)
class Holding:
    """What is held for one kind of data and one year: how many schools, and how many values."""

    kind: str
    label: str
    academic_year: str
    schools: int
    values: int
    withheld_or_missing: int


def holdings() -> list[Holding]:
    """Every kind and year held, newest year first, from one grouped query (it grows with the
    catalogue and the years imported, never with the number of schools)."""
    the_catalogue = catalogue()
    rows = db.session.execute(
        select(
            MeasureValue.kind,
            MeasureValue.academic_year,
            func.count(distinct(MeasureValue.area_code)),
            func.count(),
            func.count().filter(MeasureValue.status != ValueStatus.VALUE.value),
        )
        .where(MeasureValue.level == AreaLevel.SCHOOL.value)
        .group_by(MeasureValue.kind, MeasureValue.academic_year)
    ).all()
    held = [
        Holding(kind, the_catalogue.kinds[kind].label, year, schools, values, missing)
        for kind, year, schools, values, missing in rows
        if kind in the_catalogue.kinds
    ]
    order = list(the_catalogue.kinds)
    return sorted(held, key=lambda h: (-int(h.academic_year[:4]), order.index(h.kind)))


def status_counts(kind: str, year: str) -> list[tuple[ValueStatus, int]]:
    """How many of the schools' values for this kind and year are figures, and how many each status."""
    counts = dict(
        db.session.execute(
            select(MeasureValue.status, func.count())
            .where(MeasureValue.kind == kind, MeasureValue.academic_year == year,
                   MeasureValue.level == AreaLevel.SCHOOL.value)
            .group_by(MeasureValue.status)
        ).all()
    )
    return [(status, counts[status.value]) for status in ValueStatus if counts.get(status.value)]
