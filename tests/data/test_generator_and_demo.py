"""The file generator (both shapes, every code, comparators, renamed columns) and the demo's three years."""

from __future__ import annotations

import csv
import io
from datetime import date

from sqlalchemy import distinct, func, select

from app.data.catalogue import catalogue
from app.data.catalogue import latest_results_year
from app.data.demo import kinds_of, seed_data_pack
from app.data.generator import national_schools, recent_years, write_ees, write_performance_tables
from app.data.importer import import_file
from app.extensions import db
from app.models import MeasureValue, School
from tests.data.helpers import value_of, values_checksum


def generated(writer, kind: str, year: str, count: int = 600) -> str:
    out = io.StringIO()
    writer(out, kind, year, national_schools(kind, count, seed=7))
    return out.getvalue()


def register_first(count: int, kind: str = "ks4") -> None:
    for school in list(national_schools(kind, count, seed=7)):
        db.session.add(School(urn=school.urn, name=school.name, slug=f"s{school.urn}", la_code=school.la_code,
                              phase="Secondary", establishment_type="Academy converter"))
    db.session.flush()


def test_a_generated_performance_tables_file_has_every_code_and_its_comparators():
    text = generated(write_performance_tables, "ks4", "2023-24")
    rows = list(csv.DictReader(io.StringIO(text)))
    cells = {value for row in rows for key, value in row.items() if key not in ("SCHNAME", "TOWN")}
    assert {"SUPP", "NA", "LOWCOV", "NE"} <= cells
    assert any(value.endswith("%") for value in cells)
    assert {row["RECTYPE"] for row in rows} == {"1", "2", "4", "5"}
    assert sum(row["RECTYPE"] == "4" for row in rows) == 150 and sum(row["RECTYPE"] == "5" for row in rows) == 1


def test_a_generated_ees_file_has_every_symbol_and_its_levels():
    text = generated(write_ees, "ks4", "2023-24")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {row["geographic_level"] for row in rows} == {"School", "Local authority", "National"}
    assert {row["breakdown"] for row in rows} == {"Total", "Disadvantaged", "Not known to be disadvantaged"}
    cells = {value for row in rows for value in row.values()}
    assert {"c", "z", "u", "x"} <= cells
    suspensions = list(csv.DictReader(io.StringIO(generated(write_ees, "suspensions", "2023-24"))))
    assert "low" in {row["susp_rate"] for row in suspensions}


def test_a_renamed_column_is_written_under_each_years_name():
    older = generated(write_performance_tables, "ks4", "2014-15", 20).splitlines()[0].split(",")
    newer = generated(write_performance_tables, "ks4", "2015-16", 20).splitlines()[0].split(",")
    assert "PTFSMCLA" in older and "PTFSM6CLA1A" not in older
    assert "PTFSM6CLA1A" in newer and "PTFSMCLA" not in newer


def test_generated_files_import_and_read_back_as_written(db):
    register_first(200)
    for writer in (write_performance_tables, write_ees):
        text = generated(writer, "ks4", "2023-24")
        result = import_file(io.BytesIO(text.encode()), year="2023-24")
        assert result.applied, result.problems
        assert result.schools == 200 and result.not_in_register == 400 and result.comparators == 151
    # The importer reads what the generator wrote, checked against the file read on its own.
    rows = {row["URN"]: row for row in csv.DictReader(io.StringIO(generated(write_performance_tables, "ks4", "2023-24")))}
    for urn in ("100000", "100001", "100017"):
        written = rows[urn]["ATT8SCR"]
        held = value_of("ks4_attainment8", "2023-24", urn)
        if written in ("SUPP", "NA"):
            assert held.value is None and held.status in ("withheld", "not_applicable")
        else:
            assert held.value == float(written)
    before = values_checksum()
    again = import_file(io.BytesIO(generated(write_ees, "ks4", "2023-24").encode()), year="2023-24")
    assert again.values_added == again.values_changed == again.values_removed == 0
    assert values_checksum() == before


def test_the_demo_holds_three_years_of_every_kind_for_its_schools(db):
    from app.demo import demo_gias_rows
    from app.services.gias import import_establishments
    from app.services.gias_sample import gias_csv_bytes

    assert import_establishments(io.BytesIO(gias_csv_bytes(demo_gias_rows("883"))), "883").applied
    today = date(2026, 11, 29)
    assert latest_results_year(today) == "2025-26"
    assert seed_data_pack("883", today) == 3 * len(catalogue().kinds)
    years = recent_years("2025-26")
    assert years == ["2023-24", "2024-25", "2025-26"]
    schools = db.session.scalars(select(School).where(School.la_code == "883")).all()
    for kind in catalogue().kinds:
        expected = {school.urn for school in schools if kind in kinds_of(school)}
        measures = [measure.key for measure in catalogue().measures_of(kind)]
        for year in years:
            held = set(db.session.scalars(
                select(distinct(MeasureValue.area_code)).where(MeasureValue.measure.in_(measures), MeasureValue.academic_year == year,
                                                               MeasureValue.level == "school")
            ))
            assert held == expected, (kind, year)
    assert all("ks2" in kinds_of(s) for s in schools if s.phase == "Primary" and s.statutory_high_age == 11)
    # Progress 8 is there for 2023/24 and for neither later year; England and the LA are comparators.
    progress = dict(db.session.execute(
        select(MeasureValue.academic_year, func.count()).where(MeasureValue.measure == "ks4_progress8").group_by(MeasureValue.academic_year)
    ).all())
    assert set(progress) == {"2023-24"}
    assert value_of("ks2_rwm_expected", "2025-26", "883", level="la").status == "value"
    assert value_of("ks2_rwm_expected", "2025-26", "E92000001", level="england").status == "value"
