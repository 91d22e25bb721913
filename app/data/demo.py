"""The demo borough's DfE data: three years of every kind the catalogue reads, for its schools.

The files are generated (app/data/generator.py) and go in through the import, as a council's own
would. Each file also has two schools of a neighbouring LA, which the import counts and skips.
"""

from __future__ import annotations

import io
from datetime import date

from sqlalchemy import select

from app.data.catalogue import catalogue, latest_results_year
from app.data.generator import GeneratedSchool, recent_years, write_ees, write_performance_tables
from app.data.importer import import_file
from app.extensions import db
from app.models import School

NEIGHBOURS = ("884", "885")
SEED = 2026


def kinds_of(school: School) -> frozenset[str]:
    """The kinds of data DfE publishes for a school of this age range."""
    low, high = school.statutory_low_age or 0, school.statutory_high_age or 0
    kinds = {"census", "sen"}
    if high > 5:
        kinds |= {"absence", "suspensions"}
    if low <= 10 and high >= 11:
        kinds.add("ks2")
    if low <= 15 and high >= 16:
        kinds.add("ks4")
    if school.offers_sixth_form and high >= 18:
        kinds.add("ks5")
    return frozenset(kinds)


def _generated(school: School) -> GeneratedSchool:
    kinds = kinds_of(school)
    special = school.is_special
    years = max(1, (school.statutory_high_age or 11) - (school.statutory_low_age or 4))
    cohort = 7 if special else (150 if "ks4" in kinds else 30)
    return GeneratedSchool(school.urn, school.la_code, school.name, kinds, special, cohort, cohort * years)


def seed_data_pack(la_code: str, today: date) -> int:
    """Import three years of every kind for the LA's schools; returns how many files were imported."""
    schools = [_generated(s) for s in db.session.scalars(select(School).where(School.la_code == la_code).order_by(School.urn))]
    strangers = [
        GeneratedSchool(f"99{n}901", code, f"Neighbouring School {n}", frozenset(catalogue().kinds), False, 30, 210)
        for n, code in enumerate(NEIGHBOURS)
    ]
    imported = 0
    for year in recent_years(latest_results_year(today)):
        for kind_key, kind in catalogue().kinds.items():
            tables = "performance_tables" in kind.editions
            text = io.StringIO()
            (write_performance_tables if tables else write_ees)(text, kind_key, year, schools + strangers, seed=SEED)
            result = import_file(
                io.BytesIO(text.getvalue().encode("utf-8")), year=year, kind=kind_key,
                filename=f"demo-{kind_key}-{year}-{'performance-tables' if tables else 'ees'}.csv",
            )
            if not result.applied:  # the demo data is ours: a problem here is a bug
                raise RuntimeError(f"The demo {kind_key} file for {year} did not import: {result.problems}")
            imported += 1
    return imported
