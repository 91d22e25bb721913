"""An administrator opens a collection window and extends it for one school."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_page, sign_in

pytestmark = pytest.mark.browser


def test_admin_opens_a_window_and_extends_it_for_one_school(page):
    sign_in(page, "admin@example.org")
    page.goto("/admin/windows")
    check_page(page, "windows")
    page.get_by_role("button", name="Open a new window").click()
    check_page(page, "window-new")
    page.get_by_role("button", name="Save window").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    check_page(page, "window-new-errors")

    page.get_by_label("School self-evaluation").check()
    page.get_by_label("Summer").check()
    page.get_by_label("Title").fill("Self-evaluation, summer 2027")
    for prefix, (day, month, year) in (("opens_on", ("1", "6", "2027")), ("due_on", ("16", "7", "2027"))):
        page.locator(f"#{prefix}-day").fill(day)
        page.locator(f"#{prefix}-month").fill(month)
        page.locator(f"#{prefix}-year").fill(year)
    page.get_by_label("Primary", exact=True).check()
    page.get_by_label("Also ask special schools").check()
    page.get_by_role("button", name="Save window").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Self-evaluation, summer 2027")
    expect(page.locator("caption")).to_contain_text(re.compile(r"Schools asked \(\d+\)"))
    check_page(page, "window")

    page.get_by_label("School", exact=True).select_option(label="Alderbrook Primary School")
    page.locator("#due_on-day").fill("23")
    page.locator("#due_on-month").fill("7")
    page.locator("#due_on-year").fill("2027")
    page.get_by_label("Reason").fill("New head teacher started in June")
    page.get_by_role("button", name="Save for this school").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Saved for Alderbrook Primary School")
    expect(page.locator("tbody")).to_contain_text("23 July 2027")
    check_page(page, "window-extended")


def test_admin_school_page_with_the_council_fields(page, live):
    sign_in(page, "admin@example.org")
    school = live.school("990115")
    page.goto(f"/schools/{school.id}")
    expect(page.get_by_role("group", name="Does the school have a sixth form?")).to_be_visible()
    check_page(page, "school-admin")
    page.get_by_role("group", name="Does the school have a sixth form?").get_by_label("No").check()
    page.get_by_label("Contact email address (optional)").fill("not an email")
    page.get_by_role("button", name="Save details").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter an email address in the correct format")
    check_page(page, "school-admin-errors")
