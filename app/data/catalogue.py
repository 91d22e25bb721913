"""The measures catalogue (catalogue.toml), read once and checked as it is read.

A mistake in the catalogue (a measure of an unknown kind, a source with no column, overlapping
years) stops the app at start-up rather than mis-reading a file later.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path

FORMATS = {"performance_tables": "Performance tables (one row per school)", "ees": "Explore Education Statistics (tidy data)"}
FORMAT_NAMES = {"performance_tables": "performance tables", "ees": "Explore Education Statistics"}
GROUPS = {"all": "All pupils", "disadvantaged": "Disadvantaged pupils", "other": "Other pupils"}
UNITS = {"percent": "A percentage", "score": "A score", "count": "A number of pupils", "rate": "A rate per 100 pupils"}
YEAR_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")
CATALOGUE_PATH = Path(__file__).with_name("catalogue.toml")

# Explore Education Statistics' words for the levels its rows are at.
EES_SCHOOL_LEVELS = ("School",)
EES_LA_LEVELS = ("Local authority",)
EES_ENGLAND_LEVELS = ("National",)
ENGLAND_CODE = "E92000001"


class CatalogueError(ValueError):
    pass


def year_start(year: str) -> int:
    """2024 for "2024-25"; ValueError for anything that is not an academic year written that way."""
    match = YEAR_PATTERN.match(year or "")
    if not match or (int(match.group(1)) + 1) % 100 != int(match.group(2)):
        raise ValueError(f"‘{(year or '')[:20]}’ is not an academic year like 2024-25")
    return int(match.group(1))


def year_label(year: str) -> str:
    """"2024/25", as the service writes an academic year."""
    return year.replace("-", "/")


def latest_results_year(today: date) -> str:
    """Results for an academic year are published in the autumn after it: in November 2026, 2025/26."""
    start = (today.year if today.month >= 9 else today.year - 1) - 1
    return f"{start}-{(start + 1) % 100:02d}"


def ees_time_period(year: str) -> str:
    """EES writes 2024-25 as 202425."""
    return year[:4] + year[5:]


@dataclass(frozen=True)
class Span:
    """A stretch of academic years (to is None: still so) and what applies in it."""

    start: int
    end: int | None
    value: object

    def covers(self, year: str) -> bool:
        start = year_start(year)
        return self.start <= start and (self.end is None or start <= self.end)

    @property
    def years(self) -> str:
        first = f"{self.start}-{(self.start + 1) % 100:02d}"
        if self.end is None:
            return f"from {year_label(first)}"
        last = f"{self.end}-{(self.end + 1) % 100:02d}"
        return f"{year_label(first)} to {year_label(last)}"


def _spans(entries: list[dict], what: str, key: str) -> tuple[Span, ...]:
    spans = []
    for entry in entries:
        try:
            start = year_start(entry["from"])
            end = year_start(entry["to"]) if "to" in entry else None
        except (KeyError, ValueError) as error:
            raise CatalogueError(f"{what}: {error}") from None
        if key not in entry and key != "*":
            raise CatalogueError(f"{what}: a source from {entry['from']} has no {key}")
        spans.append(Span(start, end, entry if key == "*" else entry[key]))
    spans.sort(key=lambda span: span.start)
    for before, after in zip(spans, spans[1:]):
        if before.end is None or before.end >= after.start:
            raise CatalogueError(f"{what}: sources overlap from {after.start}")
    return tuple(spans)


def _in(spans: tuple[Span, ...], year: str):
    for span in spans:
        if span.covers(year):
            return span.value
    return None


@dataclass(frozen=True)
class Edition:
    """How one kind's files in one format say which rows are schools, LAs and England, and which pupils."""

    school_codes: tuple[str, ...]
    la_codes: tuple[str, ...]
    england_codes: tuple[str, ...]
    group_filter: str | None = None
    groups: dict[str, str] = field(default_factory=dict)  # our pupil group -> the filter's value


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    publication: str
    editions: dict[str, tuple[Span, ...]]  # format -> spans of Edition
    not_published: dict[str, str]  # year -> why

    def edition(self, source_format: str, year: str) -> Edition | None:
        return _in(self.editions.get(source_format, ()), year)

    @property
    def formats(self) -> list[str]:
        return [name for name in FORMATS if name in self.editions]


@dataclass(frozen=True)
class Measure:
    key: str
    kind: str
    label: str
    unit: str
    higher_is_better: bool
    context: bool
    phases: tuple[str, ...]
    sixth_form_only: bool
    groups: tuple[str, ...]
    sources: dict[str, dict[str, tuple[Span, ...]]]  # format -> group -> spans of column
    not_published: dict[str, str]  # year -> why

    def column(self, source_format: str, group: str, year: str) -> str | None:
        return _in(self.sources.get(source_format, {}).get(group, ()), year)

    def not_published_reason(self, year: str, kind: Kind) -> str | None:
        return self.not_published.get(year) or kind.not_published.get(year)

    @property
    def direction(self) -> str:
        if self.context:
            return "Context: neither higher nor lower is better"
        return "Higher is better" if self.higher_is_better else "Lower is better"


@dataclass(frozen=True)
class Catalogue:
    version: int
    source: str
    licence: str
    licence_url: str
    kinds: dict[str, Kind]
    measures: dict[str, Measure]

    def measures_of(self, kind: str) -> list[Measure]:
        return [measure for measure in self.measures.values() if measure.kind == kind]

    def columns(self, kind: str, source_format: str, year: str) -> dict[tuple[str, str], str]:
        """(measure, pupil group) -> the column it is read from, for every measure published that year."""
        columns = {}
        for measure in self.measures_of(kind):
            if measure.not_published_reason(year, self.kinds[kind]):
                continue
            for group in measure.groups:
                column = measure.column(source_format, group if source_format == "performance_tables" else "all", year)
                if column:
                    columns[(measure.key, group)] = column
        return columns

    def not_published(self, kind: str, year: str) -> list[tuple[Measure, str]]:
        """The kind's measures DfE does not publish for this year, and why."""
        found = []
        for measure in self.measures_of(kind):
            reason = measure.not_published_reason(year, self.kinds[kind])
            if reason:
                found.append((measure, reason))
        return found

    def years(self, latest: str | None = None) -> list[str]:
        """Every academic year some measure is read for, newest first, up to ``latest`` (or the
        latest year the catalogue names)."""
        starts = [span.start for m in self.measures.values() for groups in m.sources.values() for spans in groups.values() for span in spans]
        ends = [span.end for m in self.measures.values() for groups in m.sources.values() for spans in groups.values() for span in spans if span.end]
        last = max(max(starts), max(ends, default=0), max(year_start(y) for m in self.measures.values() for y in m.not_published))
        if latest:
            last = max(last, year_start(latest))
        return [f"{start}-{(start + 1) % 100:02d}" for start in range(last, min(starts) - 1, -1)]


def _kind(key: str, raw: dict) -> Kind:
    editions = {}
    for source_format in FORMATS:
        if source_format not in raw:
            continue
        spans = _spans(raw[source_format].get("editions", []), f"kind {key} ({source_format})", "*")
        if not spans:
            raise CatalogueError(f"kind {key} ({source_format}) has no editions")
        built = []
        for span in spans:
            entry = span.value
            if source_format == "performance_tables":
                edition = Edition(
                    tuple(entry["school_record_types"]), tuple(entry["la_record_types"]), tuple(entry["england_record_types"])
                )
            else:
                groups = dict(entry.get("groups", {}))
                if set(groups) - set(GROUPS):
                    raise CatalogueError(f"kind {key}: unknown pupil groups {sorted(set(groups) - set(GROUPS))}")
                edition = Edition(
                    tuple(entry.get("school_levels", EES_SCHOOL_LEVELS)),
                    tuple(entry.get("la_levels", EES_LA_LEVELS)),
                    tuple(entry.get("england_levels", EES_ENGLAND_LEVELS)),
                    entry.get("group_filter"),
                    groups or {"all": ""},
                )
            built.append(Span(span.start, span.end, edition))
        editions[source_format] = tuple(built)
    return Kind(key, raw["label"], raw["publication"], editions, _not_published(raw, f"kind {key}"))


def _not_published(raw: dict, what: str) -> dict[str, str]:
    found = {}
    for entry in raw.get("not_published", []):
        try:
            year_start(entry["year"])
        except (KeyError, ValueError) as error:
            raise CatalogueError(f"{what}: {error}") from None
        found[entry["year"]] = entry["reason"]
    return found


def _measure(key: str, raw: dict, kinds: dict[str, Kind]) -> Measure:
    what = f"measure {key}"
    if raw.get("kind") not in kinds:
        raise CatalogueError(f"{what}: unknown kind {raw.get('kind')!r}")
    if raw.get("unit") not in UNITS:
        raise CatalogueError(f"{what}: unknown unit {raw.get('unit')!r}")
    groups = tuple(raw.get("groups", ["all"]))
    if set(groups) - set(GROUPS) or "all" not in groups:
        raise CatalogueError(f"{what}: pupil groups must include all and be among {sorted(GROUPS)}")
    sources: dict[str, dict[str, tuple[Span, ...]]] = {}
    if "performance_tables" in raw:
        table = raw["performance_tables"]
        if set(table) != set(groups):
            raise CatalogueError(f"{what}: performance tables columns must be given for {sorted(groups)}")
        sources["performance_tables"] = {group: _spans(table[group], f"{what} ({group})", "column") for group in groups}
    if "ees" in raw:
        # One indicator column; the kind's group filter picks the rows of each pupil group.
        sources["ees"] = {"all": _spans(raw["ees"], f"{what} (ees)", "column")}
    for source_format in sources:
        if source_format not in kinds[raw["kind"]].editions:
            raise CatalogueError(f"{what}: kind {raw['kind']} has no {source_format} files")
    if not sources:
        raise CatalogueError(f"{what}: no sources")
    return Measure(
        key=key,
        kind=raw["kind"],
        label=raw["label"],
        unit=raw["unit"],
        higher_is_better=bool(raw["higher_is_better"]),
        context=bool(raw.get("context", False)),
        phases=tuple(raw["phases"]),
        sixth_form_only=bool(raw.get("sixth_form_only", False)),
        groups=groups,
        sources=sources,
        not_published=_not_published(raw, what),
    )


def parse_catalogue(text: str) -> Catalogue:
    raw = tomllib.loads(text)
    kinds = {key: _kind(key, value) for key, value in raw["kinds"].items()}
    measures = {key: _measure(key, value, kinds) for key, value in raw["measures"].items()}
    return Catalogue(raw["version"], raw["source"], raw["licence"], raw["licence_url"], kinds, measures)


@cache
def catalogue() -> Catalogue:
    return parse_catalogue(CATALOGUE_PATH.read_text(encoding="utf-8"))
