"""What the data-import tests share: the register the hand-written files are matched to, and reading back."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import select

from app.extensions import db
from app.models import DataImport, MeasureValue, School

FIXTURES = Path(__file__).with_name("fixtures")


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def register(factory) -> dict[str, School]:
    """The schools the fixtures name, and one predecessor: 880009 closed when it became the academy 880010."""
    schools = {
        "880001": factory.school(urn="880001", name="St Mary's Church of England (VA) Primary School"),
        "880002": factory.school(urn="880002", name="École Saint-Exupéry"),
        "880003": factory.school(urn="880003", name="Castlebrook Academy", phase="Secondary", statutory_low_age=11, statutory_high_age=18),
        "880005": factory.school(urn="880005", name="Fenmoor Brook Special School", phase="Not applicable",
                                 establishment_type="Community special school"),
        "880006": factory.school(urn="880006", name="Marsh Lane Primary School"),
        "880008": factory.school(urn="880008", name="Fenmoor Heights Special School", phase="Not applicable",
                                 establishment_type="Foundation special school"),
        "880010": factory.school(urn="880010", name="Fenmoor Academy Primary"),
    }
    schools["880009"] = factory.school(urn="880009", name="Fenmoor Old Primary School", status="Closed",
                                       successor_id=schools["880010"].id)
    return schools


def value_of(measure: str, year: str, area_code: str, group: str = "all", level: str = "school") -> MeasureValue | None:
    return db.session.scalar(
        select(MeasureValue).where(
            MeasureValue.measure == measure, MeasureValue.academic_year == year, MeasureValue.area_code == area_code,
            MeasureValue.pupil_group == group, MeasureValue.level == level,
        )
    )


def values_checksum() -> tuple[int, str]:
    rows = db.session.execute(
        select(MeasureValue.kind, MeasureValue.measure, MeasureValue.pupil_group, MeasureValue.academic_year,
               MeasureValue.level, MeasureValue.area_code, MeasureValue.value, MeasureValue.status, MeasureValue.source_code)
        .order_by(MeasureValue.academic_year, MeasureValue.area_code, MeasureValue.measure, MeasureValue.pupil_group,
                  MeasureValue.level)
    ).all()
    return len(rows), hashlib.sha256(repr(rows).encode()).hexdigest()


def import_count() -> int:
    return len(db.session.scalars(select(DataImport.id)).all())
