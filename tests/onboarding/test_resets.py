"""Forgotten passwords: asking for a link says nothing about who has an account; using it ends every session."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.extensions import db
from app.mail import outbox
from app.models import Role
from app.models.types import utcnow
from app.services import mfa, tokens
from tests.conftest import PASSWORD, CSRF_META, csrf_token, sign_in
from tests.onboarding import (
    BASE_URL,
    GOOD_PASSWORD,
    audit_rows,
    choose_password,
    link_in,
    local,
    mails_to,
    open_link,
    secret_of,
    token_rows,
    visible_text,
)

EXPIRED = "This link has expired or has already been used"
CONFIRMATION = "If there is an account for that email address, we have sent a link"


def ask_for_reset(client, email: str):
    return client.post("/forgotten-password", data={"email": email, "csrf_token": csrf_token(client, "/forgotten-password")})


def reset_link_for(app, user) -> str:
    outbox().clear()
    assert ask_for_reset(app.test_client(), user.email).status_code == 200
    [mail] = outbox()
    return link_in(mail)


def test_the_sign_in_page_links_to_the_reset_page(client):
    page = client.get("/sign-in").get_data(as_text=True)
    assert 'href="/forgotten-password"' in page and "Forgotten your password?" in page
    form = client.get("/forgotten-password").get_data(as_text=True)
    assert "Reset your password" in form and "novalidate" in form and 'name="csrf_token"' in form


def test_a_known_address_gets_a_link_built_from_base_url(app, factory):
    user = factory.user(Role.OFFICER, email="dana@example.org")
    client = app.test_client()
    response = ask_for_reset(client, "  Dana@Example.org ")
    assert response.status_code == 200 and CONFIRMATION in response.get_data(as_text=True)
    [mail] = outbox()
    assert mail.to == "dana@example.org"
    link = link_in(mail)
    assert link.startswith(f"{BASE_URL}/reset-password?token=")
    [token] = token_rows(user)
    assert token.purpose == "reset" and secret_of(link) not in token.token_hash
    assert abs((token.expires_at - token.created_at) - timedelta(minutes=60)) < timedelta(seconds=5)
    [row] = audit_rows("password_reset_requested")
    assert row.subject_user_id == user.id and row.user_id is None and row.detail["sent"] is True
    assert row.route == "POST /forgotten-password" and row.address == "127.0.0.1"


def test_an_unknown_address_gets_the_identical_page_and_no_mail(app, factory):
    factory.user(Role.OFFICER, email="dana@example.org")
    known = ask_for_reset(app.test_client(), "dana@example.org")
    unknown = ask_for_reset(app.test_client(), "nobody@example.org")
    assert known.status_code == unknown.status_code == 200
    assert visible_text(known.get_data(as_text=True)) == visible_text(unknown.get_data(as_text=True))
    assert [mail.to for mail in outbox()] == ["dana@example.org"]
    rows = audit_rows("password_reset_requested")
    assert rows[-1].email == "nobody@example.org" and rows[-1].subject_user_id is None and rows[-1].detail["sent"] is False


@pytest.mark.parametrize("fields", [{"active": False}, {"password_hash": None, "invited_at": utcnow()}], ids=["deactivated", "not-accepted"])
def test_no_link_for_a_deactivated_or_not_yet_accepted_account(app, factory, fields):
    user = factory.user(Role.OFFICER, **fields)
    response = ask_for_reset(app.test_client(), user.email)
    assert response.status_code == 200 and CONFIRMATION in response.get_data(as_text=True)
    assert outbox() == [] and token_rows(user) == []


def test_a_badly_formed_address_is_a_field_error(app):
    response = ask_for_reset(app.test_client(), "not an email")
    assert response.status_code == 422
    assert "Enter an email address in the correct format" in response.get_data(as_text=True)
    assert outbox() == []


def test_a_forged_host_header_does_not_change_the_link(app, factory):
    user = factory.user(Role.OFFICER)
    client = app.test_client()
    client.environ_base["HTTP_HOST"] = "evil.example"
    assert ask_for_reset(client, user.email).status_code == 200
    [mail] = outbox()
    assert link_in(mail).startswith(f"{BASE_URL}/reset-password?token=") and "evil.example" not in mail.body


def test_a_reset_sets_the_password_ends_every_session_and_tells_the_owner(app, factory):
    user = factory.user(Role.OFFICER)
    before = app.test_client()
    sign_in(before, user)
    assert before.get("/review").status_code == 200
    # Then someone guessing at the password locked the account.
    user.failed_sign_ins, user.first_failed_at, user.locked_until = 4, utcnow(), utcnow() + timedelta(minutes=10)
    db.session.flush()

    link = reset_link_for(app, user)
    client = app.test_client()
    page = open_link(client, link)
    assert page.status_code == 200 and "Choose a new password" in page.get_data(as_text=True)
    csrf = CSRF_META.search(page.get_data(as_text=True)).group(1)
    response = client.post("/reset-password", data={"password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD, "csrf_token": csrf})
    assert response.status_code == 303 and response.headers["Location"] == "/sign-in"
    assert "Your password has been changed" in client.get("/sign-in").get_data(as_text=True)

    db.session.refresh(user)
    assert user.password_changed_at is not None
    assert (user.failed_sign_ins, user.first_failed_at, user.locked_until) == (0, None, None)
    assert token_rows(user)[0].used_at is not None
    # The cookie captured before the reset no longer works.
    assert before.get("/review").status_code == 302
    # The owner is told, at their own address, without a link that changes anything.
    changed = [mail for mail in mails_to(user.email) if "was changed" in mail.subject]
    assert len(changed) == 1 and "token=" not in changed[0].body
    [row] = audit_rows("password_reset")
    assert (row.user_id, row.subject_user_id, row.route) == (user.id, user.id, "POST /reset-password")

    # Not signed in by the reset; the old password is gone and the new one works.
    assert client.get("/review").status_code == 302
    fresh = app.test_client()
    wrong = fresh.post("/sign-in", data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_token(fresh)})
    assert wrong.status_code == 422
    sign_in(fresh, user, GOOD_PASSWORD)


def test_a_reset_does_not_touch_two_step_verification(app, factory):
    user = factory.user(Role.OFFICER)
    secret = mfa.new_secret()
    user.mfa_secret, user.mfa_enabled_at = secret, utcnow()
    mfa.new_recovery_codes(user)
    db.session.flush()
    assert choose_password(app.test_client(), reset_link_for(app, user)).status_code == 303
    db.session.refresh(user)
    assert user.mfa_secret == secret and user.mfa_enabled
    assert mfa.recovery_codes_left(user) == mfa.RECOVERY_CODE_COUNT


def test_a_reset_link_works_once(app, factory):
    user = factory.user(Role.OFFICER)
    link = reset_link_for(app, user)
    assert choose_password(app.test_client(), link).status_code == 303
    response = choose_password(app.test_client(), link, "some other long password")
    assert response.status_code == 404 and EXPIRED in response.get_data(as_text=True)
    assert "Ask for a new link" in response.get_data(as_text=True)


def test_an_expired_reset_link_is_refused(app, factory):
    user = factory.user(Role.OFFICER)
    link = reset_link_for(app, user)
    [token] = token_rows(user)
    token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.flush()
    assert choose_password(app.test_client(), link).status_code == 404
    db.session.refresh(user)
    assert user.password_changed_at is None


def test_a_tampered_reset_link_is_refused(app, factory):
    user = factory.user(Role.OFFICER)
    link = reset_link_for(app, user)
    secret = secret_of(link)
    forged = f"{BASE_URL}/reset-password?token={secret[:-1]}{'A' if secret[-1] != 'A' else 'B'}"
    assert app.test_client().get(local(forged)).status_code == 404


def test_a_newer_reset_link_kills_the_older(app, factory):
    user = factory.user(Role.OFFICER)
    first = reset_link_for(app, user)
    second = reset_link_for(app, user)
    assert choose_password(app.test_client(), first).status_code == 404
    assert choose_password(app.test_client(), second).status_code == 303


def test_a_reset_link_dies_when_the_account_is_deactivated(app, factory):
    user = factory.user(Role.OFFICER)
    link = reset_link_for(app, user)
    user.active = False
    db.session.flush()
    assert choose_password(app.test_client(), link).status_code == 404


def test_another_persons_reset_link_changes_only_their_password(app, factory):
    mine = factory.user(Role.OFFICER)
    theirs = factory.user(Role.OFFICER)
    my_hash = mine.password_hash
    assert choose_password(app.test_client(), reset_link_for(app, theirs)).status_code == 303
    db.session.refresh(mine)
    assert mine.password_hash == my_hash and mine.session_version == 1


ACCEPTED = ["kettle orbit", ("purple kettle orbit lantern " * 3)[:64], ("purple kettle orbit lantern " * 5)[:128], "  spaces   at both ends  ", "🦊 fox in the 🌳 garden"]
REFUSED = [
    ("kettle orbi", "12 characters or more"),
    (("purple kettle orbit lantern " * 5)[:129], "128 characters or fewer"),
    ("qwerty123456", "too common"),
    ("Golden Thread forever", "name of this service"),
    ("fenmoor forever and ever", "name of this service"),
    ("dana.okafor@example.org", "your email address"),
    ("hello danaokafor 1", "your email address"),
]


@pytest.mark.parametrize("password", ACCEPTED, ids=["12", "64", "128", "spaces", "emoji"])
def test_the_reset_form_accepts_what_the_policy_allows(app, factory, password):
    user = factory.user(Role.OFFICER, email="dana.okafor@example.org")
    assert choose_password(app.test_client(), reset_link_for(app, user), password).status_code == 303
    sign_in(app.test_client(), user, password)


@pytest.mark.parametrize("password, message", REFUSED, ids=["11", "129", "common", "service", "council", "email", "email-name"])
def test_the_reset_form_refuses_what_the_policy_refuses_and_stores_nothing(app, factory, password, message):
    user = factory.user(Role.OFFICER, email="dana.okafor@example.org")
    old_hash = user.password_hash
    response = choose_password(app.test_client(), reset_link_for(app, user), password)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.password_hash == old_hash and user.session_version == 1
    assert token_rows(user)[0].used_at is None and audit_rows("password_reset") == []


def test_a_mismatched_confirmation_is_refused(app, factory):
    user = factory.user(Role.OFFICER)
    response = choose_password(app.test_client(), reset_link_for(app, user), GOOD_PASSWORD, confirm="something else entirely")
    assert response.status_code == 422 and "The passwords do not match" in response.get_data(as_text=True)


def test_at_most_three_links_an_hour_per_account(app, factory):
    user = factory.user(Role.OFFICER)
    for _ in range(3):
        assert ask_for_reset(app.test_client(), user.email).status_code == 200
    refused = ask_for_reset(app.test_client(), user.email)
    assert refused.status_code == 200 and CONFIRMATION in refused.get_data(as_text=True)
    assert len(mails_to(user.email)) == 3 and len(token_rows(user)) == 3
    assert audit_rows("password_reset_requested")[-1].detail == {"sent": False, "reason": "account mail limit"}
    # An hour later the account may be sent links again.
    for token in token_rows(user):
        token.created_at = utcnow() - timedelta(hours=1, seconds=1)
    db.session.flush()
    ask_for_reset(app.test_client(), user.email)
    assert len(mails_to(user.email)) == 4


def test_invitations_count_towards_the_account_limit(app, factory):
    user = factory.user(Role.OFFICER)
    for _ in range(3):
        tokens.issue(user, tokens.INVITATION, timedelta(hours=72))
    ask_for_reset(app.test_client(), user.email)
    assert mails_to(user.email) == []


def test_requests_from_one_address_are_limited(app):
    client = app.test_client()
    token = csrf_token(client, "/forgotten-password")
    statuses = [
        client.post("/forgotten-password", data={"email": f"person{n}@example.org", "csrf_token": token}).status_code
        for n in range(21)
    ]
    assert statuses[:20] == [200] * 20 and statuses[20] == 429
    other = app.test_client()
    response = other.post(
        "/forgotten-password",
        data={"email": "someone@example.org", "csrf_token": csrf_token(other, "/forgotten-password")},
        environ_base={"REMOTE_ADDR": "192.0.2.7"},
    )
    assert response.status_code == 200


def test_forged_or_missing_csrf_changes_nothing(app, factory):
    user = factory.user(Role.OFFICER)
    client = app.test_client()
    for data in ({"email": user.email, "csrf_token": "forged"}, {"email": user.email}):
        assert client.post("/forgotten-password", data=data).status_code == 400
    assert outbox() == [] and token_rows(user) == []

    link = reset_link_for(app, user)
    assert open_link(client, link).status_code == 200
    for data in ({"password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD, "csrf_token": "forged"}, {"password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD}):
        assert client.post("/reset-password", data=data).status_code == 400
    db.session.refresh(user)
    assert user.password_changed_at is None and token_rows(user)[0].used_at is None
