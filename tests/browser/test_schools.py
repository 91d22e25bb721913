"""An administrator imports a GIAS file with the keyboard alone, reads the counts, and filters the list."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_page, sign_in
from tests.schools.gias_samples import row, sample_file

pytestmark = pytest.mark.browser


def browser_sample(tmp_path):
    """URNs of their own, so the live server's other tests are not disturbed."""
    rows = [
        row("870001", "St Mary's Church of England (VA) Primary School", kind="Voluntary aided school"),
        row("870002", "École Saint-Exupéry", kind="Free schools", trust="Fenmoor Valley Learning Trust"),
        row("870003", "Kestrel Rise Academy", phase="Secondary", low=11, high=18, trust="Estuary Schools Partnership"),
        row("870004", "Old Quay Infant School", kind="Community school", status="Closed", close_date="31-08-2024", high=7),
        row("970001", "A School in Another Borough", la="884"),
    ]
    path = tmp_path / "edubasealldata20261101.csv"
    path.write_bytes(sample_file(rows))
    return path


def tab_to(page, selector: str, limit: int = 40) -> None:
    """Press Tab until the element is focused, as a keyboard user would."""
    target = page.locator(selector)
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("(el) => el === document.activeElement"):
            return
    raise AssertionError(f"Tab never reached {selector}")


def upload_with_keyboard(page, path) -> None:
    tab_to(page, "#establishments")
    # The operating system's file dialog is outside the page: picking the file there is what
    # set_input_files stands for. Reaching the field and submitting are done with the keyboard.
    page.locator("#establishments").set_input_files(str(path))
    tab_to(page, "#la_code")
    tab_to(page, "form[action$='/admin/schools/import'] button, form[action$='/admin/schools/import'] input[type=submit]")
    page.keyboard.press("Enter")


def test_admin_imports_a_gias_file_with_the_keyboard_and_filters_the_list(page, tmp_path):
    sign_in(page, "admin@example.org")
    page.goto("/admin/schools/import")
    expect(page.get_by_role("heading", level=1, name="Import schools from GIAS")).to_be_visible()
    check_page(page, "schools-import")

    # A spreadsheet renamed .csv: refused beside the field, nothing imported.
    bad = tmp_path / "edubasealldata.csv"
    bad.write_bytes(b"PK\x03\x04 not really a csv")
    upload_with_keyboard(page, bad)
    expect(page).to_have_title(re.compile(r"^Error: Import schools from GIAS"))
    expect(page.locator("#establishments-error")).to_contain_text("spreadsheet (.xlsx)")
    check_page(page, "schools-import-error")

    upload_with_keyboard(page, browser_sample(tmp_path))
    expect(page).to_have_url(re.compile(r"/admin/schools/imports/\d+$"))
    expect(page.locator(".govuk-panel__title")).to_have_text("Schools imported")
    summary = page.locator(".govuk-summary-list")
    expect(summary).to_contain_text(re.compile(r"Added\s+4"))
    expect(summary).to_contain_text(re.compile(r"Skipped \(other councils' schools\)\s+1"))
    check_page(page, "schools-import-result")

    # The list, filtered live with htmx: the address keeps the filter.
    page.goto("/schools")
    check_page(page, "schools")
    page.evaluate("window.__sameDocument = true")
    page.get_by_label("Name or URN").fill("ecole")
    expect(page.locator("#schools-count")).to_contain_text(re.compile(r"^\s*1 school\b"))
    expect(page.locator("#schools-results")).to_contain_text("École Saint-Exupéry")
    expect(page).to_have_url(re.compile(r"q=ecole"))
    assert page.evaluate("window.__sameDocument === true")
    page.get_by_label("Name or URN").fill("")
    page.get_by_label("Status").select_option("closed")
    expect(page.locator("#schools-results")).to_contain_text("Old Quay Infant School")
    expect(page.locator("#schools-results")).not_to_contain_text("Kestrel Rise Academy")
    check_page(page, "schools-filtered")


def test_the_schools_filter_works_without_javascript(nojs_page):
    page = nojs_page
    sign_in(page, "officer@example.org")
    page.goto("/schools")
    page.get_by_label("Phase").select_option("Secondary")
    page.get_by_role("button", name="Apply filter").click()
    expect(page).to_have_url(re.compile(r"phase=Secondary"))
    rows = page.locator("#schools-results tbody tr")
    expect(rows.first).to_contain_text("Secondary")
    for text in rows.all_inner_texts():
        assert "Secondary" in text
    check_page(page, "schools-nojs")
