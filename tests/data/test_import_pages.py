"""The DfE data import through the admin upload page and `flask data import`: results, refusals,
bad input, permissions and query counts."""

from __future__ import annotations

import codecs
import io
import re
import zipfile

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import DataImport, MeasureValue, Role
from tests.conftest import csrf_token, sign_in
from tests.data.helpers import FIXTURES, fixture, import_count, register, value_of, values_checksum


@pytest.fixture
def schools(factory):
    return register(factory)


def upload(client, content: bytes, filename="england_ks2final.csv", year="2024-25", kind="", token=None):
    token = token or csrf_token(client, "/admin/data")
    return client.post(
        "/admin/data",
        data={"data_file": (io.BytesIO(content), filename), "academic_year": year, "kind": kind, "csrf_token": token},
        content_type="multipart/form-data",
    )


def summary(html: str) -> dict[str, str]:
    return dict(re.findall(r'summary-list__key">\s*([^<]+?)\s*</dt>\s*<dd class="govuk-summary-list__value">\s*([^<]+?)\s*</dd>', html))


def nothing_stored() -> bool:
    return import_count() == 0 and values_checksum()[0] == 0


def test_an_uploaded_performance_tables_file_is_imported_and_its_result_listed(admin_client, admin, schools):
    response = upload(admin_client, fixture("ks2_2024-25_performance_tables.csv"))
    assert response.status_code == 303
    page = admin_client.get(response.headers["Location"])
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Key stage 2 data imported for 2024/25" in html
    shown = summary(html)
    assert shown["Schools on the register"] == "5"
    assert shown["Schools not on the register (skipped)"] == "1"
    assert shown["Local authority and England rows"] == "2"
    assert (shown["Values added"], shown["Values changed"], shown["Values unchanged"], shown["Values removed"]) == ("80", "0", "0", "0")
    assert shown["File format"] == "Performance tables (one row per school)"
    # Each status with its meaning, counted: nothing withheld is shown as a figure.
    assert "Withheld to protect confidentiality (too few pupils)" in html and "Low coverage" in html
    assert "Open Government Licence v3.0" in html and "Department for Education" in html
    run = db.session.scalar(select(DataImport))
    assert run.imported_by_id == admin.id and run.filename == "england_ks2final.csv"
    listing = admin_client.get("/admin/data").get_data(as_text=True)
    assert "england_ks2final.csv" in listing and "Key stage 2, 2024/25" in listing


def test_an_ees_file_is_imported_through_the_page(admin_client, schools):
    response = upload(admin_client, fixture("ks2_2024-25_ees.csv"), filename="ks2_school_level_2024-25.csv", kind="ks2")
    assert response.status_code == 303
    html = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert summary(html)["File format"] == "Explore Education Statistics (tidy data)"
    assert summary(html)["Other rows not read"] == "2"
    assert value_of("ks2_rwm_higher", "2024-25", "880005").status == "rounds_to_zero"


def test_the_result_says_progress_8_is_not_published_for_2024_25(admin_client, schools):
    response = upload(admin_client, fixture("ks4_2024-25_performance_tables.csv"), filename="england_ks4final.csv")
    assert response.status_code == 303
    html = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Not published for 2024/25" in html and "Progress 8: These pupils took no key stage 2 tests in 2020" in html
    assert db.session.scalar(select(func.count()).where(MeasureValue.measure == "ks4_progress8")) == 0


def test_reimporting_through_the_page_changes_nothing_and_a_correction_says_how_many_changed(admin_client, schools):
    assert upload(admin_client, fixture("ks2_2024-25_performance_tables.csv")).status_code == 303
    before = values_checksum()
    again = upload(admin_client, fixture("ks2_2024-25_performance_tables.csv"))
    shown = summary(admin_client.get(again.headers["Location"]).get_data(as_text=True))
    assert (shown["Values added"], shown["Values changed"], shown["Values unchanged"]) == ("0", "0", "80")
    assert values_checksum() == before
    corrected = fixture("ks2_2024-25_performance_tables.csv").replace(b"61%,8%,104", b"62%,8%,104")
    response = upload(admin_client, corrected, filename="england_ks2final_revised.csv")
    shown = summary(admin_client.get(response.headers["Location"]).get_data(as_text=True))
    assert (shown["Values added"], shown["Values changed"], shown["Values removed"]) == ("0", "1", "0")
    assert value_of("ks2_rwm_expected", "2024-25", "880009").value == 62.0


def xlsx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


KS2 = fixture("ks2_2024-25_performance_tables.csv")
REFUSED = [
    ("missing columns", KS2.replace(b"PTRWM_HIGH,", b"PTRWM_HIGHER,"), "ks2", "it has no ‘PTRWM_HIGH’ column"),
    ("missing columns, kind worked out", KS2.replace(b"PTRWM_HIGH,", b"PTRWM_HIGHER,"), "", "match none of the kinds of data"),
    ("no URN column", KS2.replace(b",URN,", b",URNS,"), "", "neither RECTYPE and URN columns"),
    ("no LEA column", KS2.replace(b"RECTYPE,LEA,", b"RECTYPE,LA,"), "", "has no ‘LEA’ column"),
    ("utf-16", codecs.BOM_UTF16_LE + KS2.decode("utf-8").encode("utf-16-le"), "", "UTF-16"),
    ("utf-16 without bom", KS2.decode("utf-8").encode("utf-16-le"), "", "UTF-16"),
    ("binary", bytes(range(256)) * 10, "", "not a CSV file"),
    ("empty", b"", "", "The selected file is empty"),
    ("blank lines", b"\r\n\r\n  \r\n", "", "The selected file is empty"),
    ("xlsx renamed csv", xlsx_bytes(), "", "spreadsheet (.xlsx)"),
    ("wrong kind", KS2, "ks4", "is key stage 2 data, not key stage 4 data"),
    ("kind with no such format", KS2, "absence", "Absence data is not read from performance tables files"),
    ("a year with no measures", KS2, "ks2", "no key stage 2 measures for 2010/11"),
    ("a gis file", b"URN,LA (code),EstablishmentName\r\n880001,883,St Mary's\r\n", "", "not a DfE performance tables or Explore"),
]


@pytest.mark.parametrize("content, kind, message", [case[1:] for case in REFUSED], ids=[case[0] for case in REFUSED])
def test_a_file_that_is_not_what_was_asked_for_is_refused_and_nothing_stored(admin_client, schools, content, kind, message):
    year = "2010-11" if "no measures" in message or "2010/11" in message else "2024-25"
    response = upload(admin_client, content, year=year, kind=kind)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html.replace("&#39;", "'"), html[html.find("govuk-error-message"):][:400]
    assert "govuk-error-summary" in html and "Error: " in html[: html.find("</title>")]
    assert nothing_stored()


def test_rows_that_cannot_be_read_are_listed_escaped_and_nothing_is_stored(admin_client, schools):
    content = KS2.replace(b"67%,10%", b"<script>alert(1)</script>,10%").replace(b"880006", b"'; DROP TABLE schools;--")
    response = upload(admin_client, content, filename="<b>bad</b>.csv")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "2 rows of the file could not be read. Nothing was imported" in html
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
    assert "<b>bad</b>" not in html and "&lt;b&gt;bad&lt;/b&gt;.csv: nothing was imported" in html
    assert "URN must be 6 or 7 digits" in html and 'id="import-problems"' in html
    assert nothing_stored()
    assert db.session.scalar(select(func.count()).select_from(MeasureValue)) == 0


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"academic_year": "2024-25", "kind": ""}, "data_file", "Select a DfE data file"),
        ({"kind": ""}, "academic_year", "Select the academic year the file is for"),
        ({"academic_year": "2031-32", "kind": ""}, "academic_year", "Not a valid choice"),
        ({"academic_year": "'; DROP TABLE measure_values;--", "kind": ""}, "academic_year", "Not a valid choice"),
        ({"academic_year": "2024-25", "kind": "<script>"}, "kind", "Not a valid choice"),
        ({"academic_year": "2024-25" * 100, "kind": "ks2"}, "academic_year", "Not a valid choice"),
    ],
)
def test_form_errors_are_shown_beside_the_field_and_nothing_is_stored(admin_client, schools, data, field, message):
    token = csrf_token(admin_client, "/admin/data")
    payload = {"csrf_token": token, **data}
    if field != "data_file":
        payload["data_file"] = (io.BytesIO(KS2), "england_ks2final.csv")
    response = admin_client.post("/admin/data", data=payload, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{field}-error"' in html and message in html
    assert "<script>" not in html.split("</head>")[1] or "&lt;script&gt;" in html
    assert nothing_stored()


def test_forged_csrf_changes_nothing(admin_client, schools):
    response = upload(admin_client, KS2, token="forged")
    assert response.status_code == 400
    assert nothing_stored()


@pytest.mark.parametrize("role", [Role.SCHOOL, Role.OFFICER])
def test_only_administrators_import(app, factory, schools, role):
    person = factory.user(role, school=schools["880001"] if role == Role.SCHOOL else None)
    client = app.test_client()
    sign_in(client, person)
    token = csrf_token(client, "/accessibility")
    response = client.post(
        "/admin/data",
        data={"data_file": (io.BytesIO(KS2), "england_ks2final.csv"), "academic_year": "2024-25", "kind": "", "csrf_token": token},
        content_type="multipart/form-data",
    )
    assert response.status_code == 404
    assert nothing_stored()


def test_an_upload_over_the_cap_gets_a_413_and_changes_nothing(app, admin_client, schools):
    token = csrf_token(admin_client, "/admin/data")
    app.config["DATA_MAX_UPLOAD_BYTES"] = 50_000
    try:
        big = KS2 + b"".join(KS2.split(b"\n", 1)[1].replace(b"880001", b"99%04d" % n) for n in range(120))
        assert len(big) > 50_000
        response = upload(admin_client, big, token=token)
    finally:
        app.config["DATA_MAX_UPLOAD_BYTES"] = 100 * 1024 * 1024
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)
    assert nothing_stored()


def test_the_import_page_lists_what_is_held_in_a_fixed_number_of_queries(admin_client, factory, schools, count_queries):
    assert upload(admin_client, KS2).status_code == 303
    with count_queries() as few:
        assert admin_client.get("/admin/data").status_code == 200
    # Ten times the schools, and two more kinds of data.
    extra = [factory.school(urn=f"{870000 + n}") for n in range(60)]
    rows = b"".join(b"1,883,3%03d,%s,School,Fenmoor,30,50%%,5%%,104,103,40%%,SUPP,100,99,60%%,8%%,105,104\n" % (n, s.urn.encode()) for n, s in enumerate(extra))
    assert upload(admin_client, KS2 + rows).status_code == 303
    assert upload(admin_client, fixture("absence_2024-25_ees.csv"), filename="absence.csv").status_code == 303
    assert upload(admin_client, fixture("ks4_2024-25_performance_tables.csv"), filename="ks4.csv").status_code == 303
    with count_queries() as many:
        html = admin_client.get("/admin/data").get_data(as_text=True)
    assert many.count == few.count
    assert re.search(r"Key stage 2, 2024/25</th>\s*<td[^>]*>65</td>", html)
    assert "Absence" in html and "Key stage 4" in html


def test_the_result_page_takes_a_fixed_number_of_queries(admin_client, factory, schools, count_queries):
    response = upload(admin_client, KS2)
    with count_queries() as few:
        admin_client.get(response.headers["Location"])
    extra = [factory.school(urn=f"{870000 + n}") for n in range(40)]
    rows = b"".join(b"1,883,3%03d,%s,School,Fenmoor,30,SUPP,5%%,104,103,40%%,SUPP,100,99,60%%,8%%,105,104\n" % (n, s.urn.encode()) for n, s in enumerate(extra))
    response = upload(admin_client, KS2 + rows)
    with count_queries() as many:
        admin_client.get(response.headers["Location"])
    assert many.count == few.count


def test_the_measures_page_shows_the_catalogue_with_renamed_columns(officer_client):
    html = officer_client.get("/data/measures").get_data(as_text=True)
    assert "PTFSMCLA</code> 2010/11 to 2014/15" in html and "PTFSM6CLA1A</code> from 2015/16" in html
    assert "Progress 8" in html and "2024/25, 2025/26" in html
    assert "Open Government Licence" in html


# The command line ----------------------------------------------------------------------------


def test_the_command_imports_with_a_progress_bar_and_reports(app, schools):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["data", "import", str(FIXTURES / "ks4_2024-25_performance_tables.csv"), "--year", "2024-25"])
    assert result.exit_code == 0, result.output
    assert "Imported key stage 4 data for 2024/25" in result.output
    assert "2 schools, 0 not on the register (skipped), 2 LA and England rows" in result.output
    assert "Progress 8 is not published for 2024/25" in result.output
    assert result.output.splitlines()[0] == "ks4_2024-25_performance_tables.csv"  # the bar's label (no bar without a terminal)
    run = db.session.scalar(select(DataImport))
    assert run.imported_by_id is None and run.kind == "ks4"
    assert value_of("ks4_attainment8", "2024-25", "880003").value == 46.3


@pytest.mark.parametrize(
    "name, args, message",
    [
        ("ks2_2024-25_performance_tables.csv", ["--year", "2024-25", "--kind", "ks4"], "is key stage 2 data, not key stage 4 data"),
        ("ks2_2024-25_performance_tables.csv", ["--year", "2024/25"], "not an academic year like 2024-25"),
        ("ks2_2024-25_performance_tables.csv", ["--year", "2024-25", "--kind", "nonsense"], "Invalid value for '--kind'"),
        ("ks4_2015-16_performance_tables.csv", ["--year", "2014-15", "--kind", "ks4"], "has no ‘PTFSMCLA’ column"),
    ],
)
def test_the_command_refuses_with_a_message_and_stores_nothing(app, schools, name, args, message):
    result = app.test_cli_runner().invoke(args=["data", "import", str(FIXTURES / name), *args])
    assert result.exit_code != 0
    assert message in result.output
    assert nothing_stored()


def test_the_command_lists_rows_it_cannot_read(app, schools, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(KS2.replace(b"67%,10%", b"6?%,10%"))
    result = app.test_cli_runner().invoke(args=["data", "import", str(bad), "--year", "2024-25"])
    assert result.exit_code != 0
    assert "line 2: URN 880001: PTRWM_EXP is not a number or a code DfE uses" in result.output
    assert "1 rows could not be read; nothing was imported." in result.output
    assert nothing_stored()
