"""An administrator opens a collection window and extends it for one school."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_page, sign_in
from tests.windows.conftest import AGE_TYPE

pytestmark = pytest.mark.browser


def test_admin_opens_a_window_and_extends_it_for_one_school(page):
    sign_in(page, "admin@example.org")
    page.goto("/admin/windows")
    check_page(page, "windows")
    page.get_by_role("button", name="Open a new window").click()
    check_page(page, "window-choose")
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    check_page(page, "window-choose-errors")
    page.get_by_label("School self-evaluation").check()
    page.get_by_role("button", name="Continue").click()
    check_page(page, "window-new")
    page.get_by_role("button", name="Save window").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    check_page(page, "window-new-errors")

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

    # Closing early asks first; cancelling changes nothing, confirming closes it.
    page.get_by_role("button", name="Close early for everyone").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Close this window early for everyone?")
    check_page(page, "window-close-confirm")
    page.get_by_role("link", name="Cancel").click()
    expect(page.locator("main")).to_contain_text("Open to schools from the opening date")
    page.get_by_role("button", name="Close early for everyone").click()
    page.get_by_role("button", name="Close the window").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("is closed")
    expect(page.locator("main")).to_contain_text("Closed early on")


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


@pytest.fixture
def asked_by_age(live):
    """The live app offers a return asked by age, and one secondary school has lost its age range;
    both put back afterwards, with the window the test opens."""
    from sqlalchemy import delete, select

    from app.engine import registry
    from app.extensions import db
    from app.models import CollectionWindow, School

    northmarsh = live.school("990118")
    with live.app.app_context():
        school = db.session.get(School, northmarsh.id)
        ages = (school.statutory_low_age, school.statutory_high_age)
        school.statutory_low_age = school.statutory_high_age = None
        db.session.commit()
    registry.register(AGE_TYPE)
    try:
        yield northmarsh
    finally:
        registry.unregister(AGE_TYPE.key)
        with live.app.app_context():
            db.session.execute(delete(CollectionWindow).where(CollectionWindow.return_type == AGE_TYPE.key))
            school = db.session.scalar(select(School).where(School.id == northmarsh.id))
            school.statutory_low_age, school.statutory_high_age = ages
            db.session.commit()


def test_admin_opens_a_window_asked_by_age_and_sees_the_school_it_cannot_place(page, asked_by_age):
    sign_in(page, "admin@example.org")
    page.goto("/admin/windows/new")
    rule = "Open schools with pupils in year 7 or above (a statutory high age of 12 or more), whatever their phase."
    expect(page.get_by_role("group", name="Which return does this window collect?")).to_contain_text(rule)
    page.get_by_label("Careers (test)").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-summary-list")).to_contain_text(rule)
    expect(page.get_by_role("group", name="Which phases are asked?")).to_have_count(0)
    check_page(page, "window-new-by-age")

    page.get_by_label("Academic year").select_option(index=2)  # next academic year, whenever the test runs
    page.get_by_label("The whole year").check()
    page.get_by_label("Title").fill("Careers, 2027/28")
    for prefix, (day, month, year) in (("opens_on", ("1", "9", "2027")), ("due_on", ("15", "10", "2027"))):
        page.locator(f"#{prefix}-day").fill(day)
        page.locator(f"#{prefix}-month").fill(month)
        page.locator(f"#{prefix}-year").fill(year)
    page.get_by_role("button", name="Save window").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Careers, 2027/28")
    expect(page.locator(".govuk-summary-list")).to_contain_text(rule)
    asked = page.get_by_role("table", name=re.compile(r"^Schools asked"))
    expect(asked).to_contain_text("Ridgeway Middle School")  # 9 to 13
    expect(asked).to_contain_text("Meadowview School")  # a special school, 2 to 19
    expect(asked).not_to_contain_text("Alderbrook Primary School")
    expect(asked).not_to_contain_text(asked_by_age.name)
    expect(page.locator(".govuk-warning-text")).to_contain_text("1 open school cannot be placed by this window's rule")
    expect(page.get_by_role("heading", name="Schools we cannot place (1)")).to_be_visible()
    cannot_place = page.get_by_role("table", name="Schools we cannot place, and why")
    expect(cannot_place).to_contain_text("No statutory age range is recorded")
    check_page(page, "window-cannot-place")

    cannot_place.get_by_role("link", name=asked_by_age.name).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(asked_by_age.name)
    expect(page.locator(".govuk-summary-list__row", has_text="Age range")).to_contain_text("Not recorded")


def test_without_javascript_the_form_asks_only_what_the_returns_rule_needs(nojs_page, asked_by_age):
    page = nojs_page
    sign_in(page, "admin@example.org")
    page.goto("/admin/windows/new")
    page.get_by_label("Careers (test)").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Open a new window")
    expect(page.get_by_role("group", name="Which phases are asked?")).to_have_count(0)
    page.get_by_role("link", name="Change the return").click()
    expect(page.get_by_label("Careers (test)")).to_be_checked()
    page.get_by_label("School self-evaluation").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("group", name="Which phases are asked?").get_by_label("Secondary", exact=True)).to_be_checked()
    check_page(page, "window-new-nojs")
