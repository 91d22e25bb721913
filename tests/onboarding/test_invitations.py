"""Invitations: one at a time and from a CSV file, accepting them, and every way a link can be wrong."""

from __future__ import annotations

import codecs
import hashlib
import logging
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.mail import outbox
from app.models import AccountToken, AuditEvent, Role, User
from app.models.types import utcnow
from app.services import tokens
from tests.conftest import CSRF_META, csrf_token, sign_in
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
)

EXPIRED = "This link has expired or has already been used"


def user_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def invite(client, **overrides):
    data = {
        "name": "Jo Bloggs",
        "email": "jo.bloggs@example.org",
        "role": "officer",
        "school_id": "",
        "csrf_token": csrf_token(client, "/admin/users/new"),
    }
    data.update(overrides)
    return client.post("/admin/users/new", data={k: v for k, v in data.items() if v is not None})


def invited_user(factory, **fields) -> tuple[User, str]:
    """An invited account and the link its mail would carry, made straight in the database."""
    user = factory.user(Role.OFFICER, password_hash=None, invited_at=utcnow(), **fields)
    secret = tokens.issue(user, tokens.INVITATION, timedelta(hours=72))
    return user, f"{BASE_URL}/invitation?token={secret}"


# Inviting one person -----------------------------------------------------------------------------


def test_the_create_account_form_has_no_password_field(admin_client):
    page = admin_client.get("/admin/users/new").get_data(as_text=True)
    assert 'type="password"' not in page and 'name="password"' not in page
    assert "Create account and send invitation" in page


def test_invite_one_mails_a_link_built_from_base_url_and_keeps_only_its_hash(admin_client, admin):
    response = invite(admin_client, email="Jo.Bloggs@Example.org ")
    assert response.status_code == 303
    user = by_email("jo.bloggs@example.org")
    assert user.password_hash is None and user.invited_at is not None and user.active
    assert response.headers["Location"] == f"/admin/users/{user.id}"
    follow = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "We have sent an invitation to jo.bloggs@example.org" in follow
    assert "not yet accepted" in follow

    [mail] = outbox()
    assert mail.to == "jo.bloggs@example.org"
    link = link_in(mail)
    assert link.startswith(f"{BASE_URL}/invitation?token=")
    secret = secret_of(link)
    assert len(secret) >= 40
    [token] = token_rows(user)
    assert token.purpose == "invitation" and token.created_by_id == admin.id
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    for column in AccountToken.__table__.columns:
        assert secret not in str(getattr(token, column.key)), column.key
    assert abs((token.expires_at - token.created_at) - timedelta(hours=72)) < timedelta(seconds=5)

    for event in ("user_created", "invitation_sent"):
        [row] = audit_rows(event)
        assert (row.user_id, row.subject_user_id) == (admin.id, user.id)
        assert row.address == "127.0.0.1" and row.route == "POST /admin/users/new"
        assert secret not in repr(row.detail)


def test_an_invited_school_user_gets_their_school(admin_client, factory):
    school = factory.school()
    assert invite(admin_client, role="school", school_id=str(school.id)).status_code == 303
    assert by_email("jo.bloggs@example.org").school_id == school.id


def test_an_invited_person_cannot_sign_in_before_accepting(app, admin_client):
    invite(admin_client)
    client = app.test_client()
    response = client.post(
        "/sign-in", data={"email": "jo.bloggs@example.org", "password": "", "csrf_token": csrf_token(client)}
    )
    assert response.status_code == 422


def test_inviting_an_existing_email_is_refused_and_sends_nothing(admin_client, factory):
    factory.user(Role.OFFICER, email="dana@example.org")
    before = user_count()
    response = invite(admin_client, email="DANA@example.org")
    assert response.status_code == 422
    assert "An account with this email address already exists" in response.get_data(as_text=True)
    assert user_count() == before and outbox() == []


def test_a_forged_host_header_does_not_change_the_link(app, admin):
    client = app.test_client()
    client.environ_base["HTTP_HOST"] = "evil.example"
    sign_in(client, admin)
    assert invite(client).status_code == 303
    [mail] = outbox()
    assert link_in(mail).startswith(f"{BASE_URL}/invitation?token=")
    assert "evil.example" not in mail.body


# Accepting ---------------------------------------------------------------------------------------


def test_accept_a_valid_invitation(app, admin_client, admin):
    invite(admin_client)
    user = by_email("jo.bloggs@example.org")
    link = link_in(mails_to(user.email)[0])
    client = app.test_client()

    arrival = client.get(local(link))
    assert arrival.status_code == 303 and arrival.headers["Location"] == "/invitation"
    page = client.get("/invitation")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Hello Jo Bloggs." in text and "jo.bloggs@example.org" in text
    assert "Create a password" in text and "Confirm password" in text
    assert "12 characters or more" in text and "including spaces" in text and "three random words" in text
    assert 'autocomplete="new-password"' in text and "govuk-password-input" in text

    token = CSRF_META.search(text).group(1)
    response = client.post("/invitation", data={"password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD, "csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"] == "/sign-in"
    assert "Your password is set. Sign in to continue" in client.get("/sign-in").get_data(as_text=True)

    db.session.refresh(user)
    assert user.password_hash and GOOD_PASSWORD not in user.password_hash
    assert user.invited_at is not None and user.password_changed_at is not None
    [token_row] = token_rows(user)
    assert token_row.used_at is not None
    [row] = audit_rows("invitation_accepted")
    assert (row.user_id, row.subject_user_id, row.route) == (user.id, user.id, "POST /invitation")

    # Not signed in by accepting: they sign in as anyone does (and MFA is asked there if required).
    assert client.get("/review").status_code == 302
    sign_in(client, user, GOOD_PASSWORD)
    assert client.get("/review").status_code == 200


def test_accepting_with_htmx_gets_hx_redirect(app, factory):
    _, link = invited_user(factory)
    response = choose_password(app.test_client(), link, **{"HX-Request": "true"})
    assert response.status_code == 204 and response.headers["HX-Redirect"] == "/sign-in"


def assert_link_dead(client, link, kind="invitation"):
    response = client.get(local(link))
    text = response.get_data(as_text=True)
    assert response.status_code == 404
    assert EXPIRED in text
    assert ("send you a new invitation" if kind == "invitation" else "Ask for a new link") in text
    # No hint of whose link it was, or whether the address exists.
    assert "@example.org" not in text.replace("school.improvement@fenmoor.example.org", "")


def test_an_expired_link_is_refused(app, factory):
    user, link = invited_user(factory)
    [token] = token_rows(user)
    token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.flush()
    assert_link_dead(app.test_client(), link)


def test_a_link_that_expires_while_the_form_is_open_stores_nothing(app, factory):
    user, link = invited_user(factory)
    client = app.test_client()
    page = open_link(client, link)
    assert page.status_code == 200
    [token] = token_rows(user)
    token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.flush()
    csrf = CSRF_META.search(page.get_data(as_text=True)).group(1)
    response = client.post("/invitation", data={"password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD, "csrf_token": csrf})
    assert response.status_code == 404 and EXPIRED in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.password_hash is None


def test_a_used_link_is_refused(app, factory):
    user, link = invited_user(factory)
    assert choose_password(app.test_client(), link).status_code == 303
    db.session.refresh(user)
    first_hash = user.password_hash
    other = app.test_client()
    assert_link_dead(other, link)
    assert choose_password(other, link, "a different password entirely").status_code == 404
    db.session.refresh(user)
    assert user.password_hash == first_hash


def test_the_same_form_posted_twice_sets_the_password_once(app, factory):
    user, link = invited_user(factory)
    client = app.test_client()
    page = open_link(client, link)
    csrf = CSRF_META.search(page.get_data(as_text=True)).group(1)
    data = {"password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD, "csrf_token": csrf}
    assert client.post("/invitation", data=data).status_code == 303
    assert client.post("/invitation", data=data | {"password": "another long passphrase", "confirm": "another long passphrase"}).status_code == 404
    assert len(audit_rows("invitation_accepted")) == 1


@pytest.mark.parametrize(
    "tamper",
    [
        lambda s: s[:-1] + ("A" if s[-1] != "A" else "B"),
        lambda s: ("A" if s[0] != "A" else "B") + s[1:],
        lambda s: s[:-1],
        lambda s: s + "x",
        lambda s: "",
        lambda s: "x" * 5000,
        lambda s: "' OR 1=1 --",
        lambda s: hashlib.sha256(s.encode()).hexdigest(),  # the stored hash is not a key
    ],
    ids=["last-char", "first-char", "shorter", "longer", "empty", "huge", "sql", "the-hash"],
)
def test_a_tampered_link_is_refused(app, factory, tamper):
    user, link = invited_user(factory)
    forged = f"{BASE_URL}/invitation?token={tamper(secret_of(link))}"
    client = app.test_client()
    response = client.get(local(forged))
    assert response.status_code == 404 and EXPIRED in response.get_data(as_text=True)
    assert client.get("/invitation").status_code == 404  # nothing was kept in the session
    db.session.refresh(user)
    assert user.password_hash is None


def test_the_form_without_a_link_is_not_found(app):
    client = app.test_client()
    assert client.get("/invitation").status_code == 404
    response = client.post("/invitation", data={"password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD, "csrf_token": csrf_token(client)})
    assert response.status_code == 404


def test_a_revoked_link_is_refused(app, factory):
    user, link = invited_user(factory)
    tokens.revoke_all(user, tokens.INVITATION)
    db.session.flush()
    assert_link_dead(app.test_client(), link)


def test_a_deactivated_persons_invitation_is_refused(app, factory):
    user, link = invited_user(factory, active=False)
    assert_link_dead(app.test_client(), link)


def test_a_reset_link_does_not_work_as_an_invitation_or_the_other_way_round(app, factory):
    user, invitation = invited_user(factory)
    reset_secret = tokens.issue(user, tokens.RESET, timedelta(minutes=60))
    client = app.test_client()
    assert_link_dead(client, f"{BASE_URL}/invitation?token={reset_secret}")
    assert_link_dead(client, f"{BASE_URL}/reset-password?token={secret_of(invitation)}", kind="reset")
    db.session.refresh(user)
    assert user.password_hash is None
    assert all(row.used_at is None for row in token_rows(user))


def test_another_persons_link_sets_only_their_password(app, factory):
    first, _ = invited_user(factory, email="first@example.org")
    second, second_link = invited_user(factory, email="second@example.org")
    assert choose_password(app.test_client(), second_link).status_code == 303
    db.session.refresh(first)
    db.session.refresh(second)
    assert first.password_hash is None and second.password_hash is not None
    assert all(row.used_at is None for row in token_rows(first))


def test_resending_kills_the_old_link_and_the_new_one_works(app, admin_client, admin):
    invite(admin_client)
    user = by_email("jo.bloggs@example.org")
    old = link_in(outbox()[0])
    response = admin_client.post(f"/admin/users/{user.id}/invitation/resend", data={"csrf_token": csrf_token(admin_client, "/admin/")})
    assert response.status_code == 303
    new = link_in(outbox()[1])
    assert new != old
    client = app.test_client()
    assert_link_dead(client, old)
    assert choose_password(client, new).status_code == 303


def test_forged_or_missing_csrf_on_accepting_changes_nothing(app, factory):
    user, link = invited_user(factory)
    client = app.test_client()
    assert open_link(client, link).status_code == 200
    for token in ("forged", None):
        data = {"password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD}
        if token:
            data["csrf_token"] = token
        assert client.post("/invitation", data=data).status_code == 400
    db.session.refresh(user)
    assert user.password_hash is None and token_rows(user)[0].used_at is None


# The password policy, on the invitation form (the reset form is tested the same way) -----------

ACCEPTED = {
    "12 characters": "kettle orbit",
    "64 characters": ("purple kettle orbit lantern " * 3)[:64],
    "128 characters": ("purple kettle orbit lantern " * 5)[:128],
    "spaces": "  spaces   at both ends  ",
    "emoji": "🦊 fox in the 🌳 garden",
    "any unicode": "Ærøskøbing fjord 海の日 ß",
}
REFUSED = {
    "11 characters": ("kettle orbi", "12 characters or more"),
    "129 characters": (("purple kettle orbit lantern " * 5)[:129], "128 characters or fewer"),
    "common": ("qwerty123456", "too common"),
    "common, other case": ("LeaveMeAlone", "too common"),
    "one letter repeated": ("a" * 20, "too common"),
    "the service": ("my golden thread password", "name of this service"),
    "the service, squashed": ("GoldenThread2026!!", "name of this service"),
    "the council": ("Fenmoor schools are great", "name of this service"),
    "the council, full": ("fenmoor borough council 1", "name of this service"),
    "their email": ("jo.bloggs@example.org!", "your email address"),
    "their email's name": ("I am jobloggs, hello", "your email address"),
}


@pytest.mark.parametrize("password", ACCEPTED.values(), ids=ACCEPTED.keys())
def test_passwords_the_policy_accepts(app, factory, password):
    user, link = invited_user(factory, email="jo.bloggs@example.org")
    client = app.test_client()
    assert choose_password(client, link, password).status_code == 303
    sign_in(client, user, password)


@pytest.mark.parametrize("password, message", REFUSED.values(), ids=REFUSED.keys())
def test_passwords_the_policy_refuses_store_nothing(app, factory, password, message):
    user, link = invited_user(factory, email="jo.bloggs@example.org")
    response = choose_password(app.test_client(), link, password)
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in text and "govuk-error-summary" in text
    assert password not in text  # a password is never written back into the page
    db.session.refresh(user)
    assert user.password_hash is None and token_rows(user)[0].used_at is None
    assert audit_rows("invitation_accepted") == []


def test_a_confirmation_that_does_not_match_is_refused(app, factory):
    user, link = invited_user(factory)
    response = choose_password(app.test_client(), link, GOOD_PASSWORD, confirm=GOOD_PASSWORD + "x")
    assert response.status_code == 422
    assert "The passwords do not match" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.password_hash is None


def test_a_refused_password_can_be_corrected_with_the_same_link(app, factory):
    user, link = invited_user(factory)
    client = app.test_client()
    page = choose_password(client, link, "short")
    assert page.status_code == 422
    csrf = CSRF_META.search(page.get_data(as_text=True)).group(1)
    response = client.post("/invitation", data={"password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD, "csrf_token": csrf})
    assert response.status_code == 303


# No secret in any log line -------------------------------------------------------------------------


@pytest.fixture
def every_logger_on():
    """Alembic's fileConfig (run by the migrations when the test app is made) disables every logger
    that existed before it, the app's own included; switch them back on for this test."""
    loggers = [logger for logger in logging.root.manager.loggerDict.values() if isinstance(logger, logging.Logger)]
    disabled = [logger for logger in loggers if logger.disabled]
    for logger in disabled:
        logger.disabled = False
    yield
    for logger in disabled:
        logger.disabled = True


def test_no_link_secret_is_ever_logged_or_audited(app, admin_client, admin, caplog, every_logger_on):
    caplog.set_level(logging.DEBUG)
    invite(admin_client)
    user = by_email("jo.bloggs@example.org")
    admin_client.post(f"/admin/users/{user.id}/invitation/resend", data={"csrf_token": csrf_token(admin_client, "/admin/")})
    client = app.test_client()
    assert choose_password(client, link_in(outbox()[-1])).status_code == 303
    client.post("/forgotten-password", data={"email": user.email, "csrf_token": csrf_token(client, "/forgotten-password")})
    reset_link = link_in(outbox()[-1])
    assert "/reset-password?token=" in reset_link
    assert choose_password(client, reset_link, "another long passphrase here").status_code == 303

    secrets_sent = [secret_of(link_in(mail)) for mail in outbox() if "token=" in mail.body]
    assert len(secrets_sent) == 3
    logged = caplog.text + "".join(repr(record.args) for record in caplog.records)
    assert any("Mail" in record.getMessage() for record in caplog.records), "the test would prove nothing"
    audited = repr([(row.route, row.email, row.detail) for row in db.session.scalars(select(AuditEvent))])
    for secret in secrets_sent:
        assert secret not in logged
        assert secret not in audited


# Inviting many people from a CSV file --------------------------------------------------------------

HEADER = "name,email,role,school_urn\n"


def upload(client, content: bytes | str, filename: str = "people.csv", csrf: str | None = "real"):
    import io

    if isinstance(content, str):
        content = content.encode("utf-8")
    data = {"people": (io.BytesIO(content), filename)}
    if csrf == "real":
        data["csrf_token"] = csrf_token(client, "/admin/users/invite-many")
    elif csrf is not None:
        data["csrf_token"] = csrf
    return client.post("/admin/users/invite-many", data=data, content_type="multipart/form-data")


def test_the_invite_many_page_explains_the_file(admin_client):
    page = admin_client.get("/admin/users/invite-many").get_data(as_text=True)
    assert "name,email,role,school_urn" in page and "500" in page and 'type="file"' in page
    assert 'enctype="multipart/form-data"' in page and "novalidate" in page


@pytest.mark.parametrize("bom", [b"", codecs.BOM_UTF8], ids=["utf-8", "utf-8 with BOM"])
def test_a_good_file_creates_and_mails_everyone(admin_client, admin, factory, bom):
    school = factory.school(urn="123456", name="Heronfield Primary")
    content = (
        "Name,Email,Role,School_URN,,\r\n"
        + "Aisha Rahman,aisha@example.org,school,123456\n"
        + "Dana Okafor,DANA@example.org,officer,\n"
        + '"Zoë O\'Neill, Jr",zoe@example.org,Administrator,\n'
        + "\n"  # blank lines are skipped
        + "Sam Lee,sam@example.org,School staff, 123456 ,,\n"  # empty columns at the end are ignored
    ).encode("utf-8")
    response = upload(admin_client, bom + content)
    assert response.status_code == 303 and response.headers["Location"] == "/admin/users"
    assert "4 accounts created and invitations sent" in admin_client.get("/admin/users").get_data(as_text=True)

    people = {email: by_email(email) for email in ("aisha@example.org", "dana@example.org", "zoe@example.org", "sam@example.org")}
    assert people["aisha@example.org"].school_id == school.id and people["aisha@example.org"].role == "school"
    assert people["dana@example.org"].role == "officer" and people["dana@example.org"].school_id is None
    assert people["zoe@example.org"].role == "admin" and people["zoe@example.org"].name == "Zoë O'Neill, Jr"
    assert people["sam@example.org"].school_id == school.id
    assert all(person.password_hash is None and person.invited_at for person in people.values())
    assert sorted(mail.to for mail in outbox()) == sorted(people)
    links = {link_in(mail) for mail in outbox()}
    assert len(links) == 4 and all(link.startswith(f"{BASE_URL}/invitation?token=") for link in links)
    assert len(audit_rows("user_created")) == 4 and len(audit_rows("invitation_sent")) == 4
    assert all(row.user_id == admin.id and row.route == "POST /admin/users/invite-many" for row in audit_rows("invitation_sent"))


@pytest.mark.parametrize(
    "row, problem",
    [
        ("Jo,not-an-email,officer,", "‘not-an-email’ is not an email address in the correct format"),
        ("Jo,jo@example.org' OR '1'='1,officer,", "is not an email address in the correct format"),
        (",jo@example.org,officer,", "Enter the person&#39;s full name"),
        ("Jo,,officer,", "Enter an email address"),
        ("Jo,jo@example.org,school,999999", "No school with URN 999999 is on the register"),
        ("Jo,jo@example.org,school,654321", "(URN 654321) is closed"),
        ("Jo,jo@example.org,school,12ab", "School URN must be 6 or 7 digits"),
        ("Jo,jo@example.org,school,", "Enter the school&#39;s URN"),
        ("Jo,ALREADY@example.org,officer,", "An account with ‘already@example.org’ already exists"),
        ("Jo,first@EXAMPLE.org,officer,", "‘first@example.org’ is also on line 2"),
        ("Jo,jo@example.org,superuser,", "Role must be school, officer or admin, not ‘superuser’"),
        ("Jo,jo@example.org,,", "Enter a role"),
        ("Jo,jo@example.org,officer,123456", "Leave school_urn empty for council officers and administrators"),
        ("Jo,jo@example.org,officer,,extra", "more columns than the first row"),
        ("J" * 121 + ",jo@example.org,officer,", "Full name must be 120 characters or fewer"),
    ],
    ids=[
        "bad-email", "sql-email", "no-name", "no-email", "unknown-urn", "closed-school", "bad-urn", "school-without-urn",
        "existing-email", "duplicate-in-file", "wrong-role", "no-role", "officer-with-urn", "extra-column", "long-name",
    ],
)
def test_one_bad_row_creates_and_mails_nobody(admin_client, factory, row, problem):
    factory.school(urn="123456")
    factory.school(urn="654321", status="Closed")
    factory.user(Role.OFFICER, email="already@example.org")
    before = user_count()
    content = HEADER + "First Person,first@example.org,officer,\n" + row + "\n" + "Last Person,last@example.org,admin,\n"
    response = upload(admin_client, content)
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Nobody was invited" in text and "govuk-error-summary" in text
    table = text[text.index('id="invitation-problems"'):]
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">3</td>' in table
    assert problem in table
    assert user_count() == before and outbox() == []
    assert db.session.scalar(select(func.count()).select_from(AccountToken)) == 0
    assert audit_rows("invitation_sent") == []


def test_every_problem_is_listed_with_its_line(admin_client):
    content = HEADER + "A,a@example.org,officer,\n" + '"Multi\nline",bad,officer,\n' + "C,c@example.org,wizard,\n"
    text = upload(admin_client, content).get_data(as_text=True)
    table = text[text.index('id="invitation-problems"'):]
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">3</td>' in table  # the quoted name starts on line 3
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">5</td>' in table  # ... so the next row is line 5
    assert "2 problems" in table


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "The selected file is empty"),
        (b"  \n\n", "The selected file is empty"),
        (HEADER.encode(), "has only the row of column names"),
        (b"full name,email address,role\nJo,jo@example.org,officer\n", "The first row of the file must be the column names"),
        (b"Jo,jo@example.org,officer,\n", "The first row of the file must be the column names"),
        (codecs.BOM_UTF16_LE + HEADER.encode("utf-16-le"), "UTF-16"),
        (b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 100, "spreadsheet (.xlsx)"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a CSV file"),
        (HEADER.encode() + "Zoë,zoe@example.org,officer,\n".encode("cp1252"), "not UTF-8 text"),
    ],
    ids=["empty", "blank", "header-only", "wrong-header", "no-header", "utf-16", "xlsx", "binary", "windows-1252"],
)
def test_files_that_are_not_a_usable_csv_are_refused(admin_client, content, message):
    before = user_count()
    response = upload(admin_client, content)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert user_count() == before and outbox() == []


def test_more_than_500_people_are_refused(admin_client):
    rows = "".join(f"Person {n},person{n}@example.org,officer,\n" for n in range(501))
    response = upload(admin_client, HEADER + rows)
    assert response.status_code == 422
    assert "The selected file has 501 people in it. Invite 500 or fewer at a time" in response.get_data(as_text=True)
    assert outbox() == []


def test_500_people_are_invited(admin_client):
    before = user_count()
    rows = "".join(f"Person {n},person{n}@example.org,officer,\n" for n in range(500))
    assert upload(admin_client, HEADER + rows).status_code == 303
    assert user_count() == before + 500 and len(outbox()) == 500


def test_no_file_is_an_error_beside_the_field(admin_client):
    token = csrf_token(admin_client, "/admin/users/invite-many")
    response = admin_client.post("/admin/users/invite-many", data={"csrf_token": token})
    assert response.status_code == 422
    assert "Select a CSV file of people to invite" in response.get_data(as_text=True)


def test_hostile_text_in_a_file_comes_back_escaped_and_is_stored_as_text(admin_client, factory):
    hostile = '<script>alert("x")</script>'
    quoted = '"' + hostile.replace('"', '""') + '"'
    response = upload(admin_client, HEADER + f"{quoted},bad,<img src=x onerror=alert(1)>,\n")
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<img src=x" not in text and "&lt;img src=x onerror=alert(1)&gt;" in text

    sql = "Robert'); DROP TABLE users;--"
    content = HEADER + f"{quoted},h@example.org,officer,\n{sql},r@example.org,officer,\n"
    assert upload(admin_client, content).status_code == 303
    assert by_email("h@example.org").name == hostile and by_email("r@example.org").name == sql
    page = admin_client.get("/admin/users").get_data(as_text=True)
    assert hostile not in page and "&lt;script&gt;" in page
    assert "Robert&#39;); DROP TABLE users;--" in page


def test_a_formula_in_a_name_is_stored_as_text(admin_client):
    assert upload(admin_client, HEADER + "=HYPERLINK(\"http://x\"),f@example.org,officer,\n").status_code == 303
    assert by_email("f@example.org").name == '=HYPERLINK("http://x")'


def test_forged_or_missing_csrf_on_the_upload_changes_nothing(admin_client):
    before = user_count()
    content = HEADER + "Jo,jo@example.org,officer,\n"
    assert upload(admin_client, content, csrf="forged").status_code == 400
    assert upload(admin_client, content, csrf=None).status_code == 400
    assert user_count() == before and outbox() == []


def test_an_account_created_meanwhile_stops_the_batch_before_any_mail(app, factory, admin):
    from app.services import invitations
    from app.services.invitations import Invitee
    from app.services.users import UserRuleError

    factory.user(Role.OFFICER, email="taken@example.org")
    invitees = [Invitee(2, "A Person", "a@example.org", "officer", None), Invitee(3, "B Person", "taken@example.org", "officer", None)]
    with app.test_request_context():
        with pytest.raises(UserRuleError, match="Line 3: An account with this email address already exists"):
            invitations.invite_many(invitees, admin)
    assert outbox() == []


def test_when_the_mail_cannot_be_sent_nothing_is_kept(app, admin_client, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionRefusedError("SMTP server down")

    monkeypatch.setattr("app.services.invitations.send_mail", broken)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    before = user_count()
    assert invite(admin_client).status_code == 500
    assert user_count() == before
    assert audit_rows("user_created") == [] and audit_rows("invitation_sent") == []
