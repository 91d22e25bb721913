"""Downloads of tables (app/exports.py): one table, the same cells in CSV and in Excel, typed,
neutralised where a spreadsheet would run a formula, and streamed in flat memory."""

from __future__ import annotations

import csv
import gc
import io
import tracemalloc
from datetime import date, datetime, timezone
from decimal import Decimal

import openpyxl
from openpyxl.utils.escape import unescape
import pytest
from sqlalchemy import insert, select

from app.exports import CHUNK, XLSX_TYPE, Table, csv_response, download, neutralise, xlsx_response
from app.extensions import db
from app.formatting import LONDON
from app.models import School

HOSTILE = ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "\tTabbed", "\rReturned", "<script>alert(1)</script>"]
HEADINGS = ["Name", "Progress 8", "Pupils", "Opened", "Inspected at", "Academy", "Funding", "Notes"]
AS_OF = datetime(2026, 11, 29, 9, 30, tzinfo=timezone.utc)


def school_rows(n: int):
    """Rows of every kind of value, hostile names first; a generator, as a route would give them."""
    for i in range(n):
        name = HOSTILE[i] if i < len(HOSTILE) else f"School {i}"
        yield (
            name,
            -0.45 if i % 2 else 0.31,
            200 + i,
            date(2020, 9, 1 + i % 28),
            datetime(2026, 7, 1, 12, i % 60, tzinfo=timezone.utc),  # summer: 13:xx in London
            i % 3 == 0,
            Decimal("1234.50"),
            None,
        )


def table(n: int) -> Table:
    return Table("Schools", HEADINGS, school_rows(n), as_of=AS_OF)


def csv_bytes(response) -> bytes:
    return b"".join(response.response)


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def read_xlsx(data: bytes):
    """The first sheet, its text unescaped as Excel reads it: XlsxWriter writes a carriage return as
    _x000D_ (XML would turn a bare one into a line feed), and openpyxl unescapes only shared strings."""
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.value = unescape(cell.value)
    return sheet


def expected_xlsx_cell(value):
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return value.astimezone(LONDON).replace(tzinfo=None)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    return value


class TestSameCellsInBothFormats:
    """5,000 rows with hostile names, a negative number, a date: the CSV and the workbook agree with the data."""

    @pytest.fixture(scope="class")
    @classmethod
    def files(cls, app):
        with app.test_request_context():
            csv_data = csv_bytes(csv_response(table(5000)))
            xlsx_data = b"".join(xlsx_response(table(5000)).response)
        return read_csv(csv_data), read_xlsx(xlsx_data)

    def test_headings_and_every_row(self, files):
        rows, sheet = files
        data = list(school_rows(5000))
        assert rows[0] == HEADINGS
        assert [cell.value for cell in sheet[1]] == HEADINGS
        assert len(rows) == sheet.max_row == 5001
        for i, (source, text, cells) in enumerate(zip(data, rows[1:], sheet.iter_rows(min_row=2, values_only=True), strict=True)):
            assert list(cells) == [expected_xlsx_cell(v) for v in source], f"workbook row {i}"
            assert len(text) == len(HEADINGS), f"CSV row {i}"

    def test_formulas_are_neutralised_text_in_both(self, files):
        rows, sheet = files
        csv_names = [row[0] for row in rows[1 : len(HOSTILE) + 1]]
        xlsx_names = [sheet.cell(row=r, column=1) for r in range(2, len(HOSTILE) + 2)]
        expected = ["'=HYPERLINK(\"http://x\")", "'+1", "'-2", "'@SUM(A1)", "'\tTabbed", "'\rReturned", "<script>alert(1)</script>"]
        assert csv_names == expected
        assert [cell.value for cell in xlsx_names] == expected
        assert all(cell.data_type == "s" for cell in xlsx_names)  # text, never a formula

    def test_numbers_stay_numbers_and_are_never_neutralised(self, files):
        rows, sheet = files
        assert rows[2][1] == "-0.45" and rows[1][1] == "0.31"
        assert rows[2][2] == "201" and rows[2][6] == "1234.50"
        p8, pupils, funding = sheet["B3"], sheet["C3"], sheet["G3"]
        assert p8.value == -0.45 and p8.data_type == "n"
        assert pupils.value == 201 and pupils.data_type == "n"
        assert funding.value == 1234.5 and funding.number_format == "0.00"

    def test_dates_stay_dates_and_times_are_in_london(self, files):
        rows, sheet = files
        assert rows[1][3] == "2020-09-01"
        assert rows[1][4] == "2026-07-01 13:00:00+01:00"
        opened, inspected = sheet["D2"], sheet["E2"]
        assert opened.is_date and opened.value == datetime(2020, 9, 1) and opened.number_format == "d mmmm yyyy"
        assert inspected.is_date and inspected.value == datetime(2026, 7, 1, 13, 0)
        assert inspected.number_format.startswith("d mmmm yyyy")

    def test_booleans_read_yes_or_no_and_none_is_empty(self, files):
        rows, sheet = files
        assert rows[1][5] == "Yes" and rows[2][5] == "No" and rows[1][7] == ""
        assert sheet["F2"].value == "Yes" and sheet["F3"].value == "No" and sheet["H2"].value is None

    def test_the_sheet_has_a_bold_frozen_header_and_says_what_and_when(self, files):
        _, sheet = files
        assert sheet.title == "Schools 29 November 2026"
        assert sheet.freeze_panes == "A2"
        assert all(cell.font.b for cell in sheet[1])
        assert not sheet["A2"].font.b


def test_winter_times_have_no_summer_hour(app):
    with app.test_request_context():
        winter = Table("Times", ["At"], [(datetime(2026, 12, 1, 9, 5, 7, tzinfo=timezone.utc),)], as_of=AS_OF)
        assert read_csv(csv_bytes(csv_response(winter)))[1] == ["2026-12-01 09:05:07+00:00"]
        naive = Table("Times", ["At"], [(datetime(2026, 7, 1, 9, 0),)], as_of=AS_OF)  # stored UTC, taken as UTC
        assert read_xlsx(b"".join(xlsx_response(naive).response))["A2"].value == datetime(2026, 7, 1, 10, 0)


@pytest.mark.parametrize("make, suffix, mimetype", [(csv_response, "csv", "text/csv"), (xlsx_response, "xlsx", XLSX_TYPE)])
def test_response_headers(app, make, suffix, mimetype):
    with app.test_request_context():
        response = make(table(3))
    assert response.mimetype == mimetype
    assert response.headers["Content-Disposition"] == f'attachment; filename="schools-2026-11-29.{suffix}"'
    assert response.headers["Cache-Control"] == "no-store"
    if suffix == "csv":
        assert response.is_streamed and response.content_type == "text/csv; charset=utf-8"
    response.close()


def test_the_file_date_is_the_day_in_london():
    late = datetime(2026, 7, 1, 23, 30, tzinfo=timezone.utc)  # already 2 July in London
    assert Table("Schools", [], [], as_of=late).file_stem == "schools-2026-07-02"
    assert Table("Audit trail", [], [], as_of=late).file_stem == "audit-trail-2026-07-02"
    assert Table("École register", [], [], as_of=late).file_stem == "ecole-register-2026-07-02"


@pytest.mark.parametrize(
    "title, name",
    [
        ("Schools", "Schools 2 July 2026"),
        ("Returns: [autumn]/spring*?", "Returns autumn spri 2 July 2026"),
        ("'Quoted'", "Quoted 2 July 2026"),
        ("A" * 50, "A" * 19 + " 2 July 2026"),
        ("[]:*?/\\", "Table 2 July 2026"),
    ],
)
def test_sheet_names_fit_excel(title, name):
    sheet_name = Table(title, [], [], as_of=datetime(2026, 7, 2, 9, tzinfo=timezone.utc)).sheet_name
    assert sheet_name == name
    assert len(sheet_name) <= 31 and not set(sheet_name) & set("[]:*?/\\")


def test_an_unknown_format_is_a_404_not_a_500(app):
    from werkzeug.exceptions import NotFound

    with app.test_request_context(), pytest.raises(NotFound):
        download(table(1), "pdf")


def test_a_row_of_the_wrong_width_or_type_is_the_programmers_error(app):
    with app.test_request_context():
        with pytest.raises(ValueError, match="2 cells for 1 headings"):
            xlsx_response(Table("T", ["A"], [("a", "b")]))
        with pytest.raises(TypeError, match="cannot export a list"):
            csv_bytes(csv_response(Table("T", ["A"], [([1],)])))


def test_the_workbook_goes_out_in_chunks(app):
    with app.test_request_context():
        response = xlsx_response(table(20000))
        chunks = list(response.response)
    assert len(chunks) > 1 and all(len(chunk) <= CHUNK for chunk in chunks)
    assert sum(map(len, chunks)) == response.content_length


def _peak(app, make, rows: int) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        with app.test_request_context():
            response = make(table(rows))
            for _ in response.response:
                pass
            response.close()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("make", [csv_response, xlsx_response], ids=["csv", "xlsx"])
def test_memory_stays_flat_with_the_number_of_rows(app, make):
    small, large = _peak(app, make, 5_000), _peak(app, make, 50_000)
    print(f"{make.__name__}: peak {small:,} bytes for 5,000 rows, {large:,} for 50,000")
    assert large < 2 * small, f"peak {large:,} bytes for 50,000 rows against {small:,} for 5,000"


class TestRoutes:
    """The schools list's downloads: the same cells as the register, for 5,000 schools with hostile names."""

    @pytest.fixture
    def register(self, db):
        db.session.execute(
            insert(School),
            [
                {"urn": f"{700000 + i}", "name": HOSTILE[i] if i < len(HOSTILE) else f"School {i:04d}", "slug": f"s-{i}",
                 "la_code": "883", "phase": "Primary", "establishment_type": "Community school", "trust_name": None,
                 "statutory_low_age": 4, "statutory_high_age": 11, "postcode": "SS1 1AA", "status": "Open"}
                for i in range(5000)
            ],
        )
        db.session.flush()

    def test_csv_and_excel_hold_the_register(self, officer_client, register):
        schools = {s.urn: s for s in db.session.scalars(select(School))}
        as_csv = officer_client.get("/schools/export.csv", query_string={"status": "all"})
        as_xlsx = officer_client.get("/schools/export.xlsx", query_string={"status": "all"})
        rows = read_csv(as_csv.data)
        sheet = read_xlsx(as_xlsx.data)
        cells = [list(row) for row in sheet.iter_rows(values_only=True)]
        assert rows[0] == cells[0] == ["URN", "Name", "Phase", "Type", "Trust", "Lowest age", "Highest age", "Postcode", "Status"]
        assert len(rows) == len(cells) == len(schools) + 1
        for text, typed in zip(rows[1:], cells[1:], strict=True):
            s = schools[text[0]]
            assert typed == [s.urn, neutralise(s.name), s.phase, s.establishment_type, None, 4, 11, s.postcode, s.status]
            assert text == [s.urn, neutralise(s.name), s.phase, s.establishment_type, "", "4", "11", s.postcode, s.status]
        names = [row[1] for row in rows[1:]]
        assert "'=HYPERLINK(\"http://x\")" in names and "'-2" in names and "<script>alert(1)</script>" in names
        today = as_csv.headers["Content-Disposition"].removeprefix('attachment; filename="schools-').removesuffix('.csv"')
        assert as_xlsx.headers["Content-Disposition"] == f'attachment; filename="schools-{today}.xlsx"'
        assert as_xlsx.headers["Cache-Control"] == "no-store"

    @pytest.mark.parametrize("path", ["/schools/export.pdf", "/schools/export.xlsx/", "/schools/export"])
    def test_other_formats_are_not_found(self, officer_client, path):
        assert officer_client.get(path).status_code == 404
