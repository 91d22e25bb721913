"""Lockout counted per account in the database, and the second step of signing in."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select

from app import create_app
from app.extensions import db
from app.mail import outbox
from app.models import AuditEvent, Role, User
from app.models.types import utcnow
from app.services import mfa
from tests.conftest import PASSWORD, csrf_token

WRONG = "Your email address or password is wrong"


def attempt(client, email, password):
    return client.post("/sign-in", data={"email": email, "password": password, "csrf_token": csrf_token(client)})


def events(name: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.event == name).order_by(AuditEvent.id)))


class TestLockout:
    def test_the_eleventh_attempt_with_the_right_password_is_refused(self, app, client, factory):
        user = factory.user(Role.OFFICER)
        for _ in range(10):
            assert attempt(client, user.email, "not the password").status_code == 422
        response = attempt(client, user.email, PASSWORD)
        assert response.status_code == 422
        assert WRONG in response.get_data(as_text=True)  # the same words as a wrong password
        assert client.get("/review").status_code == 302
        db.session.refresh(user)
        assert user.locked_until is not None and user.locked_until > utcnow() + timedelta(minutes=14)
        mails = [m for m in outbox() if m.to == user.email]
        assert len(mails) == 1 and "locked" in mails[0].subject
        assert len(events("locked_out")) == 1
        failures = events("sign_in_failed")
        assert len(failures) == 11 and failures[-1].detail["reason"] == "locked"

    def test_another_account_from_the_same_address_is_unaffected(self, app, client, factory):
        victim = factory.user(Role.OFFICER)
        colleague = factory.user(Role.OFFICER)
        for _ in range(10):
            attempt(client, victim.email, "not the password")
        other = app.test_client()
        response = attempt(other, colleague.email, PASSWORD)
        assert response.status_code == 303

    def test_a_locked_account_opens_again_after_fifteen_minutes(self, app, client, factory):
        user = factory.user(Role.OFFICER)
        for _ in range(10):
            attempt(client, user.email, "not the password")
        db.session.refresh(user)
        user.locked_until = utcnow() - timedelta(seconds=1)
        db.session.flush()
        assert attempt(client, user.email, PASSWORD).status_code == 303

    def test_failures_older_than_the_window_start_again(self, app, client, factory):
        user = factory.user(Role.OFFICER)
        for _ in range(9):
            attempt(client, user.email, "not the password")
        db.session.refresh(user)
        user.first_failed_at = utcnow() - timedelta(minutes=16)
        db.session.flush()
        attempt(client, user.email, "not the password")
        db.session.refresh(user)
        assert user.locked_until is None and user.failed_sign_ins == 1

    def test_unknown_email_and_locked_account_read_the_same(self, client, factory):
        user = factory.user(Role.OFFICER)
        for _ in range(10):
            attempt(client, user.email, "not the password")
        locked = attempt(client, user.email, PASSWORD).get_data(as_text=True)
        unknown = attempt(client, "nobody@example.org", PASSWORD).get_data(as_text=True)
        strip = lambda page: re.sub(r'(content|value)="[^"]*"|nonce-[^\'"]+|nonce="[^"]*"', "", page)  # noqa: E731
        assert strip(locked).replace(user.email, "X") == strip(unknown).replace("nobody@example.org", "X")


@pytest.mark.own_database
def test_two_app_instances_share_the_count(tmp_path):
    """Two workers (here, two app objects with engines of their own) count into the same row."""
    from flask_migrate import upgrade

    from app.services.passwords import hash_password

    url = f"sqlite:///{tmp_path}/shared.db"
    first, second = create_app("test", SQLALCHEMY_DATABASE_URI=url), create_app("test", SQLALCHEMY_DATABASE_URI=url)
    with first.app_context():
        upgrade()
        db.session.add(User(email="shared@example.org", name="Shared", role="officer", password_hash=hash_password(PASSWORD)))
        db.session.commit()
    clients = [first.test_client(), second.test_client()]
    for n in range(10):
        assert attempt(clients[n % 2], "shared@example.org", "wrong password!").status_code == 422
    assert attempt(clients[0], "shared@example.org", PASSWORD).status_code == 422
    assert attempt(clients[1], "shared@example.org", PASSWORD).status_code == 422
    with second.app_context():
        assert db.session.scalar(select(User.locked_until).where(User.email == "shared@example.org")) is not None
        db.engine.dispose()
    with first.app_context():
        db.engine.dispose()


@pytest.fixture
def enrolled(factory):
    user = factory.user(Role.OFFICER)
    user.mfa_secret = pyotp.random_base32()
    user.mfa_enabled_at = utcnow()
    db.session.flush()
    return user


def code_for(user: User, steps_ago: int = 0) -> str:
    totp = pyotp.TOTP(user.mfa_secret)
    return totp.generate_otp(totp.timecode(utcnow()) - steps_ago)


def password_step(client, user):
    response = attempt(client, user.email, PASSWORD)
    assert response.status_code == 303 and response.headers["Location"] == "/sign-in/code"


def code_step(client, code):
    return client.post("/sign-in/code", data={"code": code, "csrf_token": csrf_token(client, "/sign-in/code")})


class TestSecondStep:
    def test_password_then_code_signs_in(self, client, enrolled):
        password_step(client, enrolled)
        assert client.get("/review").status_code == 302  # not signed in after the password alone
        response = code_step(client, code_for(enrolled))
        assert response.status_code == 303 and response.headers["Location"] == "/home"
        assert client.get("/review").status_code == 200
        assert events("sign_in")[-1].detail["mfa"] is True

    def test_a_code_works_once(self, app, client, enrolled):
        code = code_for(enrolled)
        password_step(client, enrolled)
        assert code_step(client, code).status_code == 303
        replay = app.test_client()
        password_step(replay, enrolled)
        response = code_step(replay, code)
        assert response.status_code == 422
        assert "The code is wrong or has expired" in response.get_data(as_text=True)

    def test_a_code_from_two_windows_ago_fails(self, client, enrolled):
        password_step(client, enrolled)
        assert code_step(client, code_for(enrolled, steps_ago=2)).status_code == 422
        assert len(events("mfa_failed")) == 1

    def test_the_previous_window_is_still_accepted(self, client, enrolled):
        password_step(client, enrolled)
        assert code_step(client, code_for(enrolled, steps_ago=1)).status_code == 303

    def test_a_recovery_code_works_once(self, app, client, enrolled):
        codes = mfa.new_recovery_codes(enrolled)
        password_step(client, enrolled)
        assert code_step(client, codes[0]).status_code == 303
        again = app.test_client()
        password_step(again, enrolled)
        assert code_step(again, codes[0]).status_code == 422
        assert len(events("mfa_recovery_code_used")) == 1

    @pytest.mark.parametrize("code", ["", "12345", "abcdef", "1" * 41, "<script>alert(1)</script>", "' OR 1=1 --"])
    def test_bad_codes_are_field_errors(self, client, enrolled, code):
        password_step(client, enrolled)
        response = code_step(client, code)
        page = response.get_data(as_text=True)
        assert response.status_code == 422
        assert "govuk-error-message" in page and "<script>alert(1)</script>" not in page

    def test_wrong_codes_count_towards_the_lockout(self, app, client, enrolled):
        app.config["MFA_CODE_RATE_LIMIT"] = "100 per minute"  # the lockout, not the address limit, is on trial
        try:
            password_step(client, enrolled)
            for _ in range(10):
                code_step(client, "000000")
            db.session.refresh(enrolled)
            assert enrolled.locked_until is not None
            assert code_step(client, code_for(enrolled)).status_code == 422
        finally:
            app.config["MFA_CODE_RATE_LIMIT"] = "10 per 5 minutes"

    def test_code_guesses_are_rate_limited_per_address(self, client, enrolled):
        password_step(client, enrolled)
        statuses = [code_step(client, "000000").status_code for _ in range(11)]
        assert statuses[-1] == 429 and set(statuses[:10]) == {422}

    def test_the_code_page_needs_the_password_step_first(self, client, enrolled):
        response = client.get("/sign-in/code")
        assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")

    def test_a_password_step_goes_stale(self, client, enrolled, monkeypatch):
        import app.auth_session as clock

        password_step(client, enrolled)
        token = csrf_token(client, "/sign-in/code")
        later = clock.now() + 301
        monkeypatch.setattr(clock, "now", lambda: later)
        response = client.post("/sign-in/code", data={"code": code_for(enrolled), "csrf_token": token})
        assert response.status_code == 302 and response.headers["Location"] == "/sign-in"

    def test_a_reset_password_still_asks_for_the_code(self, client, enrolled):
        from app.services.passwords import hash_password

        enrolled.password_hash = hash_password("a brand new pass phrase")
        db.session.flush()
        response = attempt(client, enrolled.email, "a brand new pass phrase")
        assert response.headers["Location"] == "/sign-in/code"


class TestRequiredEnrolment:
    def test_an_officer_without_mfa_must_enrol_first(self, app, client, factory):
        officer = factory.user(Role.OFFICER)
        app.config["MFA_REQUIRED"] = True
        try:
            response = attempt(client, officer.email, PASSWORD)
            assert response.status_code == 303
            assert response.headers["Location"] == "/account/two-step-verification"
            blocked = client.get("/review")
            assert blocked.status_code == 302 and blocked.headers["Location"] == "/account/two-step-verification"
            assert client.get("/accessibility").status_code == 200  # public pages still open
            htmx = client.get("/review", headers={"HX-Request": "true"})
            assert htmx.headers["HX-Redirect"] == "/account/two-step-verification"
        finally:
            app.config["MFA_REQUIRED"] = False

    def test_school_users_only_when_required_for_schools(self, app, client, factory):
        head = factory.user(Role.SCHOOL)
        app.config["MFA_REQUIRED"] = True
        try:
            assert attempt(client, head.email, PASSWORD).headers["Location"] == "/school"
        finally:
            app.config["MFA_REQUIRED"] = False
