"""Importing DfE's published school data: performance tables' wide CSVs and EES' tidy CSVs.

Like the GIAS import (app/services/gias.py), a file is read as a stream, one row at a time, and
written in batches inside one savepoint: either every value of the file is applied or, if any row
cannot be read, none is. What a file is, and which columns hold which measure in which year, comes
from the catalogue (catalogue.toml); nothing about DfE's columns is written here.

An import is for one kind of data (key stage 2, absence ...) and one academic year, and replaces
what an earlier import held for that kind and year: the same file again changes nothing, and a
corrected file changes only what it corrects, and says how many values that was.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import IO

from sqlalchemy import delete, func, select
from sqlalchemy import text as sql_text

from app.data.catalogue import ENGLAND_CODE, FORMAT_NAMES, Catalogue, Kind, catalogue, ees_time_period, year_label, year_start
from app.data.cells import read_cell
from app.extensions import db
from app.models import School, User
from app.models.data import AreaLevel, DataImport, MeasureValue
from app.services import uploads
from app.services.uploads import FileRefusedError, RowProblems, all_or_nothing

URN_PATTERN = re.compile(r"^\d{6,7}$")
LA_PATTERN = re.compile(r"^\d{3}$")
BATCH_SIZE = 1000
MAX_CACHED_CELLS = 50_000
ANALYZE_AFTER = 10_000  # values added or removed, after which PostgreSQL's statistics are refreshed
_UNREAD = object()
BATCH_ROWS = 400  # rows compared with what is held in one query (their places go in an IN list)
PROGRESS_EVERY = 500
REMOVAL_PAGE = 5000  # held ids walked at a time to find what a file no longer has

# The columns that say what a row is, by format.
PERFORMANCE_TABLES_COLUMNS = ("RECTYPE", "URN", "LEA")
EES_COLUMNS = ("time_period", "time_identifier", "geographic_level", "old_la_code", "new_la_code", "school_urn")


class DataFileError(FileRefusedError):
    """The file is not a DfE file the catalogue can read for this kind and year; nothing was changed."""


@dataclass
class DataImportResult(RowProblems):
    kind: str = ""
    source_format: str = ""
    academic_year: str = ""
    run: DataImport | None = None
    rows_read: int = 0
    schools: int = 0
    not_in_register: int = 0
    comparators: int = 0
    rows_skipped: int = 0
    values_added: int = 0
    values_changed: int = 0
    values_unchanged: int = 0
    values_removed: int = 0

    @property
    def applied(self) -> bool:
        return self.problem_count == 0 and self.run is not None



@dataclass(frozen=True)
class _Layout:
    """Where, in this file, each thing the import reads is."""

    kind: Kind
    source_format: str
    positions: dict[str, int]
    columns: dict[tuple[str, str], int]  # (measure, pupil group) -> position
    units: dict[str, str]


def import_file(
    binary: IO[bytes],
    *,
    year: str,
    kind: str | None = None,
    filename: str = "upload.csv",
    user: User | None = None,
    progress: Callable[[int], None] | None = None,
) -> DataImportResult:
    """Import one DfE file for one academic year; ``kind`` None means "work it out from the columns".

    Raises DataFileError for a file that cannot be read as the kind asked for (nothing is stored).
    Returns the counts; when ``result.applied`` is false, rows could not be read and nothing was written.
    ``progress`` is told now and then how many bytes of the file have been read.
    """
    the_catalogue = catalogue()
    try:
        year_start(year)
    except ValueError as error:
        raise DataFileError(str(error)) from None
    if kind is not None and kind not in the_catalogue.kinds:
        raise DataFileError(f"‘{kind[:20]}’ is not a kind of data the catalogue knows")
    text = uploads.open_csv_text(binary, source="DfE", refuse=DataFileError, fallback="sniff")
    result = DataImportResult(academic_year=year)
    with _all_or_nothing(text, result):
        reader = csv.reader(text)
        header = _header(reader)
        layout = _layout(the_catalogue, header, year, kind)
        result.kind, result.source_format = layout.kind.key, layout.source_format
        run = DataImport(
            kind=layout.kind.key,
            source_format=layout.source_format,
            academic_year=year,
            filename=(filename or "upload.csv")[:255],
            catalogue_version=the_catalogue.version,
            imported_by_id=user.id if user else None,
        )
        db.session.add(run)
        db.session.flush()
        _Import(layout, year, run, result, binary, progress).read_rows(reader)
        if result.problem_count:
            return _without_counts(result)
        for name in ("rows_read", "schools", "not_in_register", "comparators", "rows_skipped", "values_added",
                     "values_changed", "values_unchanged", "values_removed"):
            setattr(run, name, getattr(result, name))
        db.session.flush()
        if result.values_added + result.values_removed > ANALYZE_AFTER and db.engine.dialect.name == "postgresql":
            # A national file changes the table's size many times over: without fresh statistics the
            # next import's lookups were planned as sequential scans (a re-import took 12s, not 2s).
            db.session.execute(sql_text(f"ANALYZE {MeasureValue.__tablename__}"))
        result.run = run
    return result


def _without_counts(result: DataImportResult) -> DataImportResult:
    return DataImportResult(
        kind=result.kind, source_format=result.source_format, academic_year=result.academic_year,
        problems=result.problems, problem_count=result.problem_count,
    )


@contextmanager
def _all_or_nothing(text: IO[str], result: DataImportResult) -> Iterator[None]:
    """The uploads' one savepoint around the whole import, with a file that stops being text or
    CSV part-way through refused in words (nothing of it kept)."""
    try:
        with all_or_nothing(text, result):
            yield
    except UnicodeDecodeError:
        raise DataFileError("The selected file is not UTF-8 or Windows-1252 text. Download the CSV from DfE again") from None
    except csv.Error as error:
        raise DataFileError(f"The selected file could not be read as CSV ({error})") from None


def _header(reader) -> dict[str, int]:
    try:
        header = next(reader)
    except StopIteration:
        raise DataFileError("The selected file is empty") from None
    return {name.strip(): index for index, name in reversed(list(enumerate(header)))}


def _quoted(columns) -> str:
    columns = list(columns)
    shown = ", ".join(f"‘{column}’" for column in columns[:5])
    more = len(columns) - 5
    return shown + (f" and {more} more" if more > 0 else "") + (" column" if len(columns) == 1 else " columns")


def _format_of(header: dict[str, int]) -> str:
    if {"time_period", "geographic_level"} <= header.keys():
        return "ees"
    if {"RECTYPE", "URN"} <= header.keys():
        return "performance_tables"
    raise DataFileError(
        "The selected file is not a DfE performance tables or Explore Education Statistics file: it has neither "
        "RECTYPE and URN columns nor time_period and geographic_level columns"
    )


def _wanted(the_catalogue: Catalogue, kind: Kind, source_format: str, year: str) -> tuple[list[str], dict[tuple[str, str], str]]:
    """The columns a file of this kind, format and year must have, and the measures' columns among them."""
    edition = kind.edition(source_format, year)
    identity = list(PERFORMANCE_TABLES_COLUMNS if source_format == "performance_tables" else EES_COLUMNS)
    if edition is not None and edition.group_filter:
        identity.append(edition.group_filter)
    measures = the_catalogue.columns(kind.key, source_format, year) if edition is not None else {}
    return identity + sorted(set(measures.values()), key=list(measures.values()).index), measures


def _layout(the_catalogue: Catalogue, header: dict[str, int], year: str, kind_key: str | None) -> _Layout:
    source_format = _format_of(header)
    for column in PERFORMANCE_TABLES_COLUMNS if source_format == "performance_tables" else EES_COLUMNS:
        if column not in header:
            raise DataFileError(f"The selected file has no {_quoted([column])}, so its rows cannot be matched to schools")
    matching = []
    for kind in the_catalogue.kinds.values():
        required, measures = _wanted(the_catalogue, kind, source_format, year)
        if measures and all(column in header for column in required):
            matching.append(kind)
    if kind_key is None:
        if not matching:
            raise DataFileError(
                f"The selected file’s columns match none of the kinds of data the catalogue reads from "
                f"{FORMAT_NAMES[source_format]} files for {year_label(year)}. Choose the kind of data to see "
                "which columns are missing"
            )
        kind = matching[0]
    else:
        kind = the_catalogue.kinds[kind_key]
        if source_format not in kind.editions:
            raise DataFileError(
                f"{kind.label} data is not read from {FORMAT_NAMES[source_format]} files: "
                f"the catalogue reads it from {' and '.join(FORMAT_NAMES[f] for f in kind.formats)} files"
            )
        required, measures = _wanted(the_catalogue, kind, source_format, year)
        if not measures:
            raise DataFileError(f"The catalogue has no {kind.label.lower()} measures for {year_label(year)}")
        if kind not in matching:
            others = [other for other in matching if other is not kind]
            if others:
                raise DataFileError(f"The selected file is {others[0].label.lower()} data, not {kind.label.lower()} data")
            missing = [column for column in required if column not in header]
            raise DataFileError(
                f"The selected file is not {kind.label.lower()} data for {year_label(year)}: it has no {_quoted(missing)}"
            )
    _, measures = _wanted(the_catalogue, kind, source_format, year)
    return _Layout(
        kind=kind,
        source_format=source_format,
        positions=header,
        columns={key: header[column] for key, column in measures.items()},
        units={measure.key: measure.unit for measure in the_catalogue.measures_of(kind.key)},
    )


class _Import:
    """One file's rows, compared with what is held for its kind and year, written a batch at a time."""

    def __init__(self, layout: _Layout, year: str, run: DataImport, result: DataImportResult, binary, progress):
        self.layout, self.year, self.run, self.result = layout, year, run, result
        self.binary, self.progress = binary, progress
        self.edition = layout.kind.edition(layout.source_format, year)
        self.measures = sorted({measure for measure, _ in layout.columns})
        # What is held for the kind and year is read a batch of rows at a time (memory stays flat
        # as files grow); the values a file keeps are marked in a bitmap over the ids held before.
        first, last, held = db.session.execute(
            select(func.min(MeasureValue.id), func.max(MeasureValue.id), func.count())
            .where(MeasureValue.measure.in_(self.measures), MeasureValue.academic_year == year)
        ).one()
        self.first_held, self.last_held, self.held = first or 0, last or -1, held
        # PostgreSQL, nothing held: the file's values go through one COPY that stays open while the
        # file is read, so the server writes (indexes, foreign key checks) while Python reads on.
        self.postgresql = db.engine.dialect.name == "postgresql"
        self.copy = None
        self.writing = ExitStack()
        self.kept = bytearray((self.last_held - self.first_held) // 8 + 1 if last is not None else 0)
        self.pending: list[tuple] = []
        # The same text recurs thousands of times in a file ("SUPP", "45%", "104"): read it once per
        # unit, kept as the (value, status, code) a row of the table holds, so that comparing with
        # what is held is one tuple comparison.
        self.cells: dict[str, dict[str, tuple | None]] = {}
        self.cached = 0
        # Straight from the driver: building ORM rows for the register took a quarter of a second.
        cursor = db.session.connection().connection.cursor()
        try:
            cursor.execute(f"SELECT urn, id FROM {School.__tablename__}")
            self.school_ids: dict[str, int] = dict(cursor.fetchall())
        finally:
            cursor.close()
        self.seen: dict[tuple[str, str, str], int] = {}
        self.inserts: list[tuple] = []
        self.updates: list[tuple] = []
        # Each pupil group's columns, so a tidy file's row reads only its own group's.
        self.by_group: dict[str, list[tuple[str, str, int, str, str, dict]]] = {}
        names = {position: name for name, position in layout.positions.items()}
        for (measure, group), position in layout.columns.items():
            unit = layout.units[measure]
            self.by_group.setdefault(group, []).append(
                (measure, group, position, unit, names[position], self.cells.setdefault(unit, {}))
            )
        self.every_group = [item for items in self.by_group.values() for item in items]
        if self.edition.group_filter:
            self.group_of_value = {value: group for group, value in self.edition.groups.items()}

    def read_rows(self, reader) -> None:
        with self.writing:  # an open COPY is ended here if a row had a problem or anything raised
            self._read_rows(reader)

    def _read_rows(self, reader) -> None:
        rows_of_year = 0
        ees = self.layout.source_format == "ees"
        wanted_period = ees_time_period(self.year)
        positions = self.layout.positions
        width = max(positions.values()) + 1
        result, progress, read = self.result, self.progress, self._read
        period_at = positions["time_period"] if ees else 0
        by_group, every_group = self.by_group, self.every_group
        place_of = self._ees_place if ees else self._table_place
        for row in reader:
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if len(row) < width:
                row = row + [""] * (width - len(row))
            result.rows_read += 1
            if progress and result.rows_read % PROGRESS_EVERY == 0:
                progress(self.binary.tell())
            line = reader.line_num
            if ees:
                if row[period_at].strip() != wanted_period:
                    result.rows_skipped += 1
                    continue
                rows_of_year += 1
                group = self._group(row)
                if group is None:
                    result.rows_skipped += 1
                    continue
                cells = by_group.get(group, [])
            else:
                group, cells = "", every_group
            level, code, urn = place_of(row, line, group)
            if level is None:
                continue
            read(line, row, level, code, urn, group, cells)
        if ees and not rows_of_year and not self.result.problem_count:
            raise DataFileError(f"The selected file has no rows for {year_label(self.year)} (time_period {wanted_period})")
        if self.progress:
            self.progress(self.binary.tell())
        if not self.result.problem_count:
            self._finish()

    # Where a row is: (level, area code, URN), or level None for a row that is not read.

    def _table_place(self, row, line, group):
        rectype = row[self.layout.positions["RECTYPE"]].strip()
        if rectype in self.edition.school_codes:
            return self._school(row[self.layout.positions["URN"]].strip(), line, group)
        if rectype in self.edition.la_codes:
            return self._la(row[self.layout.positions["LEA"]].strip(), line)
        if rectype in self.edition.england_codes:
            return AreaLevel.ENGLAND, ENGLAND_CODE, ""
        self.result.rows_skipped += 1
        return None, None, None

    def _ees_place(self, row, line, group):
        level = row[self.layout.positions["geographic_level"]].strip()
        if level in self.edition.school_codes:
            return self._school(row[self.layout.positions["school_urn"]].strip(), line, group)
        if level in self.edition.la_codes:
            return self._la(row[self.layout.positions["old_la_code"]].strip(), line)
        if level in self.edition.england_codes:
            return AreaLevel.ENGLAND, ENGLAND_CODE, ""
        self.result.rows_skipped += 1
        return None, None, None

    def _group(self, row) -> str | None:
        if not self.edition.group_filter:
            return "all"
        return self.group_of_value.get(row[self.layout.positions[self.edition.group_filter]].strip())

    def _school(self, urn: str, line: int, group: str):
        if not URN_PATTERN.match(urn):
            self.result.problem(line, urn[:10], f"URN must be 6 or 7 digits (‘{urn[:20]}’)")
            return None, None, None
        if urn not in self.school_ids:
            if group in ("", "all"):  # a tidy file has a row per pupil group: count the school once
                self.result.not_in_register += 1
            return None, None, None
        return AreaLevel.SCHOOL, urn, urn

    def _la(self, code: str, line: int):
        if not LA_PATTERN.match(code):
            self.result.problem(line, "", f"The local authority code must be 3 digits (‘{code[:20]}’)")
            return None, None, None
        return AreaLevel.LA, code, ""

    def _read(self, line, row, level, code, urn, group, cells) -> None:
        place = (level, code, group)
        if place in self.seen:
            where = f"URN {code}" if level == AreaLevel.SCHOOL else ("England" if level == AreaLevel.ENGLAND else f"LA {code}")
            self.result.problem(line, urn, f"{where} is also on line {self.seen[place]}")
            return
        self.seen[place] = line
        if level == AreaLevel.SCHOOL:
            if group in ("", "all"):
                self.result.schools += 1
        elif group in ("", "all"):
            self.result.comparators += 1
        values = []
        append = values.append
        for measure, measure_group, position, unit, column, cache in cells:
            raw = row[position]
            try:
                cell = cache[raw]
            except KeyError:
                try:
                    read = read_cell(raw, unit, column)
                except ValueError as problem:
                    self.result.problem(line, urn, str(problem))
                    continue
                cell = None if read is None else (read.value, str(read.status), read.code)
                if self.cached < MAX_CACHED_CELLS:
                    cache[raw] = cell
                    self.cached += 1
            if cell is not None:
                append((measure, measure_group, cell))
        if self.result.problem_count:
            return  # nothing will be written: keep reading only to report every problem
        school_id = self.school_ids[code] if level == AreaLevel.SCHOOL else None
        self.pending.append((level, code, school_id, values))
        if len(self.pending) >= BATCH_ROWS:
            self._settle()

    def _settle(self) -> None:
        """Compare a batch of rows with what is held for their places, in one query, and queue the writes."""
        if not self.pending:
            return
        year, run_id, inserts = self.year, self.run.id, self.inserts
        result = self.result
        if not self.kept:  # nothing held for the kind and year: every value is new
            for level, code, school_id, values in self.pending:
                level = str(level)
                for measure, group, (value, status, source_code) in values:
                    inserts.append((measure, group, year, level, code, school_id, value, status, source_code, run_id))
                result.values_added += len(values)
                if len(inserts) >= BATCH_SIZE:
                    self._flush_inserts()
                    inserts = self.inserts
            self.pending = []
            return
        codes = sorted({code for _, code, _, _ in self.pending})
        # Straight from the driver: building SQLAlchemy rows was a fifth of a re-import's time.
        marker = _marker()
        cursor = db.session.connection().connection.cursor()
        try:
            cursor.execute(
                f"SELECT measure, pupil_group, level, area_code, id, value, status, source_code "
                f"FROM {MeasureValue.__tablename__} WHERE academic_year = {marker} "
                f"AND area_code IN ({', '.join([marker] * len(codes))}) "
                f"AND measure IN ({', '.join([marker] * len(self.measures))})",
                (self.year, *codes, *self.measures),
            )
            held = {(m, g, lv, c): (i, (v, st, sc)) for m, g, lv, c, i, v, st, sc in cursor.fetchall()}
        finally:
            cursor.close()
        first, kept, updates = self.first_held, self.kept, self.updates
        added = unchanged = changed = 0
        for level, code, school_id, values in self.pending:
            level = str(level)
            for measure, group, cell in values:
                found = held.get((measure, group, level, code))
                if found is None:
                    value, status, source_code = cell
                    inserts.append((measure, group, year, level, code, school_id, value, status, source_code, run_id))
                    added += 1
                    continue
                value_id, values_held = found
                offset = value_id - first
                kept[offset >> 3] |= 1 << (offset & 7)
                if values_held == cell:
                    unchanged += 1
                else:
                    updates.append((*cell, run_id, value_id))
                    changed += 1
            if len(inserts) >= BATCH_SIZE:
                self._flush_inserts()
                inserts = self.inserts
            if len(updates) >= BATCH_SIZE:
                self._flush_updates()
                updates = self.updates
        result.values_added += added
        result.values_unchanged += unchanged
        result.values_changed += changed
        self.pending = []

    def _flush_inserts(self) -> None:
        if self.inserts:
            # Straight to the driver's executemany (psycopg pipelines it): SQLAlchemy's per-row
            # parameter processing was a third of a national file's import. A multi-row INSERT was
            # tried and was slower on PostgreSQL (24s against 10s for national key stage 2).
            if self.postgresql and not self.kept:
                if self.copy is None:
                    cursor = self.writing.enter_context(db.session.connection().connection.cursor())
                    self.copy = self.writing.enter_context(cursor.copy(_copy_sql()))
                write_row = self.copy.write_row
                for row in self.inserts:
                    write_row(row)
            elif self.postgresql:
                _copy_rows(self.inserts)
            else:
                db.session.connection().exec_driver_sql(_insert_sql(), self.inserts)
            self.inserts = []

    def _flush_updates(self) -> None:
        if self.updates:
            if db.engine.dialect.name == "postgresql":
                _execute_rows(_update_from_values_sql, [(i, v, st, sc, imp) for v, st, sc, imp, i in self.updates])
            else:
                db.session.connection().exec_driver_sql(_update_sql(), self.updates)  # SQLite: no round trips
            self.updates = []

    def _finish(self) -> None:
        self._settle()
        self._flush_inserts()
        self._flush_updates()
        self.writing.close()
        if self.result.values_changed + self.result.values_unchanged == self.held:
            return  # the file has every value held (each matched once): nothing to remove
        # What was held and the file no longer has: walked a page of ids at a time, by primary key
        # alone (filtering by kind and year in SQL made SQLite sort the whole year for every page).
        measures, after = set(self.measures), self.first_held - 1
        marker = _marker()
        while True:
            cursor = db.session.connection().connection.cursor()
            try:
                cursor.execute(
                    f"SELECT id, measure, academic_year FROM {MeasureValue.__tablename__} "
                    f"WHERE id > {marker} AND id <= {marker} ORDER BY id LIMIT {REMOVAL_PAGE}",
                    (after, self.last_held),
                )
                page = cursor.fetchall()
            finally:
                cursor.close()
            if not page:
                break
            after = page[-1][0]
            gone = [
                i for i, measure, year in page
                if measure in measures and year == self.year
                and not self.kept[(i - self.first_held) >> 3] & (1 << ((i - self.first_held) & 7))
            ]
            if gone:
                db.session.execute(delete(MeasureValue).where(MeasureValue.id.in_(gone)))
                self.result.values_removed += len(gone)


INSERT_COLUMNS = ("measure", "pupil_group", "academic_year", "level", "area_code", "school_id", "value", "status",
                  "source_code", "import_id")


def _marker() -> str:
    return "?" if db.engine.dialect.paramstyle == "qmark" else "%s"


ROWS_PER_STATEMENT = 500


def _execute_rows(statement, rows: list[tuple]) -> None:
    """Write rows a few hundred to a statement, through the driver's cursor."""
    cursor = db.session.connection().connection.cursor()
    try:
        for start in range(0, len(rows), ROWS_PER_STATEMENT):
            chunk = rows[start:start + ROWS_PER_STATEMENT]
            cursor.execute(statement(len(chunk)), [value for row in chunk for value in row])
    finally:
        cursor.close()


def _insert_sql() -> str:
    marker = _marker()
    return (
        f"INSERT INTO {MeasureValue.__tablename__} ({', '.join(INSERT_COLUMNS)}) "
        f"VALUES ({', '.join([marker] * len(INSERT_COLUMNS))})"
    )


def _copy_sql() -> str:
    return f"COPY {MeasureValue.__tablename__} ({', '.join(INSERT_COLUMNS)}) FROM STDIN"


def _copy_rows(rows: list[tuple]) -> None:
    """PostgreSQL: COPY, the fastest way in (national key stage 2 with executemany: 6.3s)."""
    cursor = db.session.connection().connection.cursor()
    try:
        with cursor.copy(_copy_sql()) as copy:
            for row in rows:
                copy.write_row(row)
    finally:
        cursor.close()


def _update_from_values_sql(rows: int) -> str:
    """PostgreSQL: one UPDATE for many rows, joined to a VALUES list."""
    one = "(%s::integer, %s::double precision, %s::varchar, %s::varchar, %s::integer)"
    return (
        f"UPDATE {MeasureValue.__tablename__} AS held SET value = new.value, status = new.status, "
        f"source_code = new.source_code, import_id = new.import_id "
        f"FROM (VALUES {', '.join([one] * rows)}) AS new (id, value, status, source_code, import_id) WHERE held.id = new.id"
    )


def _update_sql() -> str:
    marker = _marker()
    return (
        f"UPDATE {MeasureValue.__tablename__} SET value = {marker}, status = {marker}, source_code = {marker}, "
        f"import_id = {marker} WHERE id = {marker}"
    )
