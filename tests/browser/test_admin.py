"""An administrator finding users with the live search, opening one, and a create form with errors."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_page, sign_in

pytestmark = pytest.mark.browser


def test_users_live_search_user_page_and_create_account_errors(page):
    sign_in(page, "admin@example.org")

    page.goto("/admin/users")
    expect(page.get_by_role("heading", level=1, name="Users", exact=True)).to_be_visible()
    count = page.locator("#users-count")
    expect(count).to_have_text(re.compile(r"^\s*\d+ accounts\s*$"))
    check_page(page, "users")

    # Live search: htmx swaps the results in place and pushes the address; the page does not reload.
    page.evaluate("window.__sameDocument = true")
    search = page.get_by_label("Search by name, email address or school")
    search.focus()
    page.keyboard.type("kings")
    # The seeded borough has two heads at head@kingsmere-*.example.org.
    expect(count).to_have_text(re.compile(r"^\s*2 accounts match “kings”\s*$"))
    expect(page).to_have_url(re.compile(r"/admin/users\?q=kings$"))
    assert page.evaluate("window.__sameDocument === true"), "the search reloaded the page instead of swapping results"
    results = page.locator("#users-results tbody tr")
    expect(results).to_have_count(2)
    expect(results.first).to_contain_text("kingsmere")
    expect(search).to_be_focused()  # typing is not interrupted by the swap
    check_page(page, "users-search")

    # One user's page.
    first = page.locator("#users-results tbody a").first
    name = first.inner_text().strip()
    first.click()
    expect(page).to_have_url(re.compile(r"/admin/users/\d+$"))
    expect(page.get_by_role("heading", level=1, name=name, exact=True)).to_be_visible()
    expect(page.locator(".govuk-summary-list")).to_contain_text("kingsmere")
    check_page(page, "user")

    # Creating an account with nothing filled in shows every field's error and the summary.
    page.goto("/admin/users/new")
    expect(page.get_by_role("heading", level=1, name="Create an account", exact=True)).to_be_visible()
    check_page(page, "new-user")
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_title(re.compile(r"^Error: Create an account"))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    assert summary.locator(".govuk-error-summary__list a").count() >= 3, summary.inner_text()
    for field in ("name", "email"):
        expect(page.locator(f"#{field}-error")).to_be_visible()
    expect(page.locator("#role-error")).to_be_visible()
    check_page(page, "new-user-errors")
