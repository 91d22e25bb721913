"""Signing in and out by keyboard for each role, with and without JavaScript, and a wrong password."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DEMO_PASSWORD, check_page

pytestmark = pytest.mark.browser

MAX_TABS = 40


@dataclass(frozen=True)
class Journey:
    role: str
    email: str
    home_path: str
    heading: str
    home_name: str  # the screenshot name of the home page


# Demo schools by URN (app/demo.py). Each school test signs in as a head no other test uses.
ALDERBROOK = "990102"
MARSHGATE = "990104"
SALTINGS = "990110"


def journey(live, role: str, *, school_urn: str = "", prefix: str = "") -> Journey:
    if role == "school":
        school = live.school(school_urn)
        return Journey(role, school.head_email, "/school", school.name, f"{prefix}school-home")
    if role == "officer":
        return Journey(role, "officer@example.org", "/home", "What needs attention", f"{prefix}officer-home")
    return Journey(role, "admin@example.org", "/admin/", "Administration", f"{prefix}admin")


def _focused(page) -> str:
    """A short description of the focused element, for assertion messages."""
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            if (!el || el === document.body) return "body";
            return `${el.tagName.toLowerCase()}#${el.id} "${(el.textContent || el.value || "").trim()}"`;
        }"""
    )


# A focus indicator: a visible outline or a box shadow (GOV.UK Frontend uses one or both on every
# focusable element; links also take the yellow background).
FOCUS_IS_VISIBLE = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return false;
    const style = getComputedStyle(el);
    const transparent = (colour) => colour === "transparent" || /rgba\\(.*,\\s*0\\)$/.test(colour);
    const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0 && !transparent(style.outlineColor);
    return outline || style.boxShadow !== "none";
}"""


def press_tab(page) -> None:
    """One press of Tab; whatever takes focus must show it (WCAG 2.4.7)."""
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUS_IS_VISIBLE), f"focus is not visible on {_focused(page)} at {page.url}"


def tab_to(page, locator, *, max_tabs: int = MAX_TABS) -> None:
    """Presses Tab until the locator's element has focus, checking each stop shows its focus."""
    handle = locator.element_handle()
    for _ in range(max_tabs):
        press_tab(page)
        if page.evaluate("(el) => document.activeElement === el", handle):
            return
    pytest.fail(f"{max_tabs} presses of Tab never reached {locator}; focus is on {_focused(page)}")


def _heading(page, text: str):
    return page.get_by_role("heading", level=1, name=text, exact=True)


def sign_in_and_out_by_keyboard(page, journey: Journey, *, prefix: str = "") -> None:
    page.goto("/sign-in")
    expect(_heading(page, "Sign in to Golden Thread")).to_be_visible()
    check_page(page, f"{prefix}sign-in")

    # The first stop is the skip link, then on to the email address.
    press_tab(page)
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    tab_to(page, page.locator("#email"))
    page.keyboard.type(journey.email)
    press_tab(page)
    expect(page.locator("#password")).to_be_focused()
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(re.escape(journey.home_path) + "$"))
    expect(_heading(page, journey.heading)).to_be_visible()
    check_page(page, f"{journey.home_name}")

    # Sign out is a button in the header's service navigation, reached by tabbing.
    tab_to(page, page.get_by_role("button", name="Sign out"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/signed-out$"))
    expect(_heading(page, "You have signed out")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    check_page(page, f"{prefix}signed-out")

    # The old session no longer opens the home page.
    page.goto(journey.home_path)
    expect(page).to_have_url(re.compile(r"/sign-in\?next="))
    expect(_heading(page, "Sign in to Golden Thread")).to_be_visible()
    check_page(page, f"{prefix}sign-in-again")


@pytest.mark.parametrize("role", ["school", "officer", "admin"])
def test_sign_in_and_out_with_the_keyboard(page, live, role):
    sign_in_and_out_by_keyboard(page, journey(live, role, school_urn=ALDERBROOK))


@pytest.mark.parametrize("role", ["school", "officer", "admin"])
def test_sign_in_and_out_without_javascript(nojs_page, live, role):
    sign_in_and_out_by_keyboard(nojs_page, journey(live, role, school_urn=MARSHGATE, prefix="nojs-"), prefix="nojs-")
    # No script ran: the GOV.UK template's js-enabled class was never added.
    expect(nojs_page.locator("body")).not_to_have_class(re.compile(r"\bjs-enabled\b"))


def test_a_wrong_password_shows_the_errors_and_the_summary_links_to_the_field(page, live):
    page.goto("/sign-in")
    check_page(page, "sign-in")
    page.locator("#email").fill(live.school(SALTINGS).head_email)
    page.locator("#password").fill("not the password at all")
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_title(re.compile(r"^Error: Sign in"))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page.locator("#email-error")).to_contain_text("Your email address or password is wrong")
    expect(page.locator("#email")).to_have_attribute("aria-describedby", re.compile(r"\bemail-error\b"))
    # GOV.UK Frontend moves focus to the summary, so a screen reader reads it first.
    expect(summary).to_be_focused()
    check_page(page, "sign-in-error")

    # The summary's link is the next stop, and following it puts focus in the email field.
    link = summary.get_by_role("link", name="Your email address or password is wrong")
    tab_to(page, link, max_tabs=3)
    page.keyboard.press("Enter")
    expect(page.locator("#email")).to_be_focused()
    expect(page).to_have_url(re.compile(r"/sign-in(#email)?$"))
