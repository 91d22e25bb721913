"""Downloads of tables: one table, described once, as CSV or as an Excel workbook.

A route describes its table once, as a ``Table`` (what it is, its headings and its rows of typed
Python values), and answers with ``csv_response(table)``, ``xlsx_response(table)`` or
``download(table, fmt)``. Both formats come from the same rows and neither holds the table in
memory: the CSV is a generator, the workbook is written by XlsxWriter in ``constant_memory`` mode
to a temporary file that is then sent in chunks. So a route should hand over rows lazily (a
generator over a ``yield_per`` query), not a list.

Values keep their types: numbers stay numbers, dates stay dates (datetimes in Europe/London),
booleans read Yes or No, None is an empty cell. Text that a spreadsheet would run as a formula is
neutralised with a leading apostrophe, the same in both formats; numbers never are (-0.45 is a
Progress 8 score, not a formula).
"""

from __future__ import annotations

import csv
import io
import math
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal

import xlsxwriter
from flask import Response, abort, has_request_context, request, stream_with_context
from werkzeug.wsgi import wrap_file

from app.formatting import LONDON, govuk_date

Cell = str | int | float | Decimal | date | datetime | bool | None

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_TYPE = "text/csv"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE_FORMAT = "d mmmm yyyy"
DATETIME_FORMAT = "d mmmm yyyy hh:mm:ss"
CHUNK = 64 * 1024
# Excel keeps 15 significant digits: a longer whole number goes in as its digits, as text.
EXACT_INTEGER = 10**15
SHEET_NAME_MAX = 31
EXCEL_ROWS_MAX = 1_048_576


def _now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Table:
    """A table to download: ``title`` says what it is ("Schools"), ``as_of`` when it was taken."""

    title: str
    headings: Sequence[str]
    rows: Iterable[Sequence[Cell]]
    as_of: datetime = field(default_factory=_now)

    @property
    def day(self) -> date:
        return self.as_of.astimezone(LONDON).date()

    @property
    def file_stem(self) -> str:
        """``schools-2026-11-29``: what and when, safe in any file system and header."""
        folded = unicodedata.normalize("NFKD", self.title).encode("ascii", "ignore").decode()
        slug = re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-") or "table"
        return f"{slug}-{self.day.isoformat()}"

    @property
    def sheet_name(self) -> str:
        """``Schools 29 November 2026``, within Excel's 31 characters and without ``[]:*?/\\``."""
        when = " " + govuk_date(self.day)
        title = " ".join(re.sub(r"[\[\]:*?/\\]", " ", self.title).split()).strip("'").strip()
        title = title[: SHEET_NAME_MAX - len(when)].rstrip().rstrip("'") or "Table"
        return title + when


def neutralise(text: str) -> str:
    """Text a spreadsheet shows as text: '=HYPERLINK(...)' becomes "'=HYPERLINK(...)"."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _london(value: datetime) -> datetime:
    """Stored times are UTC (a naive one is taken as UTC); people read them in London time."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(LONDON)


def _check_width(table: Table, row: Sequence[Cell]) -> Sequence[Cell]:
    if len(row) != len(table.headings):
        raise ValueError(f"a row of {table.title!r} has {len(row)} cells for {len(table.headings)} headings")
    return row


def _unsupported(value: object) -> TypeError:
    return TypeError(f"cannot export a {type(value).__name__}: give str, int, float, Decimal, date, datetime, bool or None")


# --- CSV ----------------------------------------------------------------------------------------


def csv_cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return "" if not math.isfinite(value) else repr(value)
    if isinstance(value, Decimal):
        return "" if not value.is_finite() else format(value, "f")
    if isinstance(value, datetime):
        # With its offset: the hour the clocks go back happens twice.
        return _london(value).isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    raise _unsupported(value)


def csv_chunks(table: Table) -> Iterator[bytes]:
    """The table as CSV, a chunk at a time; a BOM first so Excel reads the UTF-8 (accented names)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow([neutralise(heading) for heading in table.headings])
    for row in table.rows:
        writer.writerow([csv_cell(value) for value in _check_width(table, row)])
        if buffer.tell() >= CHUNK:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def csv_response(table: Table) -> Response:
    chunks = csv_chunks(table)
    # The rows may come from the database as the response streams: keep the request's context.
    if has_request_context():
        chunks = stream_with_context(chunks)
    response = Response(chunks, mimetype=CSV_TYPE)
    return _as_download(response, f"{table.file_stem}.csv")


# --- Excel --------------------------------------------------------------------------------------


class _Sheet:
    """Writes typed cells to an XlsxWriter worksheet with one shared format per kind of cell."""

    def __init__(self, workbook: xlsxwriter.Workbook, table: Table):
        self.sheet = workbook.add_worksheet(table.sheet_name)
        self.workbook = workbook
        self.heading = workbook.add_format({"bold": True})
        self.date = workbook.add_format({"num_format": DATE_FORMAT})
        self.datetime = workbook.add_format({"num_format": DATETIME_FORMAT})
        self.decimals: dict[int, object] = {}

    def decimal_format(self, value: Decimal):
        """Keep a Decimal's places on show: 12.50 reads 12.50, not 12.5."""
        exponent = value.as_tuple().exponent
        places = min(-exponent, 10) if isinstance(exponent, int) and exponent < 0 else 0
        if places not in self.decimals:
            self.decimals[places] = self.workbook.add_format({"num_format": "0." + "0" * places if places else "0"})
        return self.decimals[places]

    def write(self, row: int, col: int, value: Cell) -> None:
        sheet = self.sheet
        if value is None or value == "":
            return  # an empty cell, as in the CSV
        if isinstance(value, str):
            sheet.write_string(row, col, neutralise(value))
        elif isinstance(value, bool):
            sheet.write_string(row, col, "Yes" if value else "No")
        elif isinstance(value, int):
            if abs(value) < EXACT_INTEGER:
                sheet.write_number(row, col, value)
            else:
                sheet.write_string(row, col, str(value))
        elif isinstance(value, float):
            if math.isfinite(value):
                sheet.write_number(row, col, value)
        elif isinstance(value, Decimal):
            if value.is_finite():
                sheet.write_number(row, col, float(value), self.decimal_format(value))
        elif isinstance(value, datetime):
            sheet.write_datetime(row, col, _london(value).replace(tzinfo=None), self.datetime)
        elif isinstance(value, date):
            sheet.write_datetime(row, col, value, self.date)
        else:
            raise _unsupported(value)


def _width(value: Cell) -> int:
    if isinstance(value, datetime):
        return 22
    if isinstance(value, date):
        return 18
    return len(csv_cell(value))


def write_xlsx(table: Table, file) -> None:
    """Write the table as a workbook to ``file``, a row at a time: XlsxWriter keeps one row in memory."""
    workbook = xlsxwriter.Workbook(file, {"constant_memory": True})
    try:
        workbook.set_properties({"title": f"{table.title}, {govuk_date(table.day)}"})
        sheet = _Sheet(workbook, table)
        widths = [len(heading) for heading in table.headings]
        for col, heading in enumerate(table.headings):
            sheet.sheet.write_string(0, col, neutralise(heading), sheet.heading)
        last = 0
        for last, row in enumerate(table.rows, start=1):
            if last >= EXCEL_ROWS_MAX:
                raise ValueError(f"{table.title!r} has more rows than a worksheet holds")
            for col, value in enumerate(_check_width(table, row)):
                sheet.write(last, col, value)
                if last <= 1000:  # widths from the first rows are enough to read by
                    widths[col] = max(widths[col], _width(value))
        for col, width in enumerate(widths):
            sheet.sheet.set_column(col, col, min(max(width, 8), 60) + 2)
        sheet.sheet.freeze_panes(1, 0)
        if table.headings:
            sheet.sheet.autofilter(0, 0, last, len(table.headings) - 1)
    finally:
        workbook.close()


def xlsx_response(table: Table) -> Response:
    """The workbook, written here (so a failure is an error page, not a broken file), sent in chunks."""
    file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the response once sent
    try:
        write_xlsx(table, file)
        size = file.seek(0, io.SEEK_END)
        file.seek(0)
    except BaseException:
        file.close()
        raise
    # Chunks of the file (or the server's sendfile, where it has one); the file closes, and so
    # goes, once sent or when the client gives up.
    body = wrap_file(request.environ, file, buffer_size=CHUNK)
    response = Response(body, mimetype=XLSX_TYPE, direct_passthrough=True)
    response.content_length = size
    return _as_download(response, f"{table.file_stem}.xlsx")


# --- Both ---------------------------------------------------------------------------------------

FORMATS: dict[str, Callable[[Table], Response]] = {"csv": csv_response, "xlsx": xlsx_response}


def download(table: Table, fmt: str) -> Response:
    """The table in the format a URL asked for; a format we do not make is a 404, never a 500."""
    make = FORMATS.get(fmt)
    if make is None:
        abort(404)
    return make(table)


def _as_download(response: Response, filename: str) -> Response:
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    # Downloads hold the same private data as the signed-in pages they come from.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
