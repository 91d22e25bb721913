"""An administrator imports DfE school data with the keyboard alone: a refused file, then a key stage 2
file, the counts and statuses on the result, the data held, and the measures catalogue."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_page, sign_in

pytestmark = pytest.mark.browser

HEADER = (
    "RECTYPE,LEA,ESTAB,URN,SCHNAME,TOWN,TELIG,PTRWM_EXP,PTRWM_HIGH,READ_AVERAGE,MAT_AVERAGE,PTRWM_EXP_FSM6CLA1A,"
    "PTRWM_HIGH_FSM6CLA1A,READ_AVERAGE_FSM6CLA1A,MAT_AVERAGE_FSM6CLA1A,PTRWM_EXP_NotFSM6CLA1A,PTRWM_HIGH_NotFSM6CLA1A,"
    "READ_AVERAGE_NotFSM6CLA1A,MAT_AVERAGE_NotFSM6CLA1A"
)


def ks2_file(tmp_path, urns: list[str]):
    """The demo borough's schools (the live server's), one school from elsewhere, and the LA and England rows."""
    first, second = urns[:2]
    rows = [
        HEADER,
        f"1,883,2001,{first},First School,Fenmoor,30,67%,10%,106,105,45%,SUPP,101,100,75%,13%,107,106",
        f"1,883,2002,{second},Second School,Fenmoor,8,SUPP,SUPP,SUPP,SUPP,SUPP,SUPP,SUPP,SUPP,SUPP,SUPP,SUPP,SUPP",
        "1,999,2001,990001,Another Council Primary School,Elsewhere,40,70%,9%,105,104,50%,5%,102,101,80%,12%,106,106",
        "4,883,,,,,950,62%,8%,105,104,46%,4%,101,101,70%,10%,106,105",
        "5,,,,,,620000,62%,8%,105,104,47%,4%,101,101,70%,10%,106,106",
    ]
    path = tmp_path / "england_ks2final.csv"
    path.write_text("\r\n".join(rows) + "\r\n", encoding="utf-8")
    return path


def tab_to(page, selector: str, limit: int = 60) -> None:
    """Press Tab until the element is focused, as a keyboard user would."""
    target = page.locator(selector)
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("(el) => el === document.activeElement"):
            return
    raise AssertionError(f"Tab never reached {selector}")


def upload_with_keyboard(page, path, year_label: str) -> None:
    tab_to(page, "#data_file")
    # The operating system's file dialog is outside the page: set_input_files stands for picking
    # the file there. Reaching the fields, choosing the year and submitting are done with the keyboard.
    page.locator("#data_file").set_input_files(str(path))
    tab_to(page, "#academic_year")
    page.keyboard.type(year_label)  # a focused select picks the option whose text is typed
    expect(page.locator("#academic_year")).to_have_value(year_label.replace("/", "-"))
    tab_to(page, "#kind")
    tab_to(page, "form[action$='/admin/data'] button")
    page.keyboard.press("Enter")


def test_admin_imports_dfe_data_with_the_keyboard(page, live, tmp_path):
    sign_in(page, "admin@example.org")
    page.goto("/admin")
    tab_to(page, "a[href$='/admin/data']")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name="Import DfE school data")).to_be_visible()
    check_page(page, "data-import")

    # A spreadsheet renamed .csv: refused beside the field, with the error summary, nothing imported.
    bad = tmp_path / "england_ks2final.csv"
    bad.write_bytes(b"PK\x03\x04 not really a csv")
    upload_with_keyboard(page, bad, "2024/25")
    expect(page).to_have_title(re.compile(r"^Error: Import DfE school data"))
    expect(page.locator("#data_file-error")).to_contain_text("spreadsheet (.xlsx)")
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    check_page(page, "data-import-error")

    good = ks2_file(tmp_path, sorted(live.schools))
    upload_with_keyboard(page, good, "2024/25")
    expect(page).to_have_url(re.compile(r"/admin/data/imports/\d+$"))
    expect(page.locator(".govuk-panel__title")).to_have_text("Key stage 2 data imported for 2024/25")
    summary = page.locator(".govuk-summary-list")
    expect(summary).to_contain_text(re.compile(r"Schools on the register\s+2"))
    expect(summary).to_contain_text(re.compile(r"Schools not on the register \(skipped\)\s+1"))
    expect(summary).to_contain_text(re.compile(r"Local authority and England rows\s+2"))
    expect(page.locator("#status-counts")).to_contain_text("Withheld to protect confidentiality")
    expect(page.locator("#data-attribution")).to_contain_text("Open Government Licence v3.0")
    check_page(page, "data-import-result")

    tab_to(page, "a.govuk-back-link")
    page.keyboard.press("Enter")
    expect(page.locator("#data-held")).to_contain_text(re.compile(r"Key stage 2, 2024/25\s+2\b"))
    expect(page.locator("#recent-imports")).to_contain_text("england_ks2final.csv")
    check_page(page, "data-import-held")

    tab_to(page, "a[href$='/data/measures']")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name="DfE measures")).to_be_visible()
    expect(page.locator("#kind-ks4 + p + table")).to_contain_text("PTFSMCLA")
    check_page(page, "data-measures")


def test_the_import_works_without_javascript(nojs_page, live, tmp_path):
    page = nojs_page
    sign_in(page, "admin@example.org")
    page.goto("/admin/data")
    page.locator("#data_file").set_input_files(str(ks2_file(tmp_path, sorted(live.schools))))
    page.locator("#academic_year").select_option("2023-24")
    page.locator("#kind").select_option("ks2")
    page.get_by_role("button", name="Import data").click()
    expect(page).to_have_url(re.compile(r"/admin/data/imports/\d+$"))
    expect(page.locator(".govuk-panel__title")).to_have_text("Key stage 2 data imported for 2023/24")
    check_page(page, "data-import-result-nojs")
