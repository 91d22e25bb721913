"""Importing the schools register from GIAS files, through the admin upload page and the command line."""

from __future__ import annotations

import codecs
import hashlib
import io
import re
import zipfile
from datetime import date

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import ImportRun, Role, School, User
from app.services.gias_sample import GIAS_COLUMNS, gias_csv_bytes
from tests.conftest import csrf_token
from tests.schools.gias_samples import FORMULA_NAME, links_file, row, sample_file, sample_rows


def schools_checksum() -> tuple[int, str]:
    rows = db.session.execute(
        select(School.urn, School.name, School.status, School.phase, School.trust_name, School.successor_id).order_by(School.urn)
    ).all()
    return len(rows), hashlib.sha256(repr(rows).encode()).hexdigest()


def upload(client, content: bytes, filename="edubasealldata20261101.csv", la_code="883"):
    token = csrf_token(client, "/admin/schools/import")
    return client.post(
        "/admin/schools/import",
        data={"establishments": (io.BytesIO(content), filename), "la_code": la_code, "csrf_token": token},
        content_type="multipart/form-data",
    )


def school(urn: str) -> School:
    return db.session.scalar(select(School).where(School.urn == urn))


def test_a_realistic_file_imports_with_the_right_counts_and_data(admin_client):
    response = upload(admin_client, sample_file())
    assert response.status_code == 303
    result = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Schools imported" in result
    shown = dict(re.findall(r'summary-list__key">\s*([^<]+?)\s*</dt>\s*<dd class="govuk-summary-list__value">\s*([^<]+?)\s*</dd>', result))
    assert (shown["Added"], shown["Updated"], shown["Unchanged"], shown["Closed"]) == ("6", "0", "0", "0")
    assert shown["Skipped (other councils&#39; schools)"] == "1"
    run = db.session.scalar(select(ImportRun))
    assert (run.added, run.updated, run.unchanged, run.closed, run.skipped) == (6, 0, 0, 0, 1)

    st_marys = school("880001")
    assert st_marys.name == "St Mary's Church of England (VA) Primary School"
    assert st_marys.establishment_type == "Voluntary aided school"
    assert (st_marys.statutory_low_age, st_marys.statutory_high_age) == (3, 11)
    assert st_marys.gias_nursery is True and st_marys.offers_early_years
    assert st_marys.la_code == "883" and st_marys.trust_name is None
    ecole = school("880002")
    assert ecole.name == "École Saint-Exupéry" and ecole.slug == "ecole-saint-exupery"
    assert ecole.trust_name == "Fenmoor Valley Learning Trust"
    castlebrook = school("880003")
    assert castlebrook.phase == "Secondary" and castlebrook.offers_sixth_form and castlebrook.postcode == "FM7 4DC"
    closed = school("880004")
    assert closed.status == "Closed" and closed.closed_on == date(2024, 8, 31) and not closed.is_open
    special = school("880005")
    assert special.phase == "Not applicable" and special.is_special
    assert school("880006").name == FORMULA_NAME  # stored as plain text, neutralised on export
    assert school("990001") is None  # another council's school


def test_reimporting_the_same_file_changes_nothing(admin_client):
    assert upload(admin_client, sample_file()).status_code == 303
    before = schools_checksum()
    response = upload(admin_client, sample_file())
    assert response.status_code == 303
    run = db.session.scalars(select(ImportRun).order_by(ImportRun.id.desc())).first()
    assert (run.added, run.updated, run.unchanged, run.closed) == (0, 0, 6, 0)
    assert schools_checksum() == before


def test_a_changed_name_is_updated_and_a_school_that_closed_is_marked_closed(admin_client, factory):
    assert upload(admin_client, sample_file()).status_code == 303
    head = factory.user(Role.SCHOOL, school=school("880003"))
    rows = sample_rows()
    rows[0]["EstablishmentName"] = "St Mary's CE Primary School"
    rows[2]["EstablishmentStatus (name)"] = "Closed"
    rows[2]["CloseDate"] = "31-08-2026"
    response = upload(admin_client, sample_file(rows))
    assert response.status_code == 303
    run = db.session.scalars(select(ImportRun).order_by(ImportRun.id.desc())).first()
    assert (run.added, run.updated, run.unchanged, run.closed) == (0, 1, 4, 1)
    assert school("880001").name == "St Mary's CE Primary School"
    assert school("880001").slug == "st-marys-church-of-england-va-primary-school"  # slugs (and emails) stay put
    assert school("880003").status == "Closed"
    db.session.refresh(head)
    assert head.school_id == school("880003").id  # a closed school keeps its people and returns


def test_the_council_own_fields_survive_a_reimport(admin_client):
    assert upload(admin_client, sample_file()).status_code == 303
    target = school("880002")
    target.has_sixth_form = True
    target.contact_email = "office@ecole.example.org"
    db.session.flush()
    assert upload(admin_client, sample_file()).status_code == 303
    db.session.refresh(target)
    assert target.has_sixth_form is True and target.contact_email == "office@ecole.example.org"


def xlsx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


BAD_FILES = [
    ("missing columns", b"URN,EstablishmentName\r\n880001,St Mary's\r\n", "it has no ‘LA (code)’"),
    ("utf-16", codecs.BOM_UTF16_LE + sample_file().decode("cp1252").encode("utf-16-le"), "UTF-16"),
    ("utf-16 without bom", "URN,LA (code)\r\n".encode("utf-16-le"), "UTF-16"),
    ("binary", bytes(range(256)) * 10, "not a CSV file"),
    ("empty", b"", "The selected file is empty"),
    ("blank lines", b"\r\n\r\n  \r\n", "The selected file is empty"),
    ("xlsx renamed csv", xlsx_bytes(), "spreadsheet (.xlsx)"),
    ("not windows-1252", gias_csv_bytes([row("880001", "Name")]) + b"\x81\x8d\r\n", "not Windows-1252"),
]


@pytest.mark.parametrize("content, message", [(c, m) for _, c, m in BAD_FILES], ids=[name for name, _, _ in BAD_FILES])
def test_a_file_that_is_not_a_gias_extract_is_refused_and_changes_nothing(admin_client, factory, content, message):
    factory.school(urn="880001", name="Already Here")
    before = schools_checksum()
    runs = db.session.scalar(select(func.count()).select_from(ImportRun))
    response = upload(admin_client, content)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page
    assert 'class="govuk-error-message"' in page and "govuk-error-summary" in page
    assert schools_checksum() == before
    assert db.session.scalar(select(func.count()).select_from(ImportRun)) == runs


def test_no_file_and_a_bad_la_code_are_field_errors(admin_client):
    token = csrf_token(admin_client, "/admin/schools/import")
    response = admin_client.post(
        "/admin/schools/import", data={"la_code": "88'; DROP TABLE schools;--", "csrf_token": token},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Select a GIAS establishment extract" in page
    assert "Enter the local authority code as 3 digits" in page


def test_unreadable_rows_are_listed_with_line_numbers_and_nothing_is_applied(admin_client, factory):
    factory.school(urn="880001", name="Already Here")
    before = schools_checksum()
    rows = sample_rows() + [
        row("12345", "Short URN School"),
        row("880010", "   "),
        row("880011", "Age School", low="eleven"),
        row("880012", "Unknown Phase School", phase="Kindergarten"),
        row("880002", "Duplicate of École"),
        row("99", "Bad row in another council", la="884"),  # not ours: skipped, not a problem
    ]
    response = upload(admin_client, sample_file(rows))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "5 rows of the file could not be read. Nothing was imported" in page
    assert "URN must be 6 or 7 digits" in page and "EstablishmentName is missing" in page
    assert "StatutoryLowAge is not an age" in page and "not a GIAS phase" in page
    assert "URN 880002 is also on line 3" in page
    # Line 1 is the header, so the eighth sample row is on line 9.
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">9</td>' in page
    assert "Bad row in another council" not in page
    assert schools_checksum() == before


def test_an_upload_over_the_import_cap_gets_a_413_and_changes_nothing(app, admin_client):
    before = schools_checksum()
    app.config["GIAS_MAX_UPLOAD_BYTES"] = 200_000
    try:
        response = upload(admin_client, sample_file() + b"x" * 300_000)
    finally:
        app.config["GIAS_MAX_UPLOAD_BYTES"] = 100 * 1024 * 1024
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)
    assert schools_checksum() == before


def test_the_import_takes_files_larger_than_the_ordinary_body_cap(app, admin_client):
    filler = "x" * 6000
    rows = sample_rows() + [row(f"{700000 + n}", f"Elsewhere {n}", la="884", SiteName=filler) for n in range(2000)]
    content = sample_file(rows)
    assert len(content) > app.config["MAX_CONTENT_LENGTH"]
    response = upload(admin_client, content)
    assert response.status_code == 303
    run = db.session.scalars(select(ImportRun).order_by(ImportRun.id.desc())).first()
    assert (run.added, run.skipped) == (6, 2001)


def test_only_admins_can_import(officer_client, school_client):
    for client in (officer_client, school_client):
        assert client.get("/admin/schools/import").status_code == 404
        token = csrf_token(client, "/accessibility")
        response = client.post(
            "/admin/schools/import",
            data={"establishments": (io.BytesIO(sample_file()), "x.csv"), "la_code": "883", "csrf_token": token},
            content_type="multipart/form-data",
        )
        assert response.status_code == 404
    assert db.session.scalar(select(func.count()).select_from(School).where(School.urn.like("8800%"))) == 0


def test_forged_csrf_on_the_upload_changes_nothing(admin_client):
    before = schools_checksum()
    response = admin_client.post(
        "/admin/schools/import",
        data={"establishments": (io.BytesIO(sample_file()), "x.csv"), "la_code": "883", "csrf_token": "forged"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert schools_checksum() == before


def test_the_command_line_import(app, tmp_path):
    path = tmp_path / "edubasealldata20261101.csv"
    path.write_bytes(sample_file())
    result = app.test_cli_runner().invoke(args=["schools", "import", str(path), "--la", "883"])
    assert result.exit_code == 0, result.output
    assert "6 added, 0 updated, 0 unchanged, 0 closed, 1 skipped" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"URN,Name\r\n1,2\r\n")
    result = app.test_cli_runner().invoke(args=["schools", "import", str(bad)])
    assert result.exit_code != 0 and "not a GIAS extract" in result.output


def test_the_export_neutralises_formulas(admin_client, officer_client):
    assert upload(admin_client, sample_file()).status_code == 303
    response = officer_client.get("/schools/export.csv", query_string={"status": "all"})
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert "'=HYPERLINK(" in text
    assert "\n=HYPERLINK" not in text and ",=HYPERLINK" not in text
    assert "École Saint-Exupéry" in text


class TestSuccessors:
    def test_the_links_file_links_a_closed_school_to_its_successor_and_moves_its_people(self, admin_client, factory):
        old = factory.school(urn="880101", name="Old Community School", status="Closed")
        new = factory.school(urn="880102", name="New Academy")
        head = factory.user(Role.SCHOOL, school=old)
        token = csrf_token(admin_client, "/admin/schools/import")
        content = links_file([("880101", "880102", "Successor"), ("880102", "880101", "Predecessor"), ("123456", "880102", "Successor")])
        response = admin_client.post(
            "/admin/schools/links/import",
            data={"links": (io.BytesIO(content), "links_edubasealldata20261101.csv"), "csrf_token": token},
            content_type="multipart/form-data",
        )
        assert response.status_code == 303
        run = db.session.scalars(select(ImportRun).order_by(ImportRun.id.desc())).first()
        assert (run.linked, run.skipped) == (1, 2)
        db.session.refresh(old)
        db.session.refresh(head)
        assert old.successor_id == new.id and head.school_id == new.id
        page = admin_client.get(f"/schools/{new.id}").get_data(as_text=True)
        assert "This school replaced" in page and "Old Community School" in page

    def test_a_links_file_that_is_not_one_is_refused(self, admin_client):
        token = csrf_token(admin_client, "/admin/schools/import")
        response = admin_client.post(
            "/admin/schools/links/import",
            data={"links": (io.BytesIO(sample_file()), "edubase.csv"), "csrf_token": token},
            content_type="multipart/form-data",
        )
        assert response.status_code == 422
        assert "not a GIAS links file" in response.get_data(as_text=True)

    def test_linking_by_hand(self, admin_client, factory):
        old = factory.school(urn="880201", status="Closed")
        new = factory.school(urn="880202")
        token = csrf_token(admin_client, f"/schools/{old.id}")
        response = admin_client.post(f"/admin/schools/{old.id}/successor", data={"successor_urn": "880202", "csrf_token": token})
        assert response.status_code == 303
        db.session.refresh(old)
        assert old.successor_id == new.id

    @pytest.mark.parametrize(
        "urn, message",
        [("", "Enter a URN of 6 or 7 digits"), ("88020", "Enter a URN of 6 or 7 digits"), ("<b>880202</b>", "Enter a URN"),
         ("880299", "No school with this URN is on the register"), ("880301", "cannot be its own successor")],
    )
    def test_linking_by_hand_bad_input(self, admin_client, factory, urn, message):
        old = factory.school(urn="880301", status="Closed")
        factory.school(urn="880302")
        token = csrf_token(admin_client, f"/schools/{old.id}")
        response = admin_client.post(f"/admin/schools/{old.id}/successor", data={"successor_urn": urn, "csrf_token": token})
        assert response.status_code == 422
        assert message in response.get_data(as_text=True)
        db.session.refresh(old)
        assert old.successor_id is None

    def test_an_open_school_cannot_have_a_successor_and_loops_are_refused(self, admin_client, factory):
        a = factory.school(urn="880401", status="Closed")
        b = factory.school(urn="880402", status="Closed")
        open_school = factory.school(urn="880403")
        token = csrf_token(admin_client, f"/schools/{a.id}")
        assert admin_client.post(f"/admin/schools/{a.id}/successor", data={"successor_urn": "880402", "csrf_token": token}).status_code == 303
        response = admin_client.post(f"/admin/schools/{b.id}/successor", data={"successor_urn": "880401", "csrf_token": token})
        assert response.status_code == 422 and "loop" in response.get_data(as_text=True)
        response = admin_client.post(f"/admin/schools/{open_school.id}/successor", data={"successor_urn": "880402", "csrf_token": token})
        assert response.status_code == 422 and "still open" in response.get_data(as_text=True)


def test_gias_columns_look_like_the_real_extract():
    assert len(GIAS_COLUMNS) >= 130
    assert {"URN", "LA (code)", "EstablishmentName", "TypeOfEstablishment (name)", "EstablishmentStatus (name)",
            "PhaseOfEducation (name)", "StatutoryLowAge", "StatutoryHighAge", "Trusts (name)", "Postcode"} <= set(GIAS_COLUMNS)


def test_user_count_is_untouched_by_imports(admin_client):
    users = db.session.scalar(select(func.count()).select_from(User))
    upload(admin_client, sample_file())
    assert db.session.scalar(select(func.count()).select_from(User)) == users
