"""Headers, cookies, error pages, body caps and the health check, on real responses."""

from __future__ import annotations

import re

import pytest

from app import create_app
from tests.conftest import csrf_token, sign_in

REQUIRED_CSP = [
    "default-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
]


def csp_of(response) -> str:
    return response.headers["Content-Security-Policy"]


@pytest.mark.parametrize("path", ["/sign-in", "/accessibility", "/no-such-page", "/healthz"])
def test_security_headers_on_every_response(client, path):
    response = client.get(path)
    csp = csp_of(response)
    for directive in REQUIRED_CSP:
        assert directive in csp
    assert re.search(r"script-src 'self' 'nonce-[A-Za-z0-9_-]{20,}'", csp)
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp and "*" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in response.headers  # only in production


def test_the_inline_script_carries_this_responses_nonce(client):
    first = client.get("/sign-in")
    second = client.get("/sign-in")
    nonce = re.search(r"'nonce-([^']+)'", csp_of(first)).group(1)
    page = first.get_data(as_text=True)
    inline_scripts = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", page)
    assert inline_scripts, "the GOV.UK template's js-enabled script should be there"
    assert all(f'nonce="{nonce}"' in attributes for attributes in inline_scripts)
    assert re.search(r"'nonce-([^']+)'", csp_of(second)).group(1) != nonce
    assert " hx-on" not in page and "onclick=" not in page and 'style="' not in page


def test_htmx_is_configured_for_the_csp_and_for_error_fragments(client):
    page = client.get("/sign-in").get_data(as_text=True)
    config = re.search(r"<meta name=\"htmx-config\" content='([^']+)'>", page).group(1)
    import json

    settings = json.loads(config)
    assert settings["allowEval"] is False
    assert settings["allowScriptTags"] is False
    assert settings["historyCacheSize"] == 0
    assert settings["includeIndicatorStyles"] is False
    swapped = {rule["code"] for rule in settings["responseHandling"] if rule["swap"]}
    assert {"400", "409", "422", "503"} <= swapped


def test_signed_in_pages_are_never_cached(officer_client, client):
    response = officer_client.get("/review")
    assert response.headers["Cache-Control"] == "no-store"
    assert "no-store" not in client.get("/sign-in").headers.get("Cache-Control", "")


def test_session_cookie_flags(client, factory):
    from app.models import Role

    user = factory.user(Role.OFFICER)
    response = sign_in(client, user)
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("golden_thread_session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # development over plain http; production below


def production_app(**overrides):
    settings = {
        "SECRET_KEY": "x" * 64,
        "SQLALCHEMY_DATABASE_URI": "sqlite://",
        "RATELIMIT_STORAGE_URI": "memory://",
    }
    settings.update(overrides)
    import os

    os.environ["ALLOW_SQLITE_IN_PRODUCTION"] = "1"
    try:
        return create_app("production", **settings)
    finally:
        del os.environ["ALLOW_SQLITE_IN_PRODUCTION"]


@pytest.mark.own_database
def test_production_sets_hsts_and_secure_cookies():
    app = production_app()
    assert app.config["SESSION_COOKIE_SECURE"] is True
    with app.app_context():
        from app.extensions import db

        db.create_all()
    client = app.test_client()
    response = client.get("/sign-in", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    cookie = response.headers.get("Set-Cookie", "")
    assert "Secure" in cookie and "HttpOnly" in cookie


@pytest.mark.parametrize("key", [None, "", "changeme", "short-key"])
def test_production_refuses_to_start_without_a_real_secret_key(monkeypatch, key):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("ALLOW_SQLITE_IN_PRODUCTION", "1")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production", SECRET_KEY=key, SQLALCHEMY_DATABASE_URI="sqlite://")


def test_production_refuses_sqlite_unless_told(monkeypatch):
    monkeypatch.delenv("ALLOW_SQLITE_IN_PRODUCTION", raising=False)
    with pytest.raises(RuntimeError, match="PostgreSQL"):
        create_app("production", SECRET_KEY="y" * 64, SQLALCHEMY_DATABASE_URI="sqlite://")


def test_not_found_page_is_styled_and_has_no_traceback(client):
    response = client.get("/schools/not-a-number")
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "Page not found" in page
    assert "govuk-header" in page and "Traceback" not in page


def test_server_error_page_shows_no_traceback(app):
    broken = create_app(
        "test", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"], PROPAGATE_EXCEPTIONS=False
    )
    from app.permissions import public

    @public
    def explode():
        raise RuntimeError("secret internals: password=hunter2")

    broken.add_url_rule("/explode", "explode", explode)
    response = broken.test_client().get("/explode")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in page
    assert "Traceback" not in page and "hunter2" not in page and "RuntimeError" not in page


def test_a_body_over_the_cap_gets_a_413_page(client):
    token = csrf_token(client)
    response = client.post(
        "/sign-in",
        data={"email": "a@example.org", "password": "x" * (11 * 1024 * 1024), "csrf_token": token},
    )
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)


def test_csrf_failure_on_an_htmx_request_is_a_fragment(officer_client):
    response = officer_client.post("/sign-out", headers={"HX-Request": "true"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Your form could not be sent" in page
    assert "<html" not in page  # a fragment htmx can swap, not a whole page
    assert officer_client.get("/review").status_code == 200  # still signed in: nothing changed


def test_csrf_token_lives_as_long_as_the_session(app):
    assert app.config["WTF_CSRF_TIME_LIMIT"] is None


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


@pytest.mark.own_database
def test_healthz_is_503_when_the_database_is_unreachable(tmp_path):
    app = create_app("test", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/missing-folder/nothing.db")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


@pytest.mark.own_database
def test_sqlite_runs_with_wal_and_a_busy_timeout(tmp_path):
    from app.extensions import db

    app = create_app("test", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/embedded.db")
    with app.app_context(), db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
