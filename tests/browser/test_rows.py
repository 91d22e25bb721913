"""The shared "add another" block in a browser: a head teacher reorders the self-evaluation's
priorities with the keyboard, with JavaScript (htmx swaps the block in place) and without (the
whole page comes back), and the focus stays on the row they moved."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_page, sign_in
from tests.browser.test_sef import a_school_with_an_open_sef_window, press, section_links, start_blank, type_into

pytestmark = pytest.mark.browser

PRIORITIES = (
    ("Writing at greater depth", "attainment"),
    ("Attendance of disadvantaged pupils", "inclusion"),
    ("Middle leaders' capacity", "capacity"),
)


def open_priorities(page, live, *, keyboard: bool) -> None:
    window_id, _school_name, head = a_school_with_an_open_sef_window(live)
    sign_in(page, head)
    start_blank(page, window_id, keyboard=keyboard)
    href = dict(section_links(page))["Improvement priorities"]
    page.goto(href)
    expect(page.get_by_role("heading", level=1)).to_have_text("Improvement priorities")


def fill_priorities(page, *, keyboard: bool) -> None:
    for index, (title, tag) in enumerate(PRIORITIES):
        title_box = page.locator(f"#priorities-{index}-title")
        impact_box = page.locator(f"#priorities-{index}-impact")
        if keyboard:
            type_into(page, title_box, title)
            type_into(page, impact_box, f"By July, {title.lower()} is in line with the national picture.")
        else:
            title_box.fill(title)
            impact_box.fill(f"By July, {title.lower()} is in line with the national picture.")
        page.locator(f"#priorities-{index}-la_priority").select_option(tag)


def expect_order(page, *titles: str) -> None:
    for index, title in enumerate(titles):
        expect(page.locator(f"#priorities-{index}-title")).to_have_value(title)
        expect(page.locator(f"#priorities-{index}-la_priority")).to_have_value(dict(PRIORITIES)[title])
    for index in range(len(titles)):
        expect(page.locator(f"#priorities-{index}-row legend")).to_have_text(f"Priority {index + 1}")


def focused_id(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def test_a_head_teacher_reorders_priorities_with_the_keyboard(page, live):
    open_priorities(page, live, keyboard=True)
    fill_priorities(page, keyboard=True)
    first, second, third = (title for title, _ in PRIORITIES)

    # "Move up" on the third priority: it becomes the second, and keeps the focus, so pressing
    # Enter again moves it on up.
    press(page, page.get_by_role("button", name="Move up priority 3"))
    expect_order(page, first, third, second)
    expect(page.locator("#priorities-1-move-up")).to_be_focused()
    check_page(page, "rows-moved-up")
    page.keyboard.press("Enter")
    expect_order(page, third, first, second)
    # At the top there is no "Move up": the focus is on the row's "Move down".
    expect(page.get_by_role("button", name="Move up priority 1")).to_have_count(0)
    expect(page.locator("#priorities-0-move-down")).to_be_focused()
    page.keyboard.press("Enter")
    expect_order(page, first, third, second)
    expect(page.locator("#priorities-1-move-down")).to_be_focused()
    page.keyboard.press("Enter")
    expect_order(page, first, second, third)
    expect(page.locator("#priorities-2-move-up")).to_be_focused()
    expect(page.get_by_role("button", name="Move down priority 3")).to_have_count(0)

    # Tab from the moved row's button goes on through the page in order, not back to the top.
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Add another priority")).to_be_focused()

    # Add a fourth, move it to the top, then save: the order is the one stored.
    page.keyboard.press("Enter")
    expect(page.locator("#priorities-3-row")).to_be_focused()
    type_into(page, page.locator("#priorities-3-title"), "Reading for pleasure")
    type_into(page, page.locator("#priorities-3-impact"), "By July, more pupils choose to read at home.")
    page.locator("#priorities-3-la_priority").select_option("wellbeing_safety")
    press(page, page.get_by_role("button", name="Move up priority 4"))
    expect(page.locator("#priorities-2-move-up")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#priorities-1-move-up")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#priorities-0-title")).to_have_value("Reading for pleasure")
    expect(page.locator("#priorities-0-move-down")).to_be_focused()
    check_page(page, "rows-four-reordered")
    press(page, page.get_by_role("button", name="Save and continue"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text("‘Improvement priorities’ saved")
    page.goto(dict(section_links(page))["Improvement priorities"])
    expect(page.locator("#priorities-0-title")).to_have_value("Reading for pleasure")
    expect(page.locator("#priorities-1-title")).to_have_value(first)


def test_reordering_priorities_without_javascript(nojs_page, live):
    page = nojs_page
    open_priorities(page, live, keyboard=False)
    fill_priorities(page, keyboard=False)
    first, second, third = (title for title, _ in PRIORITIES)

    # Without JavaScript the button posts the form and the whole page comes back, with the rows
    # moved, what was typed kept, and the focus on the moved row (autofocus).
    press(page, page.get_by_role("button", name="Move up priority 3"))
    expect(page).to_have_url(re.compile(r"/sections/priorities$"))
    expect_order(page, first, third, second)
    expect(page.locator("#priorities-1-move-up")).to_be_focused()
    check_page(page, "rows-nojs-moved-up")
    page.keyboard.press("Enter")
    expect_order(page, third, first, second)
    expect(page.locator("#priorities-0-move-down")).to_be_focused()
    press(page, page.get_by_role("button", name="Move down priority 2"))
    expect_order(page, third, second, first)
    expect(page.locator("#priorities-2-move-up")).to_be_focused()
    check_page(page, "rows-nojs-moved-down")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("‘Improvement priorities’ saved")
    page.goto(dict(section_links(page))["Improvement priorities"])
    expect_order(page, third, second, first)
