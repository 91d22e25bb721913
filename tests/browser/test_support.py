"""The golden thread and support categories in the browser: an officer opens a school from the
schools list, reads its thread, and sets its category against the suggestion with a reason, with
the keyboard; the head teacher then reads the category, why, and the published criteria. axe-core
and the page checks on every page; screenshots saved."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_page, sign_in

pytestmark = pytest.mark.browser

BEACON_HILL = "990112"  # no other journey changes this school


def suggested_key(live, school_id: int) -> str:
    from app.extensions import db
    from app.models import School
    from app.support import criteria
    from app.support.rules import suggest

    with live.app.app_context():
        found = suggest(criteria.current(), db.session.get(School, school_id)).category.key
        db.session.remove()
    return found


def tab_to(page, selector: str, limit: int = 80) -> None:
    target = page.locator(selector).first
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("(el) => el === document.activeElement"):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_an_officer_sets_a_category_against_the_suggestion_and_the_head_reads_why(page, live):
    school = live.school(BEACON_HILL)
    suggested = suggested_key(live, school.id)
    chosen = "red" if suggested != "red" else "amber"
    names = {"green": "Green", "amber": "Amber", "red": "Red"}

    sign_in(page, "officer@example.org")
    page.goto("/schools")
    page.get_by_role("link", name=school.name, exact=True).first.click()
    expect(page.get_by_role("heading", level=1, name=school.name)).to_be_visible()
    expect(page.get_by_role("heading", name="Support category")).to_be_visible()
    expect(page.locator("#suggestion")).to_contain_text(f"Suggested: {names[suggested]}")
    expect(page.get_by_role("heading", name="Returns over the years")).to_be_visible()
    expect(page.locator("#returns-grid")).to_contain_text("School self-evaluation")
    expect(page.locator("#returns-grid")).to_contain_text("Snapshot")
    expect(page.get_by_role("heading", name="Self-evaluated grades")).to_be_visible()
    expect(page.get_by_role("heading", name="Mental health and wellbeing")).to_be_visible()
    check_page(page, "support-school-thread")

    # To the form with the keyboard.
    tab_to(page, "a[href$='/support']")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name="Set the support category")).to_be_visible()
    check_page(page, "support-set-category")

    # Against the suggestion without saying why: refused, with the error beside the field.
    # A radio group is one Tab stop (on the checked radio, the current category); arrows move within it.
    checked = page.locator("input[name=category]:checked")
    tab_to(page, "input[name=category]:checked" if checked.count() else "input[name=category]")
    target = page.locator(f"input[name=category][value={chosen}]")
    for _ in range(6):
        if target.is_checked():
            break
        page.keyboard.press("ArrowDown")
    expect(target).to_be_checked()
    tab_to(page, "#reason")
    page.keyboard.type("Concerns from the link officer's visit about <b>leadership</b> capacity")
    review = date.today() + timedelta(days=70)
    tab_to(page, "#review_on-day")
    page.keyboard.type(str(review.day))
    page.keyboard.press("Tab")
    page.keyboard.type(str(review.month))
    page.keyboard.press("Tab")
    page.keyboard.type(str(review.year))
    page.keyboard.press("Enter")
    expect(page).to_have_title(re.compile(r"^Error: Set the support category"))
    expect(page.locator(".govuk-error-summary")).to_contain_text(f"Enter why you chose other than the suggested category, {names[suggested]}")
    check_page(page, "support-set-category-error")

    tab_to(page, "#departure")
    page.keyboard.type("The self-evaluation predates the head teacher's resignation last month.")
    tab_to(page, "form[action$='/support'] button, form[action$='/support'] input[type=submit]")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name=school.name)).to_be_visible()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(f"now in the {names[chosen]} support category")
    expect(page.locator("#support-current")).to_contain_text(names[chosen])
    expect(page.locator("#support-current")).to_contain_text("<b>leadership</b>")  # text, as typed
    expect(page.locator(".gt-support-history")).to_contain_text("why this differs: The self-evaluation predates")
    check_page(page, "support-school-after")

    page.goto("/support/reviews-due")
    expect(page.get_by_role("heading", level=1, name="Support category reviews due")).to_be_visible()
    check_page(page, "support-reviews-due")

    # The head teacher: the category, why, the review date and the criteria; not the officers' working.
    page.context.clear_cookies()
    sign_in(page, school.head_email)
    page.goto("/school")
    panel = page.locator("#support")
    expect(panel).to_contain_text(names[chosen])
    expect(panel).to_contain_text("Concerns from the link officer's visit about <b>leadership</b> capacity")
    expect(panel).to_contain_text(f"{review.day} {review:%B %Y}")
    expect(panel).not_to_contain_text("Suggested")
    expect(panel).not_to_contain_text("why this differs")
    check_page(page, "support-school-home")
    tab_to(page, "#support a[href='/support/criteria']")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name="Support categories and their criteria")).to_be_visible()
    expect(page.locator(f"#category-{chosen}")).to_contain_text("Criteria:")
    expect(page.locator("#rules-table")).to_contain_text("A return is overdue by more than 14 days")
    check_page(page, "support-criteria")


def test_without_javascript_the_form_posts_and_comes_back_to_the_school_page(nojs_page, live):
    page = nojs_page
    school = live.school("990114")  # Ridgeway Middle School: no other journey changes it
    suggested = suggested_key(live, school.id)
    sign_in(page, "officer@example.org")
    page.goto(f"/schools/{school.id}/support")
    page.locator(f"input[name=category][value={suggested}]").check()
    page.locator("#reason").fill("Agreed with the head teacher at the annual conversation")
    review = date.today() + timedelta(days=100)
    page.locator("#review_on-day").fill(str(review.day))
    page.locator("#review_on-month").fill(str(review.month))
    page.locator("#review_on-year").fill(str(review.year))
    page.get_by_role("button", name="Set the support category").click()
    expect(page.get_by_role("heading", level=1, name=school.name)).to_be_visible()
    expect(page.locator("#support-current")).to_contain_text("Agreed with the head teacher at the annual conversation")
    expect(page.locator(".gt-support-history")).not_to_contain_text("why this differs: Agreed")
    check_page(page, "support-school-after-nojs")


def test_an_administrator_reads_the_form_that_changes_the_criteria(page, live):
    sign_in(page, "admin@example.org")
    page.goto("/support/criteria")
    page.get_by_role("link", name="Change the criteria").click()
    expect(page.get_by_role("heading", level=1, name="Change the support criteria")).to_be_visible()
    expect(page.get_by_label("Name of category 2")).to_have_value("Amber")
    expect(page.get_by_label("Days overdue for rule 4")).to_have_value("14")
    check_page(page, "support-change-criteria")
