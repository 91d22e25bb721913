"""Setting up two-step verification (TOTP), recovery codes, and turning it off, through HTTP.

The codes are computed here with pyotp from the key the page shows, as a person's app would.
The clock the codes are checked against is frozen, so a test never straddles a 30-second step.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pyotp
import pytest
from sqlalchemy import select

from app.extensions import db
from app.mail import outbox
from app.models import AuditEvent, RecoveryCode, Role, User
from app.services import mfa
from tests.conftest import PASSWORD, csrf_token, sign_in

SETUP = "/account/two-step-verification"
RENEW = "/account/two-step-verification/recovery-codes"
TURN_OFF = "/account/two-step-verification/turn-off"
NOW = datetime(2026, 11, 23, 10, 0, 10, tzinfo=timezone.utc)
KEY = re.compile(r'<code[^>]*id="setup-key">([A-Z2-7 ]+)</code>')
CODES = re.compile(r"<li><code[^>]*>([0-9a-f]{6}-[0-9a-f]{6})</code></li>")


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    monkeypatch.setattr(mfa, "utcnow", lambda: NOW)
    return NOW


def events(name: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.event == name).order_by(AuditEvent.id)))


def code_at(secret: str, moment: datetime = NOW) -> str:
    return pyotp.TOTP(secret).at(moment)


def setup_key(client) -> str:
    response = client.get(SETUP)
    assert response.status_code == 200, response.status_code
    match = KEY.search(response.get_data(as_text=True))
    assert match, "no setup key on the page"
    return match.group(1).replace(" ", "")


def post_setup(client, code, password: str | None = PASSWORD):
    data = {"code": code, "csrf_token": csrf_token(client, SETUP)}
    if password is not None:
        data["password"] = password
    return client.post(SETUP, data=data)


def enrol_through_the_page(client) -> tuple[str, list[str]]:
    secret = setup_key(client)
    response = post_setup(client, code_at(secret))
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page[:3000]
    return secret, CODES.findall(page)


def enrol_directly(user: User) -> tuple[str, list[str]]:
    secret = mfa.new_secret()
    assert mfa.confirm_enrolment(user, secret, code_at(secret, NOW - timedelta(seconds=30)))
    return secret, mfa.new_recovery_codes(user)


@pytest.fixture
def enrolled(app, factory):
    """A school user with two-step verification on, signed in (as a test, past the code step)."""
    user = factory.user(Role.SCHOOL)
    client = app.test_client()
    sign_in(client, user)
    secret, codes = enrol_directly(user)
    return client, user, secret, codes


# The set-up page --------------------------------------------------------------------------------


def test_the_page_shows_the_qr_code_the_key_and_an_accessible_code_field(school_client, school_user):
    page = school_client.get(SETUP).get_data(as_text=True)
    assert '<img src="data:image/svg+xml' in page
    assert 'alt="QR code for setting up Golden Thread in an authenticator app"' in page
    key = KEY.search(page).group(1)
    assert re.fullmatch(r"([A-Z2-7]{4} ){7}[A-Z2-7]{4}", key), key  # 32 characters in groups of four
    code_input = re.search(r'<input[^>]*id="code"[^>]*>', page).group(0)
    for attribute in ('inputmode="numeric"', 'autocomplete="one-time-code"', 'spellcheck="false"'):
        assert attribute in code_input
    assert 'autocomplete="current-password"' in page  # enrolling by choice: the password is asked
    assert "novalidate" in page
    for step in ("1. Install an authenticator app", "2. Add Golden Thread to the app", "3. Enter the code"):
        assert step in page
    assert "<script>" not in page.split("<main", 1)[1].split("</main>", 1)[0]


def test_the_secret_is_in_neither_a_hidden_field_nor_the_session_cookie(school_client, school_user):
    secret = setup_key(school_client)
    page = school_client.get(SETUP).get_data(as_text=True)
    assert secret not in page  # only the grouped form, shown as text for typing
    hidden = re.findall(r'<input[^>]*type="hidden"[^>]*>', page)
    assert all(secret not in field and secret.lower() not in field for field in hidden)
    with school_client.session_transaction() as session:
        assert all(secret not in str(value) for value in session.values())
    cookie = school_client.get_cookie("golden_thread_session").value
    assert secret not in cookie


def test_the_key_stays_the_same_until_enrolment_and_differs_between_people(app, school_client, factory):
    assert setup_key(school_client) == setup_key(school_client)
    other = app.test_client()
    sign_in(other, factory.user(Role.SCHOOL))
    assert setup_key(other) != setup_key(school_client)


# Enrolling --------------------------------------------------------------------------------------


def test_enrolment_with_a_code_from_the_app(app, school_client, school_user):
    secret = setup_key(school_client)
    response = post_setup(school_client, code_at(secret))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "govuk-panel" in page and "Two-step verification is on" in page
    assert "will not be shown again" in page
    codes = CODES.findall(page)
    assert len(codes) == 10 and len(set(codes)) == 10
    db.session.refresh(school_user)
    assert school_user.mfa_enabled and school_user.mfa_secret == secret
    assert [e.subject_user_id for e in events("mfa_enrolled")] == [school_user.id]
    mails = [m for m in outbox() if m.to == school_user.email]
    assert len(mails) == 1 and "Two-step verification is on" in mails[0].subject
    assert secret not in mails[0].body and codes[0] not in mails[0].body
    # Nothing secret in the audit trail.
    for event in db.session.scalars(select(AuditEvent)):
        assert secret not in repr(event.detail) and codes[0] not in repr(event.detail)
    # The pending key has gone from the session; the account page now says it is on.
    with school_client.session_transaction() as session:
        assert "mfa_enrolment_nonce" not in session
    account = school_client.get("/account").get_data(as_text=True)
    assert "On since 23 November 2026" in account and "10 recovery codes left" in account


def test_codes_typed_with_spaces_or_a_hyphen_are_accepted(school_client, school_user):
    secret = setup_key(school_client)
    code = code_at(secret)
    assert post_setup(school_client, f" {code[:3]} {code[3:]} ").status_code == 200
    db.session.refresh(school_user)
    assert school_user.mfa_enabled


def test_the_recovery_codes_are_shown_once(school_client, school_user):
    _, codes = enrol_through_the_page(school_client)
    for page in (school_client.get(SETUP), school_client.get("/account")):
        text = page.get_data(as_text=True)
        assert not any(code in text for code in codes)
    # Posting the set-up form again does not show them either.
    again = post_setup(school_client, "123456")
    assert again.status_code == 303 and again.headers["Location"] == SETUP


def test_recovery_codes_are_stored_hashed(school_client, school_user):
    _, codes = enrol_through_the_page(school_client)
    stored = db.session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == school_user.id)).all()
    assert len(stored) == 10
    for code in codes:
        assert code not in stored and code.replace("-", "") not in stored
        assert all(code not in value and code.replace("-", "") not in value for value in stored)


def test_each_recovery_code_works_once(school_client, school_user):
    _, codes = enrol_through_the_page(school_client)
    db.session.refresh(school_user)
    assert mfa.use_recovery_code(school_user, codes[0])
    assert not mfa.use_recovery_code(school_user, codes[0])
    assert mfa.use_recovery_code(school_user, codes[1].upper())
    assert not mfa.use_recovery_code(school_user, "000000-000000")
    assert mfa.recovery_codes_left(school_user) == 8


def test_the_enrolment_code_cannot_be_used_again_to_sign_in(school_client, school_user):
    secret = setup_key(school_client)
    code = code_at(secret)
    assert post_setup(school_client, code).status_code == 200
    db.session.refresh(school_user)
    assert not mfa.verify_code(school_user, code)


def test_a_code_works_once(school_client, school_user):
    secret = setup_key(school_client)
    # Enrol with the previous step's code (still accepted), so the current one is unused.
    assert post_setup(school_client, code_at(secret, NOW - timedelta(seconds=30))).status_code == 200
    db.session.refresh(school_user)
    current = code_at(secret)
    assert mfa.verify_code(school_user, current)
    assert not mfa.verify_code(school_user, current)


@pytest.mark.parametrize("age", [60, 90, 3600])
def test_a_code_from_two_windows_ago_fails(school_client, school_user, age):
    secret = setup_key(school_client)
    stale = code_at(secret, NOW - timedelta(seconds=age))
    if stale == code_at(secret) or stale == code_at(secret, NOW - timedelta(seconds=30)):
        pytest.skip("the stale code happens to equal a current one")
    response = post_setup(school_client, stale)
    assert response.status_code == 422
    assert "The code is wrong or has expired" in response.get_data(as_text=True)
    db.session.refresh(school_user)
    assert not school_user.mfa_enabled
    # And once enrolled, an old code does not sign in either.
    assert post_setup(school_client, code_at(secret, NOW - timedelta(seconds=30))).status_code == 200
    db.session.refresh(school_user)
    assert not mfa.verify_code(school_user, stale)


def test_a_wrong_code_is_refused_and_recorded(school_client, school_user):
    secret = setup_key(school_client)
    wrong = f"{(int(code_at(secret)) + 1) % 1000000:06d}"
    response = post_setup(school_client, wrong)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The code is wrong or has expired" in page and "<title>Error: Set up two-step verification" in page
    assert 'href="#code"' in page
    assert KEY.search(page).group(1).replace(" ", "") == secret  # the same key, to try again
    db.session.refresh(school_user)
    assert not school_user.mfa_enabled and school_user.mfa_secret is None
    failures = events("mfa_failed")
    assert len(failures) == 1 and failures[0].subject_user_id == school_user.id
    assert wrong not in repr(failures[0].detail)
    assert events("mfa_enrolled") == []


@pytest.mark.parametrize(
    "code, message",
    [
        ("", "Enter the 6-digit code from your authenticator app"),
        ("   ", "Enter the 6-digit code from your authenticator app"),
        ("12345", "The code must be 6 digits"),
        ("abcdef", "The code must be 6 digits"),
        ("1" * 21, "The code must be 6 digits"),
        ("9" * 100000, "The code must be 6 digits"),
    ],
)
def test_a_missing_or_malformed_code_is_a_field_error(school_client, school_user, code, message):
    response = post_setup(school_client, code)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    db.session.refresh(school_user)
    assert not school_user.mfa_enabled


def test_html_typed_as_the_code_comes_back_escaped(school_client):
    response = post_setup(school_client, '"><script>alert(1)</script>')
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<script>alert(1)</script>" not in page
    assert "&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page or "&quot;&gt;&lt;script&gt;" in page


@pytest.mark.parametrize("password, message", [(None, "Enter your current password"), ("", "Enter your current password"), ("not my password", "Your password is wrong"), ("p" * 1025, "1,024 characters or fewer")])
def test_enrolling_by_choice_needs_the_current_password(school_client, school_user, password, message):
    secret = setup_key(school_client)
    response = post_setup(school_client, code_at(secret), password=password)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    db.session.refresh(school_user)
    assert not school_user.mfa_enabled
    assert events("mfa_failed") == []  # a wrong password is not a wrong code


def test_someone_sent_here_after_signing_in_is_not_asked_for_the_password_again(app, factory):
    user = factory.user(Role.OFFICER)
    client = app.test_client()
    sign_in(client, user)
    with client.session_transaction() as session:
        session["mfa_enrolment_required"] = True
    page = client.get(SETUP).get_data(as_text=True)
    assert 'autocomplete="current-password"' not in page
    assert "You need to set up two-step verification before you can use Golden Thread" in page
    secret = KEY.search(page).group(1).replace(" ", "")
    response = post_setup(client, code_at(secret), password=None)
    assert response.status_code == 200, response.get_data(as_text=True)[:3000]
    with client.session_transaction() as session:
        assert "mfa_enrolment_required" not in session
        assert "mfa_enrolment_nonce" not in session
    db.session.refresh(user)
    assert user.mfa_enabled
    assert client.get("/account").status_code == 200


def test_enrolling_ends_other_sessions_but_keeps_this_one(app, school_client, school_user):
    other_browser = app.test_client()
    sign_in(other_browser, school_user)
    enrol_through_the_page(school_client)
    assert school_client.get("/account").status_code == 200
    refused = other_browser.get("/account")
    assert refused.status_code == 302 and refused.headers["Location"].startswith("/sign-in")


def test_wrong_codes_are_rate_limited(app, school_client, school_user):
    app.config["MFA_CODE_RATE_LIMIT"] = "3 per minute"
    try:
        secret = setup_key(school_client)
        wrong = f"{(int(code_at(secret)) + 1) % 1000000:06d}"
        statuses = [post_setup(school_client, wrong).status_code for _ in range(4)]
        assert statuses == [422, 422, 422, 429]
        assert post_setup(school_client, code_at(secret)).status_code == 429
        db.session.refresh(school_user)
        assert not school_user.mfa_enabled
    finally:
        app.config["MFA_CODE_RATE_LIMIT"] = "10 per 5 minutes"


# When it is on ----------------------------------------------------------------------------------


def test_the_page_shows_the_status_when_it_is_on(enrolled):
    client, user, _, codes = enrolled
    assert mfa.use_recovery_code(user, codes[0])
    page = client.get(SETUP).get_data(as_text=True)
    assert "On since 23 November 2026" in page and "9 of 10" in page
    assert "Get new recovery codes" in page and "Turn off two-step verification" in page
    assert 'id="setup-key"' not in page and "<img" not in page


def test_getting_new_recovery_codes(enrolled):
    client, user, _, old_codes = enrolled
    response = client.post(RENEW, data={"codes-password": PASSWORD, "csrf_token": csrf_token(client, SETUP)})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    new_codes = CODES.findall(page)
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    assert not mfa.use_recovery_code(user, old_codes[0])
    assert mfa.use_recovery_code(user, new_codes[0])
    assert len(events("recovery_codes_renewed")) == 1
    assert client.get(SETUP).status_code == 200
    assert not any(code in client.get(SETUP).get_data(as_text=True) for code in new_codes)


@pytest.mark.parametrize("password, message", [("", "Enter your current password"), ("wrong password", "Your password is wrong")])
def test_new_recovery_codes_need_the_password(enrolled, password, message):
    client, user, _, old_codes = enrolled
    response = client.post(RENEW, data={"codes-password": password, "csrf_token": csrf_token(client, SETUP)})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page and 'href="#codes-password"' in page
    assert events("recovery_codes_renewed") == []
    assert mfa.use_recovery_code(user, old_codes[0])


def test_turning_it_off_with_the_password(enrolled):
    client, user, _, codes = enrolled
    response = client.post(TURN_OFF, data={"off-password": PASSWORD, "csrf_token": csrf_token(client, SETUP)})
    assert response.status_code == 303 and response.headers["Location"] == "/account"
    assert "Two-step verification is off" in client.get("/account").get_data(as_text=True)
    db.session.refresh(user)
    assert not user.mfa_enabled and user.mfa_secret is None
    assert mfa.recovery_codes_left(user) == 0
    assert len(events("mfa_reset")) == 1


def test_turning_it_off_needs_the_password(enrolled):
    client, user, _, _ = enrolled
    response = client.post(TURN_OFF, data={"off-password": "wrong password", "csrf_token": csrf_token(client, SETUP)})
    assert response.status_code == 422
    assert "Your password is wrong" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.mfa_enabled


def test_roles_that_need_it_cannot_turn_it_off(app, factory):
    officer = factory.user(Role.OFFICER)
    client = app.test_client()
    sign_in(client, officer)
    enrol_directly(officer)
    app.config["MFA_REQUIRED"] = True
    try:
        page = client.get(SETUP).get_data(as_text=True)
        assert "cannot be turned off" in page and 'action="/account/two-step-verification/turn-off"' not in page
        response = client.post(TURN_OFF, data={"off-password": PASSWORD, "csrf_token": csrf_token(client, SETUP)})
        assert response.status_code == 403
        db.session.refresh(officer)
        assert officer.mfa_enabled
        assert events("mfa_reset") == []
    finally:
        app.config["MFA_REQUIRED"] = False


def test_recovery_codes_and_turning_off_do_nothing_before_enrolment(school_client, school_user):
    for path, field in ((RENEW, "codes-password"), (TURN_OFF, "off-password")):
        response = school_client.post(path, data={field: PASSWORD, "csrf_token": csrf_token(school_client, SETUP)})
        assert response.status_code == 303 and response.headers["Location"] == SETUP
    assert db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == school_user.id)).all() == []


# Forged requests --------------------------------------------------------------------------------


def _state(user: User):
    db.session.expire_all()
    row = db.session.execute(
        select(User.mfa_secret, User.mfa_enabled_at, User.mfa_last_timestep, User.session_version).where(User.id == user.id)
    ).one()
    codes = db.session.execute(select(RecoveryCode.code_hash, RecoveryCode.used_at).where(RecoveryCode.user_id == user.id).order_by(RecoveryCode.id)).all()
    return row, codes


@pytest.mark.parametrize("token", [None, "forged-token", "IjEyMyI.abc.def"])
@pytest.mark.parametrize("path", [SETUP, RENEW, TURN_OFF])
def test_every_post_without_a_valid_csrf_token_is_refused(enrolled, factory, app, token, path):
    client, user, secret, _ = enrolled
    if path == SETUP:  # not yet enrolled, with a right code
        user = factory.user(Role.SCHOOL)
        client = app.test_client()
        sign_in(client, user)
        secret = setup_key(client)
    before = _state(user)
    data = {"code": code_at(secret), "password": PASSWORD, "codes-password": PASSWORD, "off-password": PASSWORD}
    if token:
        data["csrf_token"] = token
    response = client.post(path, data=data)
    assert response.status_code == 400
    assert _state(user) == before
    assert events("mfa_enrolled") == events("recovery_codes_renewed") == events("mfa_reset") == []
    assert len(events("csrf_failed")) == 1
