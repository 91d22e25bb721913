"""Realistic DfE files of both shapes, for the demo, the tests and the benchmark (no download is possible).

Which columns a file has comes from the catalogue, so a year before a rename is written under the
old name (the key stage 4 disadvantaged share is PTFSMCLA before 2015/16). The figures are invented:
each school has a steady standing plus a yearly wobble, disadvantaged pupils do worse than others,
small cohorts are withheld (SUPP, c), special schools have measures that do not apply (NA, z), and
the other codes turn up now and then. LA and England rows are the means of the schools written.
Files are written a row at a time, so a national file never sits in memory.
"""

from __future__ import annotations

import csv
import random
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO

from app.data.catalogue import ENGLAND_CODE, catalogue, ees_time_period, year_start
from app.data.importer import EES_COLUMNS

# measure -> (mean, spread, lowest, highest, decimals, gap for disadvantaged pupils)
SHAPES: dict[str, tuple[float, float, float, float, int, float]] = {
    "ks2_rwm_expected": (61, 14, 0, 100, 0, -17),
    "ks2_rwm_higher": (8, 6, 0, 60, 0, -5),
    "ks2_reading_scaled": (105, 3, 94, 120, 0, -4),
    "ks2_maths_scaled": (104, 3, 94, 120, 0, -4),
    "ks4_attainment8": (46, 8, 5, 85, 1, -12),
    "ks4_progress8": (0, 0.5, -4, 3, 2, -0.55),
    "ks4_basics_4": (65, 13, 0, 100, 0, -22),
    "ks4_basics_5": (45, 14, 0, 100, 0, -23),
    "ks4_ebacc_aps": (4.1, 0.8, 0.5, 8.5, 2, -1.0),
    "ks4_disadvantaged": (25, 12, 0, 95, 0, 0),
    "ks5_alevel_aps": (34, 5, 10, 58, 2, 0),
    "ks5_academic_aps": (34, 5, 10, 58, 2, 0),
    "overall_absence": (6.5, 1.5, 2, 30, 1, 0),
    "persistent_absence": (18, 6, 1, 80, 1, 0),
    "suspension_rate": (5, 5, 0, 80, 2, 0),
    "fsm_eligible": (24, 11, 1, 85, 1, 0),
    "sen_support": (13, 4, 1, 60, 1, 0),
    "ehc_plan": (2.5, 1.5, 0, 100, 1, 0),
}
LOWER_IS_BETTER_SIGN = {"overall_absence": -1, "persistent_absence": -1, "suspension_rate": -1}
SMALL_COHORT = 5  # DfE withholds a group's figures when it has this many pupils or fewer
LA_NAMES = "Authority {code}"

# The columns a real file has beyond those the catalogue reads, so that a generated file is as wide
# as DfE's (a national key stage 2 performance tables file has about 250 columns, key stage 4 about
# 400): the benchmark's bare read then costs what it would on a real file.
_SPLITS = ["", "_FSM6CLA1A", "_NotFSM6CLA1A", "_B", "_G", "_EAL", "_NEAL", "_MOBN", "_LOW", "_MID", "_HIGH",
           "_SENSE", "_NSEN", "_FSMEVER", "_NFSMEVER", "_CLA", "_GIRLS_FSM", "_BOYS_FSM"]
EXTRA_COLUMNS = {
    ("ks2", "performance_tables"): [
        base + split
        for base in ("PTREAD_EXP", "PTWRITTA_EXP", "PTMAT_EXP", "PTGPS_EXP", "PTREAD_HIGH", "PTWRITTA_HIGH", "PTMAT_HIGH",
                     "PTGPS_HIGH", "GPS_AVERAGE", "PTRWM_EXP", "PTRWM_HIGH", "READ_AVERAGE", "MAT_AVERAGE")
        for split in _SPLITS
    ],
    ("ks4", "performance_tables"): [
        base + split
        for base in ("ATT8SCR", "ATT8SCRENG", "ATT8SCRMAT", "ATT8SCREBAC", "ATT8SCROPEN", "P8MEA", "P8MEAENG", "P8MEAMAT",
                     "P8MEAEBAC", "P8MEAOPEN", "PTL2BASICS_94", "PTL2BASICS_95", "EBACCAPS", "PTEBACC_E_PTQ_EE", "PTEBACC_95",
                     "PTEBACC_94", "TPUP", "PTSTAYING", "PTNOTSTAYING", "PTEALGRP2", "PTPRIORLO", "PTPRIORAV")
        for split in _SPLITS
    ],
    ("ks5", "performance_tables"): [
        f"{base}_{qual}_1618" for base in ("TALLPPE", "TALLPPEGRD", "TALLPUP", "TALLPPS", "TALLPPSGRD", "VA", "VA_UPPER", "VA_LOWER")
        for qual in ("ALEV", "ACAD", "AGEN", "TLEV", "TECH", "ALL", "AAB", "LEVEL3", "EM", "RETAIN", "DEST")
    ],
    ("ks2", "ees"): [f"{measure}_{subject}" for measure in ("pt_met_expected_standard", "pt_met_higher_standard", "avg_scaled_score",
                                                            "pt_progress_below", "t_eligible_pupils") for subject in ("read", "writ", "mat", "gps", "sci", "rwm")],
    ("ks4", "ees"): [f"{measure}_{element}" for measure in ("avg_att8", "avg_p8score", "pt_entering", "pt_achieving") for element in
                     ("eng", "mat", "ebac", "open", "sci", "hum", "lang", "basics")],
}


@dataclass(frozen=True)
class GeneratedSchool:
    urn: str
    la_code: str
    name: str
    kinds: frozenset[str]  # the kinds of data published for it: "ks2", "ks4", "absence" ...
    special: bool = False
    cohort: int = 30  # pupils at the end of the key stage
    on_roll: int = 210


@dataclass
class _Sums:
    """Running totals for the LA and England rows: one number per (area, measure, group), not per school."""

    totals: dict[tuple[str, str, str], list[float]] = field(default_factory=dict)

    def add(self, area: str, measure: str, group: str, value: float) -> None:
        entry = self.totals.setdefault((area, measure, group), [0.0, 0])
        entry[0] += value
        entry[1] += 1

    def mean(self, area: str, measure: str, group: str) -> float | None:
        entry = self.totals.get((area, measure, group))
        return entry[0] / entry[1] if entry and entry[1] else None


def _rng(*parts) -> random.Random:
    return random.Random(zlib.crc32("|".join(map(str, parts)).encode()))


def national_schools(kind: str, count: int, *, seed: int = 1, la_count: int = 150, first_urn: int = 100000) -> Iterator[GeneratedSchool]:
    """``count`` invented schools across about 150 LAs, about one in twenty special."""
    rng = random.Random(seed)
    for n in range(count):
        special = rng.random() < 0.05
        cohort = max(1, int(rng.gauss(8 if special else (28 if kind == "ks2" else 170), 4 if special else (14 if kind == "ks2" else 60))))
        yield GeneratedSchool(
            urn=str(first_urn + n), la_code=str(201 + (n % la_count) * 5), name=f"School {n}",
            kinds=frozenset({kind}), special=special, cohort=cohort, on_roll=cohort * (7 if kind == "ks2" else 5),
        )


def _standing(urn: str, measure: str, year: str, seed: int) -> float:
    """A school's standing on a measure: mostly steady from year to year, with a yearly wobble."""
    steady = _rng(seed, urn, measure).gauss(0, 1)
    wobble = _rng(seed, urn, measure, year).gauss(0, 1)
    return 0.8 * steady + 0.6 * wobble


def _figure(school: GeneratedSchool, measure: str, group: str, year: str, seed: int) -> float:
    if measure == "pupils_on_roll":
        return float(max(5, int(school.on_roll * (1 + 0.04 * _rng(seed, school.urn, year).gauss(0, 1)))))
    mean, spread, low, high, decimals, gap = SHAPES[measure]
    sign = LOWER_IS_BETTER_SIGN.get(measure, 1)
    value = mean + spread * _standing(school.urn, measure, year, seed) * sign
    if school.special:
        value = {"ehc_plan": 96.0, "sen_support": 3.0}.get(measure, value - spread if sign > 0 else value)
    if group == "disadvantaged":
        value += gap
    elif group == "other":
        value -= gap * 0.4
    return round(min(high, max(low, value)), decimals)


def _cell(school, measure, group, year, seed, fmt: str, published: bool, sums: _Sums) -> str:
    """The text of one school's cell, a code where DfE would write one."""
    the_measure = catalogue().measures[measure]
    roll = _rng(seed, school.urn, measure, group, year).random()
    tables = fmt == "performance_tables"
    if not published:
        return "NP" if tables else "z"
    share = SHAPES.get("ks4_disadvantaged")[0] / 100
    cohort = {"all": school.cohort, "disadvantaged": round(school.cohort * share), "other": round(school.cohort * (1 - share))}[group]
    if the_measure.kind in ("ks2", "ks4", "ks5") and cohort <= SMALL_COHORT:
        return "SUPP" if tables else "c"
    if school.special and the_measure.kind in ("ks2", "ks4") and roll < 0.3:
        return "NA" if tables else "z"
    if measure == "ks4_progress8" and roll > 0.97:
        return "LOWCOV" if tables else "u"
    if measure == "ks4_ebacc_aps" and roll > 0.98:
        return "NE" if tables else "x"
    if measure == "suspension_rate" and roll < 0.03:
        return "low"
    value = _figure(school, measure, group, year, seed)
    sums.add(school.la_code, measure, group, value)
    sums.add(ENGLAND_CODE, measure, group, value)
    return _text(value, the_measure.unit, SHAPES.get(measure, (0, 0, 0, 0, 0, 0))[4], tables)


def _text(value: float, unit: str, decimals: int, tables: bool) -> str:
    text = f"{value:.{decimals}f}"
    return f"{text}%" if tables and unit == "percent" else text


def _measure_columns(kind: str, fmt: str, year: str) -> list[tuple[str, str, str, bool]]:
    """(measure, group, column, published) for every column of the year's file, published or not."""
    the_catalogue = catalogue()
    found = []
    for measure in the_catalogue.measures_of(kind):
        published = not measure.not_published_reason(year, the_catalogue.kinds[kind])
        for group in measure.groups if fmt == "performance_tables" else ("all",):
            column = measure.column(fmt, group, year)
            if column:
                found.append((measure.key, group, column, published))
    return found


def write_performance_tables(out: IO[str], kind: str, year: str, schools: Iterable[GeneratedSchool], *, seed: int = 1) -> int:
    """A performance tables CSV (RECTYPE 1 and 2 schools, then LA rows (4) and England (5)); returns the rows written."""
    edition = catalogue().kinds[kind].edition("performance_tables", year)
    columns = _measure_columns(kind, "performance_tables", year)
    extra = _extra(kind, "performance_tables", columns)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["RECTYPE", "LEA", "ESTAB", "URN", "SCHNAME", "TOWN", "TELIG"] + [column for _, _, column, _ in columns] + extra)
    sums, las, written = _Sums(), set(), 0
    for n, school in enumerate(schools):
        if kind not in school.kinds:
            continue
        rectype = edition.school_codes[1] if school.special and len(edition.school_codes) > 1 else edition.school_codes[0]
        cells = [_cell(school, m, g, year, seed, "performance_tables", p, sums) for m, g, _, p in columns]
        writer.writerow([rectype, school.la_code, str(2000 + n % 7000), school.urn, school.name, "Town", school.cohort] + cells
                        + _extra_cells(school, year, seed, len(extra), "performance_tables"))
        las.add(school.la_code)
        written += 1
    for area, rectype, lea in [(la, edition.la_codes[0], la) for la in sorted(las)] + [(ENGLAND_CODE, edition.england_codes[0], "")]:
        writer.writerow([rectype, lea, "", "", "", "", ""] + [_mean(sums, area, m, g, p, "performance_tables") for m, g, _, p in columns]
                        + ["x"] * len(extra))
        written += 1
    return written


def write_ees(out: IO[str], kind: str, year: str, schools: Iterable[GeneratedSchool], *, seed: int = 1) -> int:
    """An Explore Education Statistics tidy CSV: a row per school (and per pupil group where the kind
    splits them), then LA and national rows; returns the rows written."""
    edition = catalogue().kinds[kind].edition("ees", year)
    columns = _measure_columns(kind, "ees", year)
    extra = _extra(kind, "ees", columns)
    groups = [(group, value) for group, value in edition.groups.items()] if edition.group_filter else [("all", None)]
    filter_columns = [edition.group_filter] if edition.group_filter else []
    writer = csv.writer(out, lineterminator="\r\n")
    head = ["time_period", "time_identifier", "geographic_level", "country_code", "country_name", "region_code",
            "region_name", "old_la_code", "new_la_code", "la_name", "school_urn", "school_name", "establishment_type_group"]
    assert set(EES_COLUMNS) <= set(head)
    writer.writerow(head + filter_columns + [column for _, _, column, _ in columns] + extra)
    period, sums, las, written = ees_time_period(year), _Sums(), set(), 0
    measures_of_group = {group: [(m, p) for m, g, _, p in columns if g == "all" and group in catalogue().measures[m].groups] for group, _ in groups}
    for school in schools:
        if kind not in school.kinds:
            continue
        place = [period, "Academic year", edition.school_codes[0], "E92000001", "England", "E12000006", "East of England",
                 school.la_code, f"E0600{school.la_code}", LA_NAMES.format(code=school.la_code), school.urn, school.name,
                 "Special" if school.special else "Mainstream"]
        for group, value in groups:
            cells = [
                _cell(school, m, group, year, seed, "ees", p, sums) if (m, p) in measures_of_group[group] else "z"
                for m, _, _, p in columns
            ]
            writer.writerow(place + ([value] if value is not None else []) + cells + _extra_cells(school, year, seed, len(extra), "ees"))
            written += 1
        las.add(school.la_code)
    for area in sorted(las) + [ENGLAND_CODE]:
        england = area == ENGLAND_CODE
        place = [period, "Academic year", edition.england_codes[0] if england else edition.la_codes[0], "E92000001", "England",
                 "" if england else "E12000006", "" if england else "East of England", "" if england else area,
                 "" if england else f"E0600{area}", "" if england else LA_NAMES.format(code=area), "", "", "Total"]
        for group, value in groups:
            cells = [_mean(sums, area, m, group, p, "ees") if (m, p) in measures_of_group[group] else "z" for m, _, _, p in columns]
            writer.writerow(place + ([value] if value is not None else []) + cells + ["x"] * len(extra))
            written += 1
    return written


def _extra(kind: str, fmt: str, columns) -> list[str]:
    read = {column for _, _, column, _ in columns}
    return [column for column in EXTRA_COLUMNS.get((kind, fmt), []) if column not in read]


def _extra_cells(school: GeneratedSchool, year: str, seed: int, count: int, fmt: str) -> list[str]:
    """Plausible figures for the columns the catalogue does not read: withheld for small cohorts."""
    if not count:
        return []
    if school.cohort <= SMALL_COHORT:
        return ["SUPP" if fmt == "performance_tables" else "c"] * count
    rng = _rng(seed, school.urn, year, "extra")
    percent = "%" if fmt == "performance_tables" else ""
    return [f"{rng.randint(0, 100)}{percent}" for _ in range(count)]


def _mean(sums: _Sums, area: str, measure: str, group: str, published: bool, fmt: str) -> str:
    tables = fmt == "performance_tables"
    if not published:
        return "NP" if tables else "z"
    mean = sums.mean(area, measure, group)
    if mean is None:
        return "SUPP" if tables else "c"
    the_measure = catalogue().measures[measure]
    decimals = 0 if the_measure.unit == "count" else max(1, SHAPES.get(measure, (0, 0, 0, 0, 1, 0))[4])
    return _text(round(mean, decimals), the_measure.unit, decimals, tables)


def recent_years(latest: str, count: int = 3) -> list[str]:
    start = year_start(latest)
    return [f"{y}-{(y + 1) % 100:02d}" for y in range(start - count + 1, start + 1)]
