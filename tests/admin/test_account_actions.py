"""An administrator's actions on one account: invitations, unlocking, signing out everywhere, resetting
two-step verification; the audit rows they write; and that nobody else can reach them."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.mail import outbox
from app.models import AccountToken, AuditEvent, RecoveryCode, Role, User
from app.models.types import utcnow
from app.services import mfa, tokens
from tests.conftest import csrf_token, sign_in
from tests.onboarding import BASE_URL, audit_rows, choose_password, link_in, token_rows


def invited(factory, **fields) -> User:
    user = factory.user(Role.OFFICER, password_hash=None, invited_at=utcnow(), **fields)
    tokens.issue(user, tokens.INVITATION, timedelta(hours=72))
    return user


def locked(factory) -> User:
    return factory.user(Role.OFFICER, failed_sign_ins=3, first_failed_at=utcnow(), locked_until=utcnow() + timedelta(minutes=15))


def with_mfa(factory) -> User:
    user = factory.user(Role.OFFICER, mfa_secret=mfa.new_secret(), mfa_enabled_at=utcnow(), mfa_last_timestep=5)
    mfa.new_recovery_codes(user)
    return user


def post(client, path: str, csrf: str | None = "real", **headers):
    data = {}
    if csrf == "real":
        data["csrf_token"] = csrf_token(client, "/admin/")
    elif csrf is not None:
        data["csrf_token"] = csrf
    return client.post(path, data=data, headers=headers)


def assert_one_audit_row(event: str, admin: User, subject: User, route: str) -> AuditEvent:
    rows = audit_rows(event)
    assert len(rows) == 1, [row.event for row in rows]
    row = rows[0]
    assert (row.user_id, row.subject_user_id) == (admin.id, subject.id)
    assert row.address == "127.0.0.1" and row.route == route
    assert row.occurred_at is not None
    return row


# What the list and the user's page say -----------------------------------------------------------


def test_the_users_list_tags_invited_and_locked_accounts(admin_client, factory):
    invited(factory, name="Ivy Invited")
    locked(factory).name = "Lou Locked"
    factory.user(Role.OFFICER, name="Ada Active", locked_until=utcnow() - timedelta(minutes=1))
    factory.user(Role.OFFICER, name="Dee Deactivated", active=False)
    db.session.flush()
    page = admin_client.get("/admin/users").get_data(as_text=True)

    def tag_of(name):
        row = page[page.index(name):]
        row = row[: row.index("</tr>")]
        return row[row.index("govuk-tag"):row.index("</strong>")]

    assert "Invited" in tag_of("Ivy Invited")
    assert "Locked" in tag_of("Lou Locked")
    assert "Active" in tag_of("Ada Active")  # a lock that has run out is no lock
    assert "Deactivated" in tag_of("Dee Deactivated")


def test_the_user_page_says_invited_and_offers_resend_and_revoke(admin_client, factory):
    user = invited(factory)
    page = admin_client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert "Invited on" in page and "not yet accepted" in page and "The invitation link works until" in page
    assert "Resend invitation" in page and "Revoke invitation" in page
    assert "Sign out everywhere" not in page and "Unlock" not in page and "Reset two-step verification" not in page


def test_the_user_page_says_locked_until_and_offers_unlock(admin_client, factory):
    user = locked(factory)
    page = admin_client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert "Locked until" in page and re.search(r">\s*Unlock\s*<", page)
    assert "Resend invitation" not in page


def test_the_user_page_for_an_active_account(admin_client, factory):
    user = factory.user(Role.OFFICER)
    page = admin_client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert re.search(r">\s*Active\s*<", page) and "Sign out everywhere" in page
    assert "Reset two-step verification" not in page and "Resend invitation" not in page
    assert "Reset two-step verification" in admin_client.get(f"/admin/users/{with_mfa(factory).id}").get_data(as_text=True)


def test_every_form_on_the_user_page_carries_a_csrf_token(admin_client, factory):
    for user in (invited(factory), locked(factory), with_mfa(factory)):
        page = admin_client.get(f"/admin/users/{user.id}").get_data(as_text=True)
        forms = page.split("<form")[1:]
        assert len(forms) >= 3
        for form in forms:
            form = form[: form.index("</form>")]
            if 'method="post"' in form:
                assert 'name="csrf_token"' in form


# Resend and revoke -------------------------------------------------------------------------------


def test_resend_sends_a_new_link_and_kills_the_old(app, admin_client, admin, factory):
    user = invited(factory)
    [old] = token_rows(user)
    response = post(admin_client, f"/admin/users/{user.id}/invitation/resend")
    assert response.status_code == 303 and response.headers["Location"] == f"/admin/users/{user.id}"
    assert "A new invitation has been sent to" in admin_client.get(response.headers["Location"]).get_data(as_text=True)
    old_row, new_row = token_rows(user)
    assert old_row.id == old.id and old_row.revoked_at is not None
    assert new_row.revoked_at is None and new_row.created_by_id == admin.id
    [mail] = outbox()
    assert mail.to == user.email and link_in(mail).startswith(f"{BASE_URL}/invitation?token=")
    assert_one_audit_row("invitation_sent", admin, user, f"POST /admin/users/{user.id}/invitation/resend")
    assert choose_password(app.test_client(), link_in(mail)).status_code == 303


def test_resend_is_refused_after_three_links_in_an_hour(admin_client, factory):
    user = invited(factory)  # one link already
    for _ in range(2):
        assert post(admin_client, f"/admin/users/{user.id}/invitation/resend").status_code == 303
    response = post(admin_client, f"/admin/users/{user.id}/invitation/resend")
    text = response.get_data(as_text=True)
    assert response.status_code == 429
    assert "has been sent 3 links in the last hour" in text and "govuk-error-summary" in text
    assert len(outbox()) == 2 and len(token_rows(user)) == 3
    assert len(audit_rows("invitation_sent")) == 2


def test_resend_is_refused_for_someone_who_has_accepted(admin_client, factory):
    user = factory.user(Role.OFFICER, invited_at=utcnow())
    response = post(admin_client, f"/admin/users/{user.id}/invitation/resend")
    assert response.status_code == 422 and "already set a password" in response.get_data(as_text=True)
    assert outbox() == [] and token_rows(user) == []


def test_resend_is_refused_for_a_deactivated_account(admin_client, factory):
    user = invited(factory, active=False)
    response = post(admin_client, f"/admin/users/{user.id}/invitation/resend")
    assert response.status_code == 422 and "Reactivate it" in response.get_data(as_text=True)
    assert outbox() == []


def test_revoke_kills_the_link_and_keeps_the_account(app, admin_client, admin, factory):
    user = factory.user(Role.OFFICER, password_hash=None, invited_at=utcnow())
    secret = tokens.issue(user, tokens.INVITATION, timedelta(hours=72))
    response = post(admin_client, f"/admin/users/{user.id}/invitation/revoke")
    assert response.status_code == 303
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "no longer works" in page and "has expired or was revoked" in page and "Revoke invitation" not in page
    db.session.refresh(user)
    assert user.invited_at is not None and user.password_hash is None and user.active
    assert token_rows(user)[0].revoked_at is not None
    assert choose_password(app.test_client(), f"{BASE_URL}/invitation?token={secret}").status_code == 404
    assert_one_audit_row("invitation_revoked", admin, user, f"POST /admin/users/{user.id}/invitation/revoke")
    # Revoking again has nothing to revoke.
    again = post(admin_client, f"/admin/users/{user.id}/invitation/revoke")
    assert again.status_code == 422 and "no invitation link that still works" in again.get_data(as_text=True)


# Unlock, sign out everywhere, reset two-step verification ----------------------------------------


def test_unlock_clears_the_lockout(admin_client, admin, factory):
    user = locked(factory)
    response = post(admin_client, f"/admin/users/{user.id}/unlock")
    assert response.status_code == 303
    assert "account is unlocked" in admin_client.get(response.headers["Location"]).get_data(as_text=True)
    db.session.refresh(user)
    assert (user.failed_sign_ins, user.first_failed_at, user.locked_until) == (0, None, None)
    assert_one_audit_row("unlocked", admin, user, f"POST /admin/users/{user.id}/unlock")


def test_sign_out_everywhere_ends_every_session(app, admin_client, admin, factory):
    user = factory.user(Role.OFFICER)
    phone, laptop = app.test_client(), app.test_client()
    sign_in(phone, user)
    sign_in(laptop, user)
    assert post(admin_client, f"/admin/users/{user.id}/sign-out-everywhere").status_code == 303
    assert phone.get("/review").status_code == 302 and laptop.get("/review").status_code == 302
    assert_one_audit_row("signed_out_everywhere", admin, user, f"POST /admin/users/{user.id}/sign-out-everywhere")
    sign_in(phone, user)  # they can sign in again straight away
    assert phone.get("/review").status_code == 200


def test_reset_mfa_turns_it_off_and_removes_recovery_codes(admin_client, admin, factory):
    user = with_mfa(factory)
    response = post(admin_client, f"/admin/users/{user.id}/mfa/reset")
    assert response.status_code == 303
    db.session.refresh(user)
    assert (user.mfa_secret, user.mfa_enabled_at, user.mfa_last_timestep) == (None, None, None)
    assert db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id)).all() == []
    assert_one_audit_row("mfa_reset", admin, user, f"POST /admin/users/{user.id}/mfa/reset")
    again = post(admin_client, f"/admin/users/{user.id}/mfa/reset")
    assert again.status_code == 422 and "has not set up two-step verification" in again.get_data(as_text=True)


def test_actions_answer_htmx_with_hx_redirect(admin_client, factory):
    user = locked(factory)
    response = post(admin_client, f"/admin/users/{user.id}/unlock", **{"HX-Request": "true"})
    assert response.status_code == 204 and response.headers["HX-Redirect"] == f"/admin/users/{user.id}"


# The audit trail of the older account screens ------------------------------------------------------


def test_role_change_is_audited_with_from_and_to(admin_client, admin, factory):
    officer = factory.user(Role.OFFICER)
    token = csrf_token(admin_client, "/admin/")
    assert admin_client.post(f"/admin/users/{officer.id}/role", data={"role": "admin", "csrf_token": token}).status_code == 303
    row = assert_one_audit_row("role_changed", admin, officer, f"POST /admin/users/{officer.id}/role")
    assert row.detail["from"] == "officer" and row.detail["to"] == "admin"


def test_moving_a_school_user_to_another_school_is_audited(admin_client, admin, factory):
    person = factory.user(Role.SCHOOL)
    other = factory.school()
    token = csrf_token(admin_client, "/admin/")
    response = admin_client.post(
        f"/admin/users/{person.id}/role", data={"role": "school", "school_id": str(other.id), "csrf_token": token}
    )
    assert response.status_code == 303
    row = assert_one_audit_row("role_changed", admin, person, f"POST /admin/users/{person.id}/role")
    assert row.detail["to_school_id"] == other.id


def test_saving_an_unchanged_role_writes_no_row(admin_client, factory):
    officer = factory.user(Role.OFFICER)
    token = csrf_token(admin_client, "/admin/")
    admin_client.post(f"/admin/users/{officer.id}/role", data={"role": "officer", "csrf_token": token})
    assert audit_rows("role_changed") == []


def test_deactivate_and_reactivate_are_audited(admin_client, admin, factory):
    officer = factory.user(Role.OFFICER)
    assert post(admin_client, f"/admin/users/{officer.id}/deactivate").status_code == 303
    assert_one_audit_row("deactivated", admin, officer, f"POST /admin/users/{officer.id}/deactivate")
    assert post(admin_client, f"/admin/users/{officer.id}/reactivate").status_code == 303
    assert_one_audit_row("reactivated", admin, officer, f"POST /admin/users/{officer.id}/reactivate")


def test_a_refused_deactivation_writes_no_row(admin_client, admin):
    assert post(admin_client, f"/admin/users/{admin.id}/deactivate").status_code == 422
    assert audit_rows("deactivated") == []


# Nobody else, and never without a CSRF token ---------------------------------------------------------

ACTIONS = ["invitation/resend", "invitation/revoke", "unlock", "sign-out-everywhere", "mfa/reset"]


def state_of(user: User):
    db.session.refresh(user)
    rows = db.session.execute(
        select(AccountToken.id, AccountToken.revoked_at, AccountToken.used_at).where(AccountToken.user_id == user.id)
    ).all()
    return (user.session_version, user.locked_until, user.failed_sign_ins, user.mfa_enabled_at, user.password_hash, rows)


@pytest.fixture
def target(factory) -> User:
    """An account every action could change: invited, locked and with MFA all at once."""
    user = factory.user(
        Role.OFFICER,
        password_hash=None,
        invited_at=utcnow(),
        locked_until=utcnow() + timedelta(minutes=15),
        failed_sign_ins=2,
        mfa_secret=mfa.new_secret(),
        mfa_enabled_at=utcnow(),
    )
    tokens.issue(user, tokens.INVITATION, timedelta(hours=72))
    return user


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("who", ["school_client", "officer_client"])
def test_non_admins_get_404_and_change_nothing(request, target, who, action):
    client = request.getfixturevalue(who)
    before = state_of(target)
    assert post(client, f"/admin/users/{target.id}/{action}", csrf=csrf_token(client, "/accessibility")).status_code == 404
    assert state_of(target) == before and outbox() == []


@pytest.mark.parametrize("who", ["school_client", "officer_client"])
def test_non_admins_get_404_on_the_invitation_pages(request, who):
    client = request.getfixturevalue(who)
    token = csrf_token(client, "/accessibility")
    assert client.get("/admin/users/invite-many").status_code == 404
    response = client.post(
        "/admin/users/invite-many",
        data={"csrf_token": token, "people": (io.BytesIO(b"name,email,role,school_urn\nJo,jo@example.org,admin,\n"), "p.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 404
    assert client.get("/admin/users/new").status_code == 404
    assert db.session.scalar(select(User).where(User.email == "jo@example.org")) is None and outbox() == []


@pytest.mark.parametrize("action", ACTIONS)
def test_anonymous_visitors_are_sent_to_sign_in(app, target, action):
    client = app.test_client()
    before = state_of(target)
    response = post(client, f"/admin/users/{target.id}/{action}", csrf=csrf_token(client))
    assert response.status_code == 302 and "/sign-in?next=" in response.headers["Location"]
    assert state_of(target) == before


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("csrf", ["forged", None], ids=["forged", "missing"])
def test_forged_or_missing_csrf_changes_nothing(admin_client, target, action, csrf):
    before = state_of(target)
    assert post(admin_client, f"/admin/users/{target.id}/{action}", csrf=csrf).status_code == 400
    assert state_of(target) == before and outbox() == []


@pytest.mark.parametrize("action", ACTIONS)
def test_actions_on_a_missing_account_are_not_found(admin_client, action):
    assert post(admin_client, f"/admin/users/999999/{action}").status_code == 404
