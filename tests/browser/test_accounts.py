"""A new officer accepts an invitation, sets a password, turns on two-step verification with a code
computed here, signs out and back in; a signed-in user is warned before the idle timeout."""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

import pyotp
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_page, sign_in

pytestmark = pytest.mark.browser

NEW_PASSWORD = "kestrel lantern marsh meadow"


def invite_officer(live, email: str) -> str:
    """Invite through the service, as the admin page does; return the link from the mail, on the live server."""
    from app.mail import outbox
    from app.models import Role
    from app.services.invitations import invite

    with live.app.test_request_context():
        from app.extensions import db

        invite("Ola Newcomer", email, Role.OFFICER.value, None, None)
        db.session.commit()
        mail = [m for m in outbox() if m.to == email][-1]
    link = re.search(r"https?://\S+", mail.body).group(0)
    parts = urlsplit(link)
    return f"{live.url}{parts.path}?{parts.query}"


def wait_for_next_step(secret: str) -> None:
    """A code works once: wait until the app would show a new one."""
    totp = pyotp.TOTP(secret)
    step = totp.timecode(time.time())
    while totp.timecode(time.time()) == step:
        time.sleep(0.5)


def test_new_officer_accepts_invitation_sets_password_enrols_and_signs_in_again(page, live):
    email = "ola.newcomer@example.org"
    page.goto(invite_officer(live, email))
    expect(page).to_have_url(re.compile(r"/invitation$"))  # the token left the address bar
    expect(page.get_by_role("heading", level=1)).to_contain_text("password")
    check_page(page, "invitation")

    page.get_by_label("Create a password").focus()
    page.keyboard.type("too short")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.get_by_label("Confirm password").focus()
    page.keyboard.type("too short")
    page.keyboard.press("Enter")
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    check_page(page, "invitation-error")

    page.get_by_label("Create a password").fill(NEW_PASSWORD)
    page.get_by_label("Confirm password").fill(NEW_PASSWORD)
    page.get_by_label("Confirm password").press("Enter")
    expect(page).to_have_url(re.compile(r"/sign-in$"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Your password is set")
    check_page(page, "invitation-accepted")

    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Password", exact=True).press("Enter")
    expect(page).to_have_url(re.compile(r"/home$"))

    page.goto("/account/two-step-verification")
    check_page(page, "mfa-setup")
    secret = page.locator("#setup-key").inner_text().replace(" ", "")
    page.get_by_label(re.compile("code", re.I)).first.fill(pyotp.TOTP(secret).now())
    page.get_by_label("Your current password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Turn on two-step verification").click()
    expect(page.locator(".govuk-panel__title")).to_contain_text("Two-step verification is on")
    check_page(page, "mfa-recovery-codes")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You have signed out")

    page.goto("/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Password", exact=True).press("Enter")
    expect(page).to_have_url(re.compile(r"/sign-in/code$"))
    check_page(page, "sign-in-code")
    wait_for_next_step(secret)
    page.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(secret).now())
    page.get_by_label("Code from your authenticator app").press("Enter")
    expect(page).to_have_url(re.compile(r"/home$"))
    page.goto("/account")
    expect(page.locator("main")).to_contain_text("Recent sign-ins")
    check_page(page, "account")


def test_a_signed_in_user_is_warned_before_the_idle_timeout_and_keeps_what_they_typed(page, live):
    sign_in(page, "officer@example.org")
    page.clock.install()
    # The server's own clock cannot be moved from here: its answer to "how long is left?" is.
    page.route("**/session", lambda route: route.fulfill(json={"seconds_left": 100}))
    page.goto("/schools")
    field = page.get_by_label("Trust")
    field.fill("typed before the warning")
    page.clock.fast_forward("28:01")
    dialog = page.locator("#timeout-warning")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("heading")).to_have_text("You will be signed out soon")
    expect(dialog.get_by_role("button", name="Stay signed in")).to_be_focused()
    check_page(page, "timeout-warning")
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(field).to_have_value("typed before the warning")
    expect(page).to_have_url(re.compile(r"/schools"))


def test_forgotten_password_pages(page):
    page.goto("/sign-in")
    page.get_by_role("link", name="Forgotten your password?").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reset your password")
    check_page(page, "forgotten-password")
    page.get_by_role("button").filter(has_text=re.compile("link|Send|Continue", re.I)).first.click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    check_page(page, "forgotten-password-error")
    page.get_by_label("Email address").fill("nobody@example.org")
    page.get_by_label("Email address").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    check_page(page, "reset-requested")


def test_admin_invites_many_and_reads_the_audit_trail(page, tmp_path):
    sign_in(page, "admin@example.org")
    page.goto("/admin/users/invite-many")
    expect(page.get_by_role("heading", level=1)).to_have_text("Invite people from a CSV file")
    check_page(page, "invite-many")
    bad = tmp_path / "people.csv"
    bad.write_text("name,email,role,school_urn\nSam Example,not-an-email,officer,\n", encoding="utf-8")
    page.locator("input[type=file]").set_input_files(str(bad))
    page.get_by_role("button", name="Check the file and send invitations").click()
    expect(page.locator("#invitation-problems")).to_contain_text("not-an-email")
    check_page(page, "invite-many-errors")

    page.goto("/admin/audit")
    expect(page.get_by_role("heading", level=1)).to_have_text("Security audit trail")
    expect(page.locator("#audit-count")).to_contain_text("event")
    check_page(page, "audit-trail")
    page.get_by_label("Event").select_option("sign_in")
    expect(page).to_have_url(re.compile(r"event=sign_in"))
    expect(page.locator("#audit-results tbody tr").first).to_contain_text("Signed in")
    check_page(page, "audit-trail-filtered")
