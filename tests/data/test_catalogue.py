"""The measures catalogue and the reading of one cell: codes kept as what they are, never zeros."""

from __future__ import annotations

import pytest

from app.data.catalogue import CatalogueError, catalogue, parse_catalogue, year_start
from app.data.cells import CODES, read_cell
from app.models.data import STATUS_MEANINGS, ValueStatus


def test_the_catalogue_holds_the_measures_the_issue_starts_with():
    measures = catalogue().measures
    ks2 = [key for key, measure in measures.items() if measure.kind == "ks2"]
    assert ks2 == ["ks2_rwm_expected", "ks2_rwm_higher", "ks2_reading_scaled", "ks2_maths_scaled"]
    for key in ks2 + ["ks4_attainment8", "ks4_progress8", "ks4_basics_4", "ks4_basics_5", "ks4_ebacc_aps"]:
        assert measures[key].groups == ("all", "disadvantaged", "other"), key
    for key in ("ks5_alevel_aps", "overall_absence", "persistent_absence", "suspension_rate", "pupils_on_roll",
                "fsm_eligible", "sen_support", "ehc_plan"):
        assert key in measures
    assert measures["ks5_alevel_aps"].sixth_form_only
    assert measures["overall_absence"].higher_is_better is False
    assert measures["ks2_rwm_expected"].unit == "percent" and measures["ks4_attainment8"].unit == "score"
    assert "Primary" in measures["ks2_rwm_expected"].phases and "Primary" not in measures["ks4_attainment8"].phases


def test_a_renamed_column_is_read_from_its_own_years():
    disadvantaged = catalogue().measures["ks4_disadvantaged"]
    assert disadvantaged.column("performance_tables", "all", "2013-14") == "PTFSMCLA"
    assert disadvantaged.column("performance_tables", "all", "2014-15") == "PTFSMCLA"
    assert disadvantaged.column("performance_tables", "all", "2015-16") == "PTFSM6CLA1A"
    assert disadvantaged.column("performance_tables", "all", "2024-25") == "PTFSM6CLA1A"
    assert disadvantaged.column("performance_tables", "all", "2009-10") is None


@pytest.mark.parametrize("year, published", [("2022-23", True), ("2023-24", True), ("2024-25", False), ("2025-26", False)])
def test_progress_8_is_not_published_for_2024_25_and_2025_26(year, published):
    the_catalogue = catalogue()
    columns = the_catalogue.columns("ks4", "performance_tables", year)
    assert (("ks4_progress8", "all") in columns) is published
    reasons = dict((measure.key, reason) for measure, reason in the_catalogue.not_published("ks4", year))
    assert ("ks4_progress8" in reasons) is not published
    if not published:
        assert "key stage 2" in reasons["ks4_progress8"]


def test_the_record_types_that_are_schools_come_from_the_catalogue():
    edition = catalogue().kinds["ks2"].edition("performance_tables", "2024-25")
    assert edition.school_codes == ("1", "2") and edition.la_codes == ("4",) and edition.england_codes == ("5",)
    tidy = catalogue().kinds["ks2"].edition("ees", "2024-25")
    assert tidy.school_codes == ("School",) and tidy.group_filter == "breakdown"
    assert tidy.groups["disadvantaged"] == "Disadvantaged"


@pytest.mark.parametrize("year", ["2024", "2024-26", "2024/25", "24-25", "", "2024-25x", "<script>"])
def test_an_academic_year_must_be_written_like_2024_25(year):
    with pytest.raises(ValueError, match="not an academic year like 2024-25"):
        year_start(year)


MINIMAL = """
version = 2
source = "DfE"
licence = "OGL"
licence_url = "https://example.org"
[kinds.ks2]
label = "Key stage 2"
publication = "KS2"
[kinds.ks2.performance_tables]
editions = [{ from = "2015-16", school_record_types = ["1"], la_record_types = ["4"], england_record_types = ["5"] }]
[measures.m]
kind = "ks2"
label = "M"
unit = "percent"
higher_is_better = true
phases = ["Primary"]
groups = ["all"]
performance_tables = { all = [%s] }
"""


@pytest.mark.parametrize(
    "sources, message",
    [
        ('{ from = "2015-16", column = "A" }, { from = "2018-19", column = "B" }', "overlap"),
        ('{ from = "2015-16" }', "has no column"),
        ('{ from = "2015/16", column = "A" }', "not an academic year"),
    ],
)
def test_a_mistake_in_the_catalogue_stops_it_loading(sources, message):
    with pytest.raises(CatalogueError, match=message):
        parse_catalogue(MINIMAL % sources)


def test_consecutive_sources_load():
    parsed = parse_catalogue(MINIMAL % '{ from = "2015-16", to = "2017-18", column = "A" }, { from = "2018-19", column = "B" }')
    assert parsed.version == 2
    assert parsed.measures["m"].column("performance_tables", "all", "2017-18") == "A"
    assert parsed.measures["m"].column("performance_tables", "all", "2018-19") == "B"


@pytest.mark.parametrize(
    "raw, status",
    [
        ("SUPP", ValueStatus.WITHHELD), ("c", ValueStatus.WITHHELD), ("NE", ValueStatus.NO_ENTRIES),
        ("NA", ValueStatus.NOT_APPLICABLE), ("z", ValueStatus.NOT_APPLICABLE), ("NP", ValueStatus.NOT_PUBLISHED),
        ("x", ValueStatus.NOT_AVAILABLE), ("LOWCOV", ValueStatus.LOW_COVERAGE), ("u", ValueStatus.LOW_RELIABILITY),
        ("low", ValueStatus.ROUNDS_TO_ZERO),
    ],
)
def test_every_code_is_a_status_with_its_meaning_and_no_value(raw, status):
    cell = read_cell(f" {raw} ", "percent", "PTRWM_EXP")
    assert cell.value is None and cell.status == status and cell.code == raw
    assert STATUS_MEANINGS[status] and status.meaning == STATUS_MEANINGS[status]


def test_every_status_has_a_meaning_and_codes_of_different_meanings_differ():
    assert set(STATUS_MEANINGS) == set(ValueStatus)
    assert {CODES["SUPP"], CODES["NE"], CODES["NA"], CODES["NP"], CODES["LOWCOV"], CODES["u"], CODES["low"], CODES["x"]} == set(ValueStatus) - {ValueStatus.VALUE}


@pytest.mark.parametrize(
    "raw, unit, value",
    [("45%", "percent", 45.0), ("45", "percent", 45.0), ("0%", "percent", 0.0), ("0", "score", 0.0),
     ("-0.12", "score", -0.12), ("106.5", "score", 106.5), ("100%", "percent", 100.0), (" 7 ", "count", 7.0)],
)
def test_numbers_and_percentages_are_values(raw, unit, value):
    cell = read_cell(raw, unit, "X")
    assert cell.status == ValueStatus.VALUE and cell.value == value and cell.code is None


def test_an_empty_cell_is_nothing_at_all():
    assert read_cell("", "percent", "X") is None
    assert read_cell("   ", "score", "X") is None


@pytest.mark.parametrize(
    "raw, message",
    [("4S%", "not a number or a code"), ("supp", "not a number or a code"), ("1e5", "not a number"), ("nan", "not a number"),
     ("101%", "outside 0 to 100"), ("=HYPERLINK(\"x\")", "not a number"), ("45%", "is a percentage"), ("-3", "cannot be negative"),
     ("<script>alert(1)</script>", "not a number"), ("1.2.3", "not a number"), ("٣", "not a number"), ("4²", "not a number"),
     ("1_000", "not a number"), ("--1", "not a number"), ("inf", "not a number")],
)
def test_a_malformed_cell_says_what_is_wrong(raw, message):
    unit = "score" if message == "is a percentage" else ("count" if "negative" in message else "percent")
    with pytest.raises(ValueError, match=message):
        read_cell(raw, unit, "PTRWM_EXP")
