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
import gc
import re
import zlib
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from itertools import chain
from dataclasses import dataclass
from typing import IO

from app.data.catalogue import ENGLAND_CODE, FORMAT_NAMES, Catalogue, Kind, catalogue, ees_time_period, year_label, year_start
from app.data.cells import read_cell
from app.extensions import db
from app.models import School, User
from app.models.data import AreaLevel, DataImport, MeasureValue
from app.models.schools import URN_PATTERN
from app.services import uploads
from app.services.uploads import FileRefusedError, RowProblems, all_or_nothing

LA_PATTERN = re.compile(r"^\d{3}$")
BATCH_SIZE = 5000  # values written at a time
ROWS_PER_STATEMENT = 500  # SQLite: values in one INSERT (7 parameters each; SQLite allows 32,766)
MAX_CACHED_CELLS = 50_000
PROGRESS_EVERY = 500
MERGE_WORK_MEM = "64MB"
IMPORT_LOCK = 0x6474  # the advisory locks' first key: "dt", DfE data imports (the second is the kind and year)

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
        with _collector_paused():
            _Import(layout, year, run, result, binary, progress).read_rows(reader)
        if result.problem_count:
            return _without_counts(result)
        for name in ("rows_read", "schools", "not_in_register", "comparators", "rows_skipped", "values_added",
                     "values_changed", "values_unchanged", "values_removed"):
            setattr(run, name, getattr(result, name))
        db.session.flush()
        result.run = run
    return result


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off while a file is read. An import makes hundreds of thousands of
    short-lived tuples and strings and no cycles, and each allocation-counted pass of the collector
    over the whole heap cost 0.12-0.17s, a third of a key stage 4 file's import, at random."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


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
    """One file's rows, read one at a time, their values streamed to the database as they are read.

    With nothing held for the kind and year the values go straight into the table. Otherwise they go
    into a staging table of the import's own, and the database compares the file with what is held
    in two statements at the end: one upsert writes what is new or changed, one delete (only when
    needed) removes what the file no longer has. Python never holds what is held, so memory stays
    flat as files grow, and no value crosses the connection twice.
    """

    def __init__(self, layout: _Layout, year: str, run: DataImport, result: DataImportResult, binary, progress):
        self.layout, self.year, self.run, self.result = layout, year, run, result
        self.binary, self.progress = binary, progress
        self.edition = layout.kind.edition(layout.source_format, year)
        self.kind = layout.kind.key
        self.postgresql = db.engine.dialect.name == "postgresql"
        if self.postgresql:
            # Two imports of one kind and year at once (two administrators, or a page and the
            # command): the second waits here until the first has committed, then compares with
            # what it wrote, rather than both writing the year as new and one failing on the key.
            # Released when the transaction ends. (SQLite lets one writer in at a time anyway.)
            _execute("SELECT pg_advisory_xact_lock(%s, %s)", (IMPORT_LOCK, zlib.crc32(f"{year} {self.kind}".encode()) >> 1))
        self.held = self._count_held()
        self.target = MeasureValue.__tablename__
        if self.held:
            self.target = STAGE
            _execute(_create_stage_sql(self.postgresql))
        # A value's year and kind are the import's: written once in the statement rather than with
        # every value (SQLite's cost is binding each parameter of each row), except into
        # PostgreSQL's table by COPY, where they cost nothing.
        constants = _copy_part((year, self.kind)) if self.postgresql and not self.held else ""
        # Each value is written as the database takes it in bulk, put together from three parts: the
        # row's place and level, the column's measure and pupil group (made once) and the cell's
        # value, status and code (made once per distinct text). PostgreSQL: COPY's text, a batch at
        # a time through one COPY that stays open while the file is read, so that the server writes
        # while Python reads on. SQLite: tuples, a batch at a time by INSERTs of many rows.
        if self.postgresql:
            # A place is a checked URN, LA code or England's code, and a level one of three words:
            # nothing in either to escape.
            self.form_place = lambda code, level: f"{constants}{code}\t{level}\t"
            self.form, self.form_cell = _copy_part, _copy_text
        else:
            self.form_place = lambda code, level: (code, level)
            self.form, self.form_cell = tuple, tuple
        self.copy = None
        self.writing = ExitStack()
        self.batch: list = []
        self.statements: dict[int, str] = {}  # SQLite's INSERTs, by how many rows they write
        self.written = 0
        # The same text recurs thousands of times in a file ("SUPP", "45%", "104"): read it once per
        # unit, kept in the form it is written in.
        self.cells: dict[str, dict[str, object]] = {}
        self.cached = 0
        self.urns: set[str] = {urn for (urn,) in _fetch(f"SELECT urn FROM {School.__tablename__}")}
        self.seen: dict[tuple[str, str, str], int] = {}
        # Each pupil group's columns, so a tidy file's row reads only its own group's.
        self.by_group: dict[str, list[tuple[object, int, str, str, dict]]] = {}
        names = {position: name for name, position in layout.positions.items()}
        for (measure, group), position in layout.columns.items():
            unit = layout.units[measure]
            self.by_group.setdefault(group, []).append(
                (self.form((measure, group)), position, unit, names[position], self.cells.setdefault(unit, {}))
            )
        self.every_group = [item for items in self.by_group.values() for item in items]
        self.at = layout.positions
        self.group_at = self.at[self.edition.group_filter] if self.edition.group_filter else None
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
        rectype = row[self.at["RECTYPE"]].strip()
        if rectype in self.edition.school_codes:
            return self._school(row[self.at["URN"]].strip(), line, group)
        if rectype in self.edition.la_codes:
            return self._la(row[self.at["LEA"]].strip(), line)
        if rectype in self.edition.england_codes:
            return AreaLevel.ENGLAND, ENGLAND_CODE, ""
        self.result.rows_skipped += 1
        return None, None, None

    def _ees_place(self, row, line, group):
        level = row[self.at["geographic_level"]].strip()
        if level in self.edition.school_codes:
            return self._school(row[self.at["school_urn"]].strip(), line, group)
        if level in self.edition.la_codes:
            return self._la(row[self.at["old_la_code"]].strip(), line)
        if level in self.edition.england_codes:
            return AreaLevel.ENGLAND, ENGLAND_CODE, ""
        self.result.rows_skipped += 1
        return None, None, None

    def _group(self, row) -> str | None:
        if self.group_at is None:
            return "all"
        return self.group_of_value.get(row[self.group_at].strip())

    def _school(self, urn: str, line: int, group: str):
        if urn in self.urns:  # the register's URNs are well formed: only another needs checking
            return AreaLevel.SCHOOL, urn, urn
        if not URN_PATTERN.match(urn):
            self.result.problem(line, urn[:10], f"URN must be 6 or 7 digits (‘{urn[:20]}’)")
        elif group in ("", "all"):  # a tidy file has a row per pupil group: count the school once
            self.result.not_in_register += 1
        return None, None, None

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
        prefix = self.form_place(code, str(level))
        values = []
        append = values.append
        for column_form, position, unit, column, cache in cells:
            raw = row[position]
            try:
                cell = cache[raw]
            except KeyError:
                try:
                    read = read_cell(raw, unit, column)
                except ValueError as problem:
                    self.result.problem(line, urn, str(problem))
                    continue
                cell = None if read is None else self.form_cell((read.value, str(read.status), read.code))
                if self.cached < MAX_CACHED_CELLS:
                    cache[raw] = cell
                    self.cached += 1
            if cell is not None:
                append(prefix + column_form + cell)
        if self.result.problem_count:
            return  # nothing will be written: keep reading only to report every problem
        self.written += len(values)
        self.batch += values
        if len(self.batch) >= BATCH_SIZE:
            self._flush()

    def _flush(self) -> None:
        if not self.batch:
            return
        if self.postgresql:
            # One write a batch: a write a row was 48,000 round trips into the driver for a national
            # tidy file, 0.4s of waiting.
            if self.copy is None:
                cursor = self.writing.enter_context(db.session.connection().connection.cursor())
                self.copy = self.writing.enter_context(cursor.copy(_copy_sql(self.target)))
            self.copy.write("\n".join(self.batch) + "\n")
            self.batch = []
            return
        # SQLite: INSERTs of many rows each, straight through the driver's cursor. SQLite's cost is
        # binding each parameter, and a statement of many rows binds them in one go: 194,000 values
        # took 0.14s so, against 0.25s by executemany (and SQLAlchemy's own parameter handling had
        # been a third of a national file's import).
        cursor = db.session.connection().connection.cursor()
        try:
            for start in range(0, len(self.batch), ROWS_PER_STATEMENT):
                rows = self.batch[start:start + ROWS_PER_STATEMENT]
                cursor.execute(self._insert_sql(len(rows)), list(chain.from_iterable(rows)))
        finally:
            cursor.close()
        self.batch = []

    @contextmanager
    def _joining_in_bulk(self) -> Iterator[None]:
        """PostgreSQL, for the statements that join the file with what is held: a hash join, in memory.
        The statistics may date from before the last import (autovacuum refreshes them later), and a
        plan made on "nothing held" would be a nested loop over the whole file for every held value;
        and the hash of a national year is some 16 MB, which in the default 4 MB spilled to disk in
        four batches (0.6s against 0.5s). For these statements only."""
        if not self.postgresql:
            yield
            return
        _execute(f"SET LOCAL work_mem = '{MERGE_WORK_MEM}'")
        _execute("SET LOCAL enable_nestloop = off")
        yield  # if it raises, the import's savepoint is rolled back, and the settings with it
        _execute("SET LOCAL work_mem TO DEFAULT")
        _execute("SET LOCAL enable_nestloop TO DEFAULT")

    def _count_held(self) -> int:
        marker = _marker()
        (count,), = _fetch(
            f"SELECT count(*) FROM {MeasureValue.__tablename__} WHERE academic_year = {marker} AND kind = {marker}",
            (self.year, self.kind),
        )
        return count

    def _insert_sql(self, rows: int) -> str:
        """SQLite: rows of values into the table (year and kind written into the statement as literals:
        the year is checked by year_start, the kind is the catalogue's) or into the staging table."""
        if rows not in self.statements:
            self.statements[rows] = self._new_insert_sql(rows)
        return self.statements[rows]

    def _new_insert_sql(self, rows: int) -> str:
        if self.target == STAGE:
            columns, row = FILE_COLUMNS, f"({', '.join('?' * len(FILE_COLUMNS))})"
        else:
            columns = INSERT_COLUMNS
            row = f"({_literal(self.year)}, {_literal(self.kind)}, {', '.join('?' * len(FILE_COLUMNS))})"
        return f"INSERT INTO {self.target} ({', '.join(columns)}) VALUES {', '.join([row] * rows)}"

    def _finish(self) -> None:
        self._flush()
        self.writing.close()  # ends the COPY
        result = self.result
        if not self.held:
            result.values_added = self.written
            return
        # What is new or changed, in one statement; a value the file has unchanged is not touched.
        # PostgreSQL: MERGE, one hash join of the file with the year (an upsert, a probe of the key
        # per value, took twice as long); SQLite: the upsert, whose probes are in-process and cheap.
        with self._joining_in_bulk():
            if self.postgresql:
                written_or_changed = _execute(_merge_sql(), (self.year, self.kind) * 2)
            else:
                written_or_changed = _execute(_upsert_sql(), (self.year, self.kind))
        after = self._count_held()
        result.values_added = after - self.held
        result.values_changed = written_or_changed - result.values_added
        result.values_unchanged = self.written - result.values_added - result.values_changed
        if after > self.written:  # held values the file no longer has
            marker = _marker()
            held = MeasureValue.__tablename__
            with self._joining_in_bulk():
                result.values_removed = _execute(
                    f"DELETE FROM {held} WHERE academic_year = {marker} AND kind = {marker} AND NOT EXISTS ("
                    f"SELECT 1 FROM {STAGE} AS file WHERE {' AND '.join(f'{held}.{name} = file.{name}' for name in FILE_KEY)})",
                    (self.year, self.kind),
                )
        _execute(f"DROP TABLE {STAGE}")


STAGE = "data_import_file"
FILE_KEY = ("area_code", "level", "measure", "pupil_group")  # within one year and kind
VALUE_COLUMNS = ("value", "status", "source_code")
FILE_COLUMNS = FILE_KEY + VALUE_COLUMNS  # the order _Import puts a value's parts together in
INSERT_COLUMNS = ("academic_year", "kind") + FILE_COLUMNS


def _copy_part(fields: tuple) -> str:
    """Fields in COPY's text format, each followed by a tab: the first parts of a row."""
    return _copy_text(fields) + "\t"


def _copy_text(fields: tuple) -> str:
    """Fields in COPY's text format, the last part of a row (the rows are joined with newlines). What
    is written is the catalogue's names, checked codes and numbers, but it is escaped all the same."""
    texts = []
    for field in fields:
        if field is None:
            texts.append("\\N")
        else:
            text = repr(field) if isinstance(field, float) else str(field)
            texts.append(text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r"))
    return "\t".join(texts)


def _marker() -> str:
    return "?" if db.engine.dialect.paramstyle == "qmark" else "%s"


def _fetch(statement: str, parameters: tuple = ()) -> list[tuple]:
    """Rows straight from the driver: building SQLAlchemy rows for the register took a quarter of a second."""
    cursor = db.session.connection().connection.cursor()
    try:
        cursor.execute(statement, parameters)
        return cursor.fetchall()
    finally:
        cursor.close()


def _execute(statement: str, parameters: tuple = ()) -> int:
    """Run one statement through the driver; how many rows it wrote."""
    cursor = db.session.connection().connection.cursor()
    try:
        cursor.execute(statement, parameters)
        return cursor.rowcount
    finally:
        cursor.close()


def _create_stage_sql(postgresql: bool) -> str:
    """The file's values, as they are read, before the database compares them with what is held.
    A temporary table: only this connection sees it, and the import's savepoint undoes it."""
    columns = ", ".join(
        f"{name} {'double precision' if name == 'value' else 'varchar'}{'' if name in ('value', 'source_code') else ' NOT NULL'}"
        for name in FILE_COLUMNS
    )
    return f"CREATE TEMPORARY TABLE {STAGE} ({columns})" + (" ON COMMIT DROP" if postgresql else "")


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _merge_sql() -> str:
    """PostgreSQL: write what the staged file has new or changed, in one hash join of the file with
    what is held for its year and kind (the parameters)."""
    table = MeasureValue.__tablename__
    return (
        f"MERGE INTO {table} AS held USING {STAGE} AS file ON held.academic_year = %s AND held.kind = %s AND "
        f"{' AND '.join(f'held.{name} = file.{name}' for name in FILE_KEY)} "
        f"WHEN MATCHED AND ({', '.join(f'held.{name}' for name in VALUE_COLUMNS)}) IS DISTINCT FROM "
        f"({', '.join(f'file.{name}' for name in VALUE_COLUMNS)}) "
        f"THEN UPDATE SET {', '.join(f'{name} = file.{name}' for name in VALUE_COLUMNS)} "
        f"WHEN NOT MATCHED THEN INSERT ({', '.join(INSERT_COLUMNS)}) "
        f"VALUES (%s, %s, {', '.join(f'file.{name}' for name in FILE_COLUMNS)})"
    )


def _upsert_sql() -> str:
    """SQLite: the same as _merge_sql, as an upsert (SQLite has no MERGE); its IS NOT is null-safe."""
    table = MeasureValue.__tablename__
    differs = " OR ".join(f"{table}.{name} IS NOT excluded.{name}" for name in VALUE_COLUMNS)
    # "WHERE true": SQLite needs it to tell the SELECT's end from ON CONFLICT.
    return (
        f"INSERT INTO {table} ({', '.join(INSERT_COLUMNS)}) SELECT ?, ?, {', '.join(FILE_COLUMNS)} FROM {STAGE} WHERE true "
        f"ON CONFLICT ({', '.join(INSERT_COLUMNS[:2] + FILE_KEY)}) DO UPDATE SET "
        f"{', '.join(f'{name} = excluded.{name}' for name in VALUE_COLUMNS)} WHERE {differs}"
    )


def _copy_sql(table: str) -> str:
    columns = INSERT_COLUMNS if table == MeasureValue.__tablename__ else FILE_COLUMNS
    return f"COPY {table} ({', '.join(columns)}) FROM STDIN"
