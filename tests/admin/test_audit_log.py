"""Administrators browsing and filtering the security audit trail; security.txt."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.formatting import LONDON
from app.models import AuditEvent, Role
from app.models.types import utcnow
from tests.conftest import csrf_token


@pytest.fixture
def trail(factory):
    dana = factory.user(Role.OFFICER, email="dana@example.org")
    for event, user, email in [("sign_in", dana, None), ("sign_in_failed", None, "<script>x</script>@evil.example"), ("locked_out", dana, None)]:
        db.session.add(AuditEvent(event=event, user_id=user.id if user else None, subject_user_id=user.id if user else None,
                                  email=email, address="203.0.113.9", route="POST /sign-in", occurred_at=utcnow(), detail={}))
    db.session.flush()
    return dana


def test_admins_see_the_trail_newest_first(admin_client, trail):
    page = admin_client.get("/admin/audit").get_data(as_text=True)
    results = page.split('id="audit-count"', 1)[1]
    assert results.index("Account locked") < results.index("Signed in")
    assert "203.0.113.9" in page and "dana@example.org" in page
    assert "<script>x</script>" not in page and "&lt;script&gt;x&lt;/script&gt;" in page


@pytest.mark.parametrize(
    "query, shown, hidden",
    [
        ({"event": "locked_out"}, "Account locked", "Sign-in failed"),
        ({"person": "DANA"}, "Account locked", "Sign-in failed"),
        ({"person": "evil.example"}, "Sign-in failed", "Account locked"),
        ({"from": "2999-01-01"}, "No events match", "Account locked"),
        ({"event": "not-an-event", "from": "yesterday"}, "Account locked", "No events match"),
    ],
)
def test_filters(admin_client, trail, query, shown, hidden):
    for headers in ({}, {"HX-Request": "true"}):
        response = admin_client.get("/admin/audit", query_string=query, headers=headers)
        page = response.get_data(as_text=True)
        assert response.status_code == 200
        assert shown in page and hidden not in page.split('id="audit-count"', 1)[-1]
        assert "HX-Request" in response.headers["Vary"]


def test_the_export_is_a_csv(admin_client, trail):
    response = admin_client.get("/admin/audit/export.csv", query_string={"event": "sign_in_failed"})
    text = response.get_data(as_text=True)
    assert response.mimetype == "text/csv"
    assert "Sign-in failed" in text and "Account locked" not in text
    assert re.fullmatch(r'attachment; filename="audit-trail-\d{4}-\d{2}-\d{2}\.csv"', response.headers["Content-Disposition"])
    assert response.headers["Cache-Control"] == "no-store"


def test_the_export_as_excel_holds_the_same_events(admin_client, trail):
    from tests.test_exports import read_csv, read_xlsx

    query = {"person": "evil.example"}
    rows = read_csv(admin_client.get("/admin/audit/export.csv", query_string=query).data)
    response = admin_client.get("/admin/audit/export.xlsx", query_string=query)
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert re.fullmatch(r'attachment; filename="audit-trail-\d{4}-\d{2}-\d{2}\.xlsx"', response.headers["Content-Disposition"])
    cells = [list(row) for row in read_xlsx(response.data).iter_rows(values_only=True)]
    assert rows[0] == cells[0] and rows[0][0] == "Time (UK)"
    assert len(rows) == len(cells) == 2
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.event == "sign_in_failed"))
    when = event.occurred_at.astimezone(LONDON)
    assert rows[1] == [when.isoformat(sep=" ", timespec="seconds"), "Sign-in failed", "", "", "<script>x</script>@evil.example",
                       "203.0.113.9", "POST /sign-in", ""]
    # A workbook keeps a time as a fraction of a day: the same instant, in London time, to within a millisecond.
    assert abs(cells[1][0] - when.replace(tzinfo=None)) < timedelta(milliseconds=1)
    assert cells[1][1:] == ["Sign-in failed", None, None, "<script>x</script>@evil.example", "203.0.113.9", "POST /sign-in", None]


def test_the_trail_is_for_administrators_only(officer_client, school_client):
    for client in (officer_client, school_client):
        assert client.get("/admin/audit").status_code == 404
        assert client.get("/admin/audit/export.csv").status_code == 404
        assert client.get("/admin/audit/export.xlsx").status_code == 404


def test_security_txt(client, app):
    response = client.get("/.well-known/security.txt")
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/plain"
    assert f"Contact: {app.config['SECURITY_CONTACT']}" in text
    assert f"Expires: {app.config['SECURITY_TXT_EXPIRES']}" in text
    assert "Canonical: https://golden-thread.test/.well-known/security.txt" in text
