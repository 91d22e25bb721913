"""Your account: details, recent sign-ins and changing the password, through HTTP as a browser would."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.mail import outbox
from app.models import AuditEvent, Role, User
from app.services import users as user_service
from tests.conftest import PASSWORD, csrf_token, sign_in

ACCOUNT_PAGES = [
    ("GET", "/account"),
    ("GET", "/account/password"),
    ("POST", "/account/password"),
    ("GET", "/account/two-step-verification"),
    ("POST", "/account/two-step-verification"),
    ("POST", "/account/two-step-verification/recovery-codes"),
    ("POST", "/account/two-step-verification/turn-off"),
    ("GET", "/account/notices"),
    ("POST", "/account/notices"),
]


def events(name: str, user: User | None = None) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.event == name)
    if user is not None:
        query = query.where(AuditEvent.user_id == user.id)
    return list(db.session.scalars(query.order_by(AuditEvent.id)))


def change_password(client, current=PASSWORD, new="a brand new passphrase", confirm=None, **extra):
    data = {
        "current_password": current,
        "new_password": new,
        "confirm_password": new if confirm is None else confirm,
        "csrf_token": csrf_token(client, "/account/password"),
    }
    data.update(extra)
    return client.post("/account/password", data=data)


# Who may see the pages --------------------------------------------------------------------------


@pytest.mark.parametrize("method, path", ACCOUNT_PAGES)
def test_anonymous_users_are_sent_to_sign_in(client, method, path):
    data = {"csrf_token": csrf_token(client, "/accessibility")} if method == "POST" else None
    response = client.open(path, method=method, data=data)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")


@pytest.mark.parametrize("role", list(Role))
def test_every_role_has_an_account_page_in_the_navigation(app, factory, role):
    user = factory.user(role)
    client = app.test_client()
    sign_in(client, user)
    home = client.get(client.get("/").headers["Location"]).get_data(as_text=True)
    assert 'href="/account"' in home and "Your account" in home
    response = client.get("/account")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


# The account page -------------------------------------------------------------------------------


def test_the_account_page_shows_a_school_users_details(app, factory):
    school = factory.school(name="Heronfield Primary Academy")
    user = factory.user(Role.SCHOOL, school=school, name="Aisha Rahman", email="aisha.r@example.org")
    client = app.test_client()
    sign_in(client, user)
    page = client.get("/account").get_data(as_text=True)
    for text in ("Aisha Rahman", "aisha.r@example.org", "School staff", "Heronfield Primary Academy"):
        assert text in page
    assert "Not changed since your account was set up" in page
    assert "Two-step verification" in page and "Off" in page
    assert 'href="/account/password"' in page and 'href="/account/two-step-verification"' in page


def test_the_account_page_shows_council_staff_and_when_the_password_changed(app, factory):
    changed = datetime(2026, 7, 1, 13, 5, tzinfo=timezone.utc)  # 2:05pm in London (BST)
    officer = factory.user(Role.OFFICER, name="Dana Okafor", password_changed_at=changed)
    client = app.test_client()
    sign_in(client, officer)
    page = client.get("/account").get_data(as_text=True)
    assert "Council officer" in page and "None (council staff)" in page
    assert "Last changed 1 July 2026 at 2:05pm" in page


def test_recent_sign_ins_are_the_last_ten_of_this_user_only(app, factory):
    me = factory.user(Role.OFFICER)
    someone_else = factory.user(Role.OFFICER)
    start = datetime(2026, 1, 10, 9, 0, tzinfo=timezone.utc)
    for n in range(12):
        failed = n % 3 == 0
        db.session.add(
            AuditEvent(
                event="sign_in_failed" if failed else "sign_in",
                user_id=None if failed else me.id,
                subject_user_id=me.id,
                address=f"203.0.113.{n + 1}",
                occurred_at=start + timedelta(days=n),
            )
        )
    db.session.add(AuditEvent(event="sign_in", user_id=someone_else.id, subject_user_id=someone_else.id, address="198.51.100.77", occurred_at=start + timedelta(days=20)))
    db.session.add(AuditEvent(event="password_changed", user_id=me.id, subject_user_id=me.id, address="198.51.100.88", occurred_at=start + timedelta(days=21)))
    db.session.flush()
    client = app.test_client()
    sign_in(client, me)  # itself recorded as a sign-in, the newest
    page = client.get("/account").get_data(as_text=True)
    table = page.split('id="recent-sign-ins"', 1)[1]
    assert table.count('<tr class="govuk-table__row">') == 1 + 10  # the head and ten sign-ins
    # Newest first; the sign-in just made may take one of the ten places.
    for n in range(3, 12):
        assert f"203.0.113.{n + 1}<" in table
    assert "203.0.113.1<" not in table and "203.0.113.2<" not in table
    assert table.index("203.0.113.12<") < table.index("203.0.113.4<")
    assert "198.51.100.77" not in page and "198.51.100.88" not in page
    # 21 January 2026, 9am UTC, is 9am in London (GMT); failures are marked as such.
    assert "21 January 2026 at 9am" in table
    assert "Failed" in table and "Signed in" in table


def test_html_in_a_name_or_address_is_shown_as_text(app, factory):
    user = factory.user(Role.OFFICER, name='<script>alert("name")</script>')
    db.session.add(AuditEvent(event="sign_in", user_id=user.id, address="<img src=x onerror=alert(1)>"))
    db.session.flush()
    client = app.test_client()
    sign_in(client, user)
    page = client.get("/account").get_data(as_text=True)
    assert '<script>alert("name")</script>' not in page and "&lt;script&gt;" in page
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


# Changing the password --------------------------------------------------------------------------


def test_the_change_password_page_has_the_three_fields(school_client):
    page = school_client.get("/account/password").get_data(as_text=True)
    assert 'autocomplete="current-password"' in page
    assert page.count('autocomplete="new-password"') == 2
    assert "novalidate" in page
    for label in ("Current password", "New password", "Confirm new password"):
        assert label in page


def test_the_wrong_current_password_is_refused_and_nothing_changes(school_client, school_user):
    before = school_user.password_hash
    response = change_password(school_client, current="not my password")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Your password is wrong" in page and "<title>Error: Change your password" in page
    assert 'href="#current_password"' in page  # the error summary points at the field
    db.session.refresh(school_user)
    assert school_user.password_hash == before and school_user.password_changed_at is None
    assert outbox() == [] and events("password_changed") == []


@pytest.mark.parametrize(
    "password, problem",
    [
        ("x" * 4 + "shortpw", "Password must be 12 characters or more"),  # 11 characters
        ("qwerty123456", "too common"),
        ("Password1234", "too common"),
        ("Golden Thread rocks!", "must not contain"),
        ("my fenmoor password", "must not contain"),
        ("a" * 129, "Password must be 128 characters or fewer"),
    ],
)
def test_the_password_policy_refuses(school_client, school_user, password, problem):
    assert len("x" * 4 + "shortpw") == 11
    before = school_user.password_hash
    response = change_password(school_client, new=password)
    assert response.status_code == 422
    assert problem in response.get_data(as_text=True)
    db.session.refresh(school_user)
    assert school_user.password_hash == before


def test_the_users_own_email_is_refused(app, factory):
    user = factory.user(Role.OFFICER, email="kestrel.moorhouse@example.org")
    client = app.test_client()
    sign_in(client, user)
    for password in ("kestrel.moorhouse@example.org!", "Kestrel.Moorhouse is me"):
        response = change_password(client, new=password)
        assert response.status_code == 422
        assert "must not contain your email address" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "password",
    [
        "twelve chars",  # 12, with a space
        "correct pony staple mirror lantern " + "x" * 29,  # 64
        "Ünïcödé wörds ünd mörë" + "ő" * 106,  # 128, none of it ASCII-only
        "🦊🦊 fox in the snow 🌨️ at dawn",
        "    spaces    around    ",
    ],
)
def test_the_password_policy_accepts(school_client, school_user, password):
    assert len(password) >= 12 and len(password) <= 128
    response = change_password(school_client, new=password)
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    assert user_service.authenticate(school_user.email, password) is not None
    assert user_service.authenticate(school_user.email, PASSWORD) is None


def test_lengths_12_64_and_128_are_accepted(school_client, school_user):
    for length in (12, 64, 128):
        password = ("plum orchard " * 20)[:length]
        assert len(password) == length
        current = PASSWORD if length == 12 else ("plum orchard " * 20)[: {64: 12, 128: 64}[length]]
        response = change_password(school_client, current=current, new=password)
        assert response.status_code == 303, (length, response.get_data(as_text=True)[:2000])
    assert user_service.authenticate(school_user.email, ("plum orchard " * 20)[:128]) is not None


def test_a_mismatched_confirmation_is_refused(school_client, school_user):
    before = school_user.password_hash
    response = change_password(school_client, new="a brand new passphrase", confirm="a brand new passphrasE")
    assert response.status_code == 422
    assert "The passwords do not match" in response.get_data(as_text=True)
    db.session.refresh(school_user)
    assert school_user.password_hash == before


def test_the_new_password_must_differ_from_the_current_one(school_client):
    response = change_password(school_client, new=PASSWORD)
    assert response.status_code == 422
    assert "must be different from your current password" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("current_password", "x" * 1025, "Password must be 1,024 characters or fewer"),
        ("new_password", "y" * 5000, "Password must be 128 characters or fewer"),
        ("confirm_password", "z" * 5000, "Password must be 1,024 characters or fewer"),
        ("current_password", "", "Enter your current password"),
        ("new_password", "", "Enter a new password"),
        ("confirm_password", "", "Confirm your new password"),
    ],
)
def test_missing_or_too_long_inputs_are_field_errors(school_client, field, value, message):
    response = change_password(school_client, **{field: value})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_passwords_are_never_echoed_back(school_client):
    evil = '"><script>alert(1)</script>'
    response = change_password(school_client, current=evil, new=evil + " padding", confirm=evil)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<script>alert(1)</script>" not in page and "alert(1)" not in page


def test_a_change_ends_every_other_session_but_keeps_this_one(app, school_client, school_user):
    other_browser = app.test_client()
    sign_in(other_browser, school_user)
    assert other_browser.get("/account").status_code == 200
    with school_client.session_transaction() as session:
        signed_in_at = session.get("signed_in_at")
    response = change_password(school_client, new="a brand new passphrase")
    assert response.status_code == 303 and response.headers["Location"] == "/account"
    page = school_client.get("/account").get_data(as_text=True)
    assert "Your password has been changed" in page and "govuk-notification-banner--success" in page
    with school_client.session_transaction() as session:
        assert session.get("signed_in_at") == signed_in_at  # the absolute timeout is not reset
    refused = other_browser.get("/account")
    assert refused.status_code == 302 and refused.headers["Location"].startswith("/sign-in")
    db.session.refresh(school_user)
    assert school_user.password_changed_at is not None
    assert user_service.authenticate(school_user.email, "a brand new passphrase") is not None
    assert [event.subject_user_id for event in events("password_changed")] == [school_user.id]
    mails = [mail for mail in outbox() if mail.to == school_user.email]
    assert len(mails) == 1 and "password has been changed" in mails[0].subject
    assert "If it was not you" in mails[0].body and app.config["SUPPORT_EMAIL"] in mails[0].body
    assert "a brand new passphrase" not in mails[0].body


def test_a_cookie_captured_before_the_change_is_refused_afterwards(app, school_client, school_user):
    stolen = school_client.get_cookie("golden_thread_session").value
    assert change_password(school_client).status_code == 303
    replay = app.test_client()
    replay.set_cookie("golden_thread_session", stolen)
    response = replay.get("/account")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


def test_two_long_passwords_sharing_their_first_72_bytes_are_told_apart(school_client, school_user):
    prefix = "pale green meadow " * 4  # 72 bytes
    assert len(prefix.encode()) == 72
    first, second = prefix + "and a barn owl", prefix + "and a red kite"
    assert len(first) == len(second) and len(first) <= 100
    assert change_password(school_client, new=first).status_code == 303
    assert user_service.authenticate(school_user.email, first) is not None
    assert user_service.authenticate(school_user.email, second) is None


@pytest.mark.parametrize("token", [None, "forged-token", "IjEyMyI.abc.def"])
def test_a_change_without_a_valid_csrf_token_is_refused(school_client, school_user, token):
    before = school_user.password_hash
    data = {"current_password": PASSWORD, "new_password": "a brand new passphrase", "confirm_password": "a brand new passphrase"}
    if token:
        data["csrf_token"] = token
    response = school_client.post("/account/password", data=data)
    assert response.status_code == 400
    db.session.refresh(school_user)
    assert school_user.password_hash == before and school_user.password_changed_at is None
    assert outbox() == [] and events("password_changed") == []
    assert school_client.get("/account").status_code == 200  # still signed in


def test_wrong_current_passwords_are_rate_limited_per_account(app, school_client, school_user):
    app.config["MFA_CODE_RATE_LIMIT"] = "3 per minute"
    try:
        statuses = [change_password(school_client, current="wrong password").status_code for _ in range(4)]
        assert statuses == [422, 422, 422, 429]
        assert change_password(school_client).status_code == 429
        db.session.refresh(school_user)
        assert user_service.authenticate(school_user.email, PASSWORD) is not None
    finally:
        app.config["MFA_CODE_RATE_LIMIT"] = "10 per 5 minutes"


def test_a_right_password_does_not_use_up_the_allowance(app, school_client, school_user):
    app.config["MFA_CODE_RATE_LIMIT"] = "2 per minute"
    try:
        assert change_password(school_client, new="first new passphrase").status_code == 303
        assert change_password(school_client, current="first new passphrase", new="second new passphrase").status_code == 303
        assert change_password(school_client, current="second new passphrase", new="third new passphrase").status_code == 303
    finally:
        app.config["MFA_CODE_RATE_LIMIT"] = "10 per 5 minutes"


def test_a_refused_change_writes_nothing_to_the_users_table(school_client, school_user):
    columns = (User.password_hash, User.password_changed_at, User.session_version)
    before = db.session.execute(select(*columns).where(User.id == school_user.id)).one()
    change_password(school_client, current="wrong password")
    change_password(school_client, new="short")
    change_password(school_client, confirm="something else entirely")
    db.session.expire_all()
    assert db.session.execute(select(*columns).where(User.id == school_user.id)).one() == before
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.event == "password_changed")) == 0
