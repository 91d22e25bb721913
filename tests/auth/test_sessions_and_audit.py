"""Sessions that really end (idle, absolute, sign-out), and the append-only security audit trail."""

from __future__ import annotations

import logging
import re

import pytest
from sqlalchemy import select, text

import app.auth_session as clock
from app.extensions import db
from app.models import AuditEvent, Role
from app.models.accounts import AppendOnlyError
from tests.conftest import PASSWORD, csrf_token, sign_in


@pytest.fixture
def frozen(monkeypatch):
    """A clock the test moves by hand."""

    class Clock:
        moment = clock.now()

        def advance(self, seconds: float) -> None:
            self.moment += seconds

    fake = Clock()
    monkeypatch.setattr(clock, "now", lambda: fake.moment)
    return fake


def signed_in(app, factory, role=Role.OFFICER):
    user = factory.user(role)
    client = app.test_client()
    sign_in(client, user)
    return client, user


class TestTimeouts:
    def test_idle_for_thirty_minutes_signs_out(self, app, factory, frozen):
        client, _ = signed_in(app, factory)
        frozen.advance(29 * 60)
        assert client.get("/review").status_code == 200  # activity: the idle clock starts again
        frozen.advance(29 * 60)
        assert client.get("/review").status_code == 200
        frozen.advance(30 * 60 + 1)
        response = client.get("/review")
        assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in?next=/review")
        assert client.get("/review").status_code == 302  # and it stays ended
        assert db.session.scalar(select(AuditEvent.event).order_by(AuditEvent.id.desc())) == "session_expired"

    def test_twelve_hours_is_the_limit_however_active(self, app, factory, frozen):
        client, _ = signed_in(app, factory)
        for _ in range(35):  # every 20 minutes for 11 hours 40 minutes
            frozen.advance(20 * 60)
            assert client.get("/review").status_code == 200
        frozen.advance(20 * 60 + 1)
        assert client.get("/review").status_code == 302

    def test_the_warning_asking_for_time_left_is_not_activity(self, app, factory, frozen):
        client, _ = signed_in(app, factory)
        frozen.advance(20 * 60)
        status = client.get("/session", headers={"X-Golden-Thread-Background": "1"})
        assert status.get_json() == {"seconds_left": 10 * 60}
        frozen.advance(10 * 60 + 1)
        assert client.get("/review").status_code == 302

    def test_background_requests_do_not_keep_a_session_alive(self, app, factory, frozen):
        client, _ = signed_in(app, factory)
        for _ in range(4):
            frozen.advance(9 * 60)
            client.get("/review", headers={"X-Golden-Thread-Background": "1"})
        assert client.get("/review").status_code == 302

    def test_stay_signed_in_counts_as_activity(self, app, factory, frozen):
        client, _ = signed_in(app, factory)
        token = csrf_token(client, "/review")
        frozen.advance(28 * 60)
        response = client.post("/session/keep-alive", data={"csrf_token": token}, headers={"Accept": "application/json"})
        assert response.get_json() == {"seconds_left": 30 * 60}
        frozen.advance(20 * 60)
        assert client.get("/review").status_code == 200

    def test_stay_signed_in_without_javascript_goes_back_to_the_page(self, app, factory):
        client, _ = signed_in(app, factory)
        token = csrf_token(client, "/review")
        response = client.post("/session/keep-alive", data={"csrf_token": token, "next": "/review?x=1"})
        assert response.status_code == 303 and response.headers["Location"] == "/review?x=1"
        evil = client.post("/session/keep-alive", data={"csrf_token": token, "next": "//evil.example"})
        assert evil.headers["Location"] == "/home"

    def test_an_expired_htmx_request_gets_hx_redirect_and_no_sign_in_page(self, app, factory, frozen):
        client, _ = signed_in(app, factory, Role.ADMIN)
        frozen.advance(31 * 60)
        response = client.get(
            "/admin/users?q=a", headers={"HX-Request": "true", "HX-Current-URL": "http://localhost/admin/users?q=a"}
        )
        assert response.status_code == 401
        assert response.headers["HX-Redirect"] == "/sign-in?next=/admin/users?q%3Da"
        assert response.get_data(as_text=True) == ""

    def test_the_page_carries_the_timeout_warning(self, app, factory):
        client, _ = signed_in(app, factory)
        page = client.get("/review").get_data(as_text=True)
        assert 'id="timeout-warning"' in page
        assert re.search(r'data-seconds-left="1(7[5-9]\d|800)"', page)
        anonymous = app.test_client().get("/accessibility").get_data(as_text=True)
        assert 'id="timeout-warning"' not in anonymous


def test_sign_out_clears_site_data(app, factory):
    client, _ = signed_in(app, factory)
    response = client.post("/sign-out", data={"csrf_token": csrf_token(client, "/review")})
    assert response.headers["Clear-Site-Data"] == '"cache", "cookies", "storage"'


def test_production_cookie_has_the_host_prefix(monkeypatch):
    from app import create_app

    monkeypatch.setenv("ALLOW_SQLITE_IN_PRODUCTION", "1")
    app = create_app("production", SECRET_KEY="z" * 64, SQLALCHEMY_DATABASE_URI="sqlite://")
    assert app.config["SESSION_COOKIE_NAME"] == "__Host-golden_thread_session"
    assert app.config["SESSION_COOKIE_SECURE"] is True and app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["MFA_REQUIRED"] is True and app.config["MFA_REQUIRED_FOR_SCHOOLS"] is True


class TestAuditTrail:
    def test_sign_in_success_and_failure_are_recorded_with_their_fields(self, app, client, factory):
        user = factory.user(Role.OFFICER)
        client.post("/sign-in", data={"email": user.email, "password": "wrong one", "csrf_token": csrf_token(client)})
        sign_in(client, user)
        rows = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        failed, succeeded = rows[-2], rows[-1]
        assert (failed.event, failed.subject_user_id, failed.user_id, failed.email) == ("sign_in_failed", user.id, None, user.email)
        assert (succeeded.event, succeeded.user_id) == ("sign_in", user.id)
        for row in (failed, succeeded):
            assert row.address == "127.0.0.1" and row.route == "POST /sign-in" and row.occurred_at is not None
            assert PASSWORD not in repr(row.detail) and "wrong one" not in repr(row.detail)

    def test_permission_refusals_and_csrf_failures_are_recorded(self, school_client, school_user):
        assert school_client.get("/admin/users").status_code == 404
        assert school_client.post("/sign-out").status_code == 400
        rows = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(2)).all()
        assert [row.event for row in rows] == ["csrf_failed", "permission_refused"]
        assert all(row.user_id == school_user.id for row in rows)
        assert rows[1].route == "GET /admin/users"

    def test_sign_out_is_recorded(self, app, factory):
        client, user = signed_in(app, factory)
        client.post("/sign-out", data={"csrf_token": csrf_token(client, "/review")})
        assert db.session.scalar(select(AuditEvent.event).order_by(AuditEvent.id.desc())) == "sign_out"

    def test_the_app_cannot_change_or_delete_an_event(self, app, client, factory):
        user = factory.user(Role.OFFICER)
        sign_in(client, user)
        row_id = db.session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()))
        savepoint = db.session.begin_nested()
        db.session.get(AuditEvent, row_id).event = "sign_out"
        with pytest.raises(AppendOnlyError):
            db.session.flush()
        savepoint.rollback()
        savepoint = db.session.begin_nested()
        db.session.delete(db.session.get(AuditEvent, row_id))
        with pytest.raises(AppendOnlyError):
            db.session.flush()
        savepoint.rollback()
        assert db.session.get(AuditEvent, row_id).event == "sign_in"

    def test_user_text_in_logs_is_escaped(self, client, caplog):
        with caplog.at_level(logging.INFO):
            client.post("/sign-out", headers={"HX-Request": "true"}, data={"x": "1"})
            client.post("/sign-in?next=/x%0AFAKE%20LINE", data={"email": "a@b.c\nFAKE", "password": "p"})
        assert not any("\nFAKE" in record.getMessage() for record in caplog.records)


@pytest.mark.postgres
def test_postgresql_refuses_update_and_delete_of_audit_events_even_in_sql(client, factory):
    from sqlalchemy.exc import DBAPIError

    user = factory.user(Role.OFFICER)
    sign_in(client, user)
    row_id = db.session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()))
    for statement in ("UPDATE audit_events SET event = 'x' WHERE id = :id", "DELETE FROM audit_events WHERE id = :id"):
        savepoint = db.session.begin_nested()
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text(statement), {"id": row_id})
        savepoint.rollback()
    assert db.session.get(AuditEvent, row_id) is not None
