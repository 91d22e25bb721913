"""The import service on small hand-written files of both shapes (not from a generator, so the two
cannot share a mistake): every code, percentages, renamed columns, comparators, special schools,
schools not on the register, predecessor URNs, re-imports and corrections."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select, text

from app.data.importer import DataFileError, import_file
from app.data.queries import history_of
from app.extensions import db
from app.models import DataImport, MeasureValue
from tests.data.helpers import fixture, import_count, register, value_of, values_checksum


def run(name: str, year: str, kind: str | None = None, content: bytes | None = None):
    return import_file(io.BytesIO(fixture(name) if content is None else content), year=year, kind=kind, filename=name)


@pytest.fixture
def schools(factory):
    return register(factory)


def test_a_performance_tables_file_is_read_school_by_school_with_every_code(schools):
    result = run("ks2_2024-25_performance_tables.csv", "2024-25")
    assert result.applied and (result.kind, result.source_format) == ("ks2", "performance_tables")
    assert (result.rows_read, result.schools, result.not_in_register, result.comparators) == (8, 5, 1, 2)
    # 5 schools and 2 comparators, 12 columns each, less the 4 empty cells.
    assert result.values_added == 80 and result.values_changed == result.values_unchanged == result.values_removed == 0

    st_marys = value_of("ks2_rwm_expected", "2024-25", "880001")
    assert (st_marys.value, st_marys.status, st_marys.source_code) == (67.0, "value", None)
    assert st_marys.area_code == schools["880001"].urn and st_marys.level == "school"
    assert value_of("ks2_rwm_expected", "2024-25", "880001", "disadvantaged").value == 45.0
    assert value_of("ks2_maths_scaled", "2024-25", "880001", "other").value == 106.5
    withheld = value_of("ks2_rwm_higher", "2024-25", "880001", "disadvantaged")
    assert (withheld.value, withheld.status, withheld.source_code) == (None, "withheld", "SUPP")
    assert value_of("ks2_rwm_expected", "2024-25", "880002").status == "withheld"
    # The special school (RECTYPE 2) is a school; its real 0% is a value, its codes are not.
    special = value_of("ks2_rwm_expected", "2024-25", "880005")
    assert (special.value, special.status) == (0.0, "value")
    assert value_of("ks2_reading_scaled", "2024-25", "880005").status == "not_published"
    assert value_of("ks2_rwm_expected", "2024-25", "880005", "disadvantaged").status == "not_applicable"
    assert value_of("ks2_rwm_expected", "2024-25", "880006").status == "no_entries"
    assert value_of("ks2_reading_scaled", "2024-25", "880006").status == "low_coverage"
    assert value_of("ks2_rwm_expected", "2024-25", "880006", "disadvantaged") is None  # an empty cell stores nothing
    # LA and England rows are kept as comparators.
    la = value_of("ks2_rwm_expected", "2024-25", "883", level="la")
    england = value_of("ks2_rwm_expected", "2024-25", "E92000001", level="england")
    assert (la.value, la.level, england.value) == (62.0, "la", 62.0)
    assert value_of("ks2_rwm_expected", "2024-25", "E92000001", "disadvantaged", level="england").value == 47.0
    # No code was stored as a number, and no number as a code.
    assert db.session.scalar(select(func.count()).where(MeasureValue.status != "value", MeasureValue.value.is_not(None))) == 0
    assert db.session.scalar(select(func.count()).where(MeasureValue.status == "value", MeasureValue.source_code.is_not(None))) == 0
    run_record = db.session.get(DataImport, result.run.id)
    assert (run_record.kind, run_record.academic_year, run_record.values_added, run_record.not_in_register) == ("ks2", "2024-25", 80, 1)


def test_a_school_not_on_the_register_is_counted_and_skipped(schools):
    result = run("ks2_2024-25_performance_tables.csv", "2024-25")
    assert result.not_in_register == 1
    assert db.session.scalar(select(func.count()).where(MeasureValue.area_code == "990001")) == 0


def test_a_tidy_ees_file_is_read_by_level_and_pupil_group_with_every_symbol(schools):
    result = run("ks2_2024-25_ees.csv", "2024-25")
    assert result.applied and (result.kind, result.source_format) == ("ks2", "ees")
    # The regional row and the row for 2023/24 are skipped; one school is not on the register.
    assert (result.rows_read, result.rows_skipped, result.not_in_register) == (12, 2, 1)
    assert result.schools == 4 and result.comparators == 2
    assert value_of("ks2_rwm_expected", "2024-25", "880001").value == 67.0
    assert value_of("ks2_rwm_expected", "2024-25", "880001", "disadvantaged").value == 45.0
    assert value_of("ks2_rwm_higher", "2024-25", "880001", "disadvantaged").status == "withheld"
    assert value_of("ks2_maths_scaled", "2024-25", "880001", "other").value == 106.5
    assert value_of("ks2_rwm_expected", "2024-25", "880002").source_code == "c"
    special = value_of("ks2_rwm_expected", "2024-25", "880005")
    assert (special.value, special.status) == (0.0, "value")
    low = value_of("ks2_rwm_higher", "2024-25", "880005")
    assert (low.value, low.status, low.source_code) == (None, "rounds_to_zero", "low")
    assert value_of("ks2_reading_scaled", "2024-25", "880005").status == "not_applicable"
    assert value_of("ks2_maths_scaled", "2024-25", "880005").status == "not_available"
    assert value_of("ks2_rwm_expected", "2024-25", "880006").status == "low_reliability"
    assert value_of("ks2_rwm_expected", "2024-25", "883", level="la").value == 62.0
    assert value_of("ks2_rwm_expected", "2024-25", "E92000001", "disadvantaged", level="england").value == 47.0
    assert value_of("ks2_rwm_expected", "2023-24", "880001") is None


def test_a_tidy_file_with_no_rows_for_the_year_is_refused(schools):
    with pytest.raises(DataFileError, match=r"no rows for 2022/23 \(time_period 202223\)"):
        run("ks2_2024-25_ees.csv", "2022-23")
    assert import_count() == 0 and values_checksum()[0] == 0


def test_a_renamed_column_is_read_in_each_year_it_was_published_under(schools):
    older = run("ks4_2014-15_performance_tables.csv", "2014-15")
    newer = run("ks4_2015-16_performance_tables.csv", "2015-16")
    assert older.applied and newer.applied and older.kind == newer.kind == "ks4"
    assert value_of("ks4_disadvantaged", "2014-15", "880003").value == 24.0  # PTFSMCLA
    assert value_of("ks4_disadvantaged", "2015-16", "880003").value == 25.0  # PTFSM6CLA1A
    assert value_of("ks4_progress8", "2015-16", "880003").value == -0.12
    assert value_of("ks4_attainment8", "2014-15", "880003") is None  # not a measure before 2015/16


def test_a_2014_15_file_under_the_new_column_name_is_refused(schools):
    with pytest.raises(DataFileError, match="‘PTFSMCLA’"):
        run("ks4_2015-16_performance_tables.csv", "2014-15", kind="ks4")


def test_progress_8_is_not_imported_for_2024_25_not_even_its_codes(schools):
    result = run("ks4_2024-25_performance_tables.csv", "2024-25")
    assert result.applied
    assert db.session.scalar(select(func.count()).where(MeasureValue.measure == "ks4_progress8")) == 0
    assert value_of("ks4_attainment8", "2024-25", "880003").value == 46.3
    assert value_of("ks4_basics_4", "2024-25", "880003", "disadvantaged").value == 44.0
    assert value_of("ks4_ebacc_aps", "2024-25", "880003", "other").value == 4.48
    assert value_of("ks4_attainment8", "2024-25", "880008").status == "withheld"  # a special school, RECTYPE 2


def test_a_predecessor_urn_files_under_the_old_school_and_follows_it_into_its_successor(schools):
    run("ks2_2024-25_performance_tables.csv", "2024-25")
    old = value_of("ks2_rwm_expected", "2024-25", "880009")
    assert old.area_code == schools["880009"].urn and old.value == 61.0
    history = history_of(schools["880010"], ["ks2_rwm_expected"])
    assert [(v.academic_year, v.area_code, v.pupil_group, v.value) for v in history if v.pupil_group == "all"] == [("2024-25", "880009", "all", 61.0)]
    assert history_of(schools["880001"], ["ks2_rwm_expected"])[0].area_code == "880001"


def test_reimporting_the_same_file_changes_nothing(schools):
    first = run("ks2_2024-25_performance_tables.csv", "2024-25")
    before = values_checksum()
    again = run("ks2_2024-25_performance_tables.csv", "2024-25")
    assert again.applied
    assert (again.values_added, again.values_changed, again.values_removed, again.values_unchanged) == (0, 0, 0, first.values_added)
    assert values_checksum() == before


def test_a_corrected_file_replaces_the_years_values_and_counts_the_changes(schools):
    run("ks2_2024-25_performance_tables.csv", "2024-25")
    original = fixture("ks2_2024-25_performance_tables.csv").decode("utf-8")
    corrected = (
        original.replace("1,883,2001,880001,St Mary's Church of England (VA) Primary School,Fenmoor,30,67%", "1,883,2001,880001,St Mary's Church of England (VA) Primary School,Fenmoor,30,68%")
        .replace("1,883,2004,880006,Marsh Lane Primary School,Fenmoor,25,NE,NE", "1,883,2004,880006,Marsh Lane Primary School,Fenmoor,25,SUPP,NE")
    )
    # And the special school's row is withdrawn altogether.
    corrected = "\n".join(line for line in corrected.splitlines() if ",880005," not in line) + "\n"
    result = run("corrected.csv", "2024-25", content=corrected.encode("utf-8"))
    assert result.applied
    assert (result.values_changed, result.values_added, result.values_removed) == (2, 0, 12)
    assert result.run.values_changed_in_all == 14
    assert value_of("ks2_rwm_expected", "2024-25", "880001").value == 68.0
    changed = value_of("ks2_rwm_expected", "2024-25", "880006")
    assert (changed.value, changed.status, changed.source_code) == (None, "withheld", "SUPP")
    # The values came from the latest import of their kind and year.
    assert db.session.scalar(
        select(DataImport.id).where(DataImport.kind == "ks2", DataImport.academic_year == "2024-25").order_by(DataImport.id.desc())
    ) == result.run.id
    assert value_of("ks2_rwm_expected", "2024-25", "880005") is None
    assert db.session.scalar(select(func.count()).select_from(MeasureValue)) == 80 - 12


def test_another_year_or_kind_is_left_alone_by_an_import(schools):
    run("ks2_2024-25_performance_tables.csv", "2024-25")
    run("absence_2024-25_ees.csv", "2024-25")
    again = run("ks2_2024-25_performance_tables.csv", "2024-25")
    assert again.values_removed == 0
    assert value_of("overall_absence", "2024-25", "880001").value == 5.1
    assert value_of("persistent_absence", "2024-25", "880002").status == "withheld"


def test_a_row_that_cannot_be_read_stores_nothing_and_every_problem_is_listed(schools):
    content = fixture("ks2_2024-25_performance_tables.csv").replace(b"67%,10%", b"6?%,10%").replace(b"880006", b"88A006")
    result = run("bad.csv", "2024-25", content=content)
    assert not result.applied and result.problem_count == 2 and result.values_added == 0
    reasons = [problem.reason for problem in result.problems]
    assert any("PTRWM_EXP is not a number or a code DfE uses (‘6?%’)" == reason for reason in reasons)
    assert any("URN must be 6 or 7 digits" in reason for reason in reasons)
    assert result.problems[0].line == 2
    assert import_count() == 0 and values_checksum()[0] == 0


def test_a_school_twice_in_one_file_is_a_problem(schools):
    content = fixture("ks2_2024-25_performance_tables.csv")
    lines = content.split(b"\n")
    result = run("twice.csv", "2024-25", content=b"\n".join(lines + [lines[1]]))
    assert not result.applied and "URN 880001 is also on line 2" in result.problems[0].reason
    assert import_count() == 0


def test_a_windows_1252_file_is_read(schools):
    content = fixture("ks2_2024-25_performance_tables.csv").decode("utf-8").encode("cp1252")
    assert run("cp1252.csv", "2024-25", content=content).applied


def test_progress_is_reported_in_bytes_up_to_the_whole_file(schools, monkeypatch):
    from app.data import importer

    monkeypatch.setattr(importer, "PROGRESS_EVERY", 2)
    content = fixture("ks2_2024-25_performance_tables.csv")
    seen = []
    assert import_file(io.BytesIO(content), year="2024-25", progress=seen.append).applied
    assert len(seen) >= 3 and seen == sorted(seen) and seen[-1] == len(content)


def test_a_file_that_stops_being_text_part_way_is_refused_and_nothing_stored(schools):
    content = fixture("ks2_2024-25_performance_tables.csv")
    padding = b"".join(b"3,883,,,,,,,,,,,,,,,,,\n" for _ in range(4000))  # RECTYPE 3 rows are not read
    assert len(content + padding) > 64 * 1024
    with pytest.raises(DataFileError, match="not UTF-8 or Windows-1252 text"):
        run("broken.csv", "2024-25", content=content + padding + b"1,883,2001,880011,\x81\x8d,Fenmoor\n")
    assert import_count() == 0 and values_checksum()[0] == 0


def test_the_form_offers_the_latest_results_year_as_time_passes():
    from datetime import date

    from app.data.catalogue import latest_results_year

    assert latest_results_year(date(2026, 8, 31)) == "2024-25"
    assert latest_results_year(date(2026, 9, 1)) == "2025-26"
    assert catalogue_years("2031-32")[0] == "2031-32"


def catalogue_years(latest):
    from app.data.catalogue import catalogue

    return catalogue().years(latest)


def test_an_import_written_in_many_statements_applies_and_leaves_the_database_settings_as_they_were(schools, monkeypatch):
    from app.data import importer

    monkeypatch.setattr(importer, "BATCH_SIZE", 7)  # on SQLite several batches, the last one short,
    monkeypatch.setattr(importer, "ROWS_PER_STATEMENT", 3)  # each of several statements
    result = run("ks2_2024-25_performance_tables.csv", "2024-25")
    assert result.applied and result.values_added == 80
    corrected = fixture("ks2_2024-25_performance_tables.csv").replace(b"67%,10%,106,105,45%", b"66%,11%,106,105,SUPP")
    again = run("corrected.csv", "2024-25", content=corrected)
    assert (again.values_changed, again.values_unchanged) == (3, 77)
    assert value_of("ks2_rwm_expected", "2024-25", "880001", "disadvantaged").status == "withheld"
    assert value_of("ks2_rwm_higher", "2024-25", "880001").value == 11.0
    if db.engine.dialect.name == "postgresql":  # the comparison's own settings end with it
        assert db.session.execute(text("SHOW enable_nestloop")).scalar() == "on"
        assert db.session.execute(text("SHOW work_mem")).scalar() != importer.MERGE_WORK_MEM


def test_written_a_few_values_at_a_time_a_late_problem_still_stores_nothing(schools, monkeypatch):
    """On PostgreSQL a first import streams through one COPY left open while the file is read: a problem
    after values were sent, or a file that stops being text after them, must still leave nothing."""
    from app.data import importer

    monkeypatch.setattr(importer, "BATCH_SIZE", 5)
    content = fixture("ks2_2024-25_performance_tables.csv")
    lines = content.split(b"\n")
    late = b"\n".join(lines[:-2] + [lines[-2].replace(b"%", b"?%", 1), lines[-1]])
    result = run("late.csv", "2024-25", content=late)
    assert not result.applied and result.problem_count == 1 and result.problems[0].line == len(lines) - 1
    assert import_count() == 0 and values_checksum()[0] == 0

    padding = b"".join(b"3,883,,,,,,,,,,,,,,,,,\n" for _ in range(4000))
    with pytest.raises(DataFileError, match="not UTF-8 or Windows-1252 text"):
        run("broken.csv", "2024-25", content=content + padding + b"1,883,2001,880011,\x81\x8d,Fenmoor\n")
    assert import_count() == 0 and values_checksum()[0] == 0

    result = run("ks2_2024-25_performance_tables.csv", "2024-25")
    assert result.applied and result.values_added == 80
    again = run("ks2_2024-25_performance_tables.csv", "2024-25")
    assert (again.values_added, again.values_changed, again.values_unchanged, again.values_removed) == (0, 0, 80, 0)

    # A corrected file goes through the import's staging table: a late problem there leaves what is
    # held as it was, and the staging table goes with the savepoint (the next import makes its own).
    held = values_checksum()
    late_correction = late.replace(b"67%,10%", b"68%,10%")
    result = run("late-correction.csv", "2024-25", content=late_correction)
    assert not result.applied and result.problem_count == 1
    assert values_checksum() == held and import_count() == 2
    corrected = run("corrected.csv", "2024-25", content=content.replace(b"67%,10%", b"68%,10%"))
    assert (corrected.values_changed, corrected.values_unchanged) == (1, 79)
