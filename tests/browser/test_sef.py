"""A head teacher completes a self-evaluation: with the keyboard alone (autosave, an error corrected,
check answers, submit), and the same without JavaScript."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_page, sign_in

pytestmark = pytest.mark.browser

_claimed: set[tuple[int, int]] = set()  # (window id, school id) taken by a journey in this worker


def a_school_with_an_open_sef_window(live) -> tuple[int, str, str]:
    """(window id, school name, head's email) for a school that has not started its return in an
    open self-evaluation window: the demo's first, then windows opened here when its schools run out.

    Journeys that open windows of their own for one journey, and close them when it ends, use
    academic years from 2031 (tests/browser/test_closing.py): never those, or a return started in
    one would be closed under the journey that took it."""
    from sqlalchemy import select

    from app.extensions import db
    from app.formatting import LONDON
    from app.models import CollectionWindow, Return, Role, User
    from app.models.types import utcnow
    from app.services import windows as window_service

    with live.app.app_context():
        today = utcnow().astimezone(LONDON).date()
        windows = list(
            db.session.scalars(
                select(CollectionWindow).where(
                    CollectionWindow.return_type == "sef", CollectionWindow.closed_at.is_(None), CollectionWindow.opens_on <= today,
                    CollectionWindow.due_on >= today, CollectionWindow.academic_year < "2031",
                ).order_by(CollectionWindow.id)
            )
        )
        for spare in ("autumn", "spring", "summer", "annual", None):
            for window in windows:
                started = set(db.session.scalars(select(Return.school_id).where(Return.window_id == window.id)))
                for school, _exception in window_service.schools_in_scope(window):
                    if school.id in started or (window.id, school.id) in _claimed or school.offers_sixth_form:
                        continue
                    head = db.session.scalar(
                        select(User).where(User.school_id == school.id, User.role == Role.SCHOOL.value, User.approver.is_(True), User.active.is_(True))
                    )
                    if head is not None:
                        _claimed.add((window.id, school.id))
                        result = (window.id, school.name, head.email)
                        db.session.remove()
                        return result
            if spare is None or db.session.scalar(
                select(CollectionWindow.id).where(CollectionWindow.return_type == "sef", CollectionWindow.academic_year == "2030/31", CollectionWindow.period == spare)
            ):
                continue
            # Every school has a return in the windows there are: open another, left open for others.
            windows = [
                CollectionWindow(
                    return_type="sef", academic_year="2030/31", period=spare, title=f"Self-evaluation, {spare} 2030",
                    opens_on=today - timedelta(days=7), due_on=today + timedelta(days=21),
                    phases=["Primary", "Secondary", "Middle deemed primary", "Middle deemed secondary", "All-through", "16 plus", "Nursery"],
                )
            ]
            db.session.add(windows[0])
            db.session.commit()
    pytest.fail("no school left without a return in the open self-evaluation windows")


def start_blank(page, window_id: int, *, keyboard: bool) -> None:
    """Start the return; where the school has an accepted one from last time, start blank instead."""
    page.goto(f"/windows/{window_id}/start")
    blank = page.get_by_label("Start with a blank return")
    if blank.count():
        press(page, blank, "Space") if keyboard else blank.check()
    start = page.get_by_role("button", name="Start")
    press(page, start) if keyboard else start.click()
    expect(page.locator(".govuk-task-list")).to_be_visible()


def press(page, locator, key: str = "Enter") -> None:
    # A success banner takes the focus when GOV.UK Frontend starts on the page: wait until it has,
    # or the banner can take the focus from the element between focusing it and pressing the key
    # (seen under load: Enter pressed on the banner, so the link was never followed).
    page.wait_for_load_state("load")
    locator.focus()
    expect(locator).to_be_focused()
    page.keyboard.press(key)


def type_into(page, locator, text: str) -> None:
    locator.focus()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.type(text)


def choose(page, group_name: str, option: str) -> None:
    """A radio chosen from the keyboard: focus the option and press Space."""
    press(page, page.get_by_role("group", name=group_name).get_by_label(option, exact=True), "Space")


AREA_TEXT = {
    "strengths": "Reading fluency has risen for three years; monitoring shows consistent phonics teaching.",
    "improvements": "Writing at greater depth in key stage 2 lags reading; subject leaders need release time.",
}


def fill_section(page, key: str, *, keyboard: bool) -> None:
    fill = (lambda locator, text: type_into(page, locator, text)) if keyboard else (lambda locator, text: locator.fill(text))
    if key == "context":
        fill(page.get_by_label("Pupils on roll"), "212")
        fill(page.get_by_label("Percentage of disadvantaged pupils (pupil premium)"), "24.5")
        fill(page.get_by_label("Percentage of pupils with SEND support"), "14")
        fill(page.get_by_label("Percentage of pupils with an EHC plan"), "2.1")
        fill(page.get_by_label("Percentage of pupils with English as an additional language"), "9")
        page.get_by_label("Outcome of the last inspection").select_option("good")
        fill(page.locator("#last_inspection_on-day"), "14")
        fill(page.locator("#last_inspection_on-month"), "3")
        fill(page.locator("#last_inspection_on-year"), "2023")
    elif key == "safeguarding":
        if keyboard:
            choose(page, "Are the school's safeguarding arrangements effective?", "Met")
        else:
            page.get_by_label("Met", exact=True).check()
        fill(page.get_by_label("Safeguarding statement"), "Staff training is current; the single central record was audited in September.")
    elif key == "priorities":
        for index, (title, tag) in enumerate((("Writing at greater depth", "attainment"), ("Attendance of disadvantaged pupils", "inclusion"), ("Middle leaders' capacity", "capacity"))):
            fill(page.locator(f"#priorities-{index}-title"), title)
            page.locator(f"#priorities-{index}-la_priority").select_option(tag)
            fill(page.locator(f"#priorities-{index}-impact"), f"By July, {title.lower()} is in line with the national picture.")
    else:
        if keyboard:
            choose(page, "Your self-evaluated grade", "Strong standard")
        else:
            page.get_by_label("Strong standard").check()
        fill(page.get_by_label("Key strengths and the evidence for them"), AREA_TEXT["strengths"])
        fill(page.get_by_label("What needs to improve"), AREA_TEXT["improvements"])


def section_links(page) -> list[tuple[str, str]]:
    links = page.locator(".govuk-task-list__link")
    return [(links.nth(i).inner_text().strip(), links.nth(i).get_attribute("href")) for i in range(links.count())]


def test_a_head_teacher_completes_a_self_evaluation_with_the_keyboard(page, live):
    window_id, school_name, head = a_school_with_an_open_sef_window(live)
    sign_in(page, head)
    # The school's home page lists the window, with the way in.
    page.goto("/school")
    start = page.locator(f'a[href="/windows/{window_id}/start"]')
    expect(start).to_contain_text("Start")
    check_page(page, "sef-home")
    press(page, start)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Start your school self-evaluation")
    check_page(page, "sef-start")
    start_blank(page, window_id, keyboard=True)
    check_page(page, "sef-task-list")
    sections = section_links(page)
    assert [title for title, _ in sections][:2] == ["School context", "Inclusion"]
    assert sections[-1][0] == "Improvement priorities"

    # Autosave: typing is saved without pressing a button, and is there after a reload.
    page.goto(sections[0][1])
    type_into(page, page.get_by_label("Pupils on roll"), "212")
    expect(page.locator("#autosave-status")).to_contain_text(re.compile(r"Saved at \d\d:\d\d"))
    page.reload()
    expect(page.get_by_label("Pupils on roll")).to_have_value("212")

    # An error shown beside the field as the user leaves it, then corrected.
    eal = page.get_by_label("Percentage of pupils with English as an additional language")
    type_into(page, eal, "140")
    page.keyboard.press("Tab")
    expect(page.locator("#field-eal .govuk-error-message")).to_contain_text("must be between 0 and 100")
    # The draft keeps it as typed, and says it needs attention, where the person is typing.
    expect(page.locator("#autosave-status")).to_contain_text("1 answer needs attention")
    expect(page.locator("#autosave-status")).to_contain_text("must be between 0 and 100")
    check_page(page, "sef-section-field-error")
    # A reload shows it again, with its message beside it.
    page.reload()
    expect(page.get_by_label("Percentage of pupils with English as an additional language")).to_have_value("140")
    expect(page.locator("#field-eal .govuk-error-message")).to_contain_text("must be between 0 and 100")
    # Saving with the error: the summary at the top, nothing lost.
    press(page, page.get_by_role("button", name="Save and continue"))
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.locator(".govuk-error-summary")).to_contain_text("between 0 and 100")
    expect(page.locator("main")).to_contain_text("Your answers have been saved, but the section is not marked as completed")
    check_page(page, "sef-section-errors")
    fill_section(page, "context", keyboard=True)
    press(page, page.get_by_role("button", name="Save and continue"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text("‘School context’ saved")

    for title, href in sections[1:]:
        page.goto(href)
        expect(page.get_by_role("heading", level=1)).to_have_text(title)
        key = href.rsplit("/", 1)[-1]
        if key == "priorities":
            # "Add another" from the keyboard adds a row in place; its "Remove" takes it away again.
            press(page, page.get_by_role("button", name="Add another priority"))
            expect(page.locator("#priorities-3-title")).to_be_visible()
            check_page(page, "sef-priorities-four-rows")
            press(page, page.get_by_role("button", name="Remove priority 4"))
            expect(page.locator("#priorities-3-title")).to_have_count(0)
            # The focus comes back to the row before the one removed once htmx has settled; typing
            # starts after that, as a person's would, or the focus would move mid-word.
            expect(page.locator("#priorities-2-row")).to_be_focused()
        fill_section(page, key, keyboard=True)
        if key in ("inclusion", "priorities", "safeguarding"):
            check_page(page, f"sef-section-{key}")
        press(page, page.get_by_role("button", name="Save and continue"))
        expect(page.locator(".govuk-notification-banner")).to_contain_text(f"‘{title}’ saved")

    expect(page.locator(".govuk-task-list")).not_to_contain_text("In progress")
    press(page, page.get_by_role("link", name="Check your answers and submit"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers")
    expect(page.locator("main")).to_contain_text("Writing at greater depth")
    check_page(page, "sef-check-answers")
    press(page, page.get_by_role("button", name="Submit return"))
    expect(page.locator(".govuk-error-summary")).to_contain_text("Confirm the declaration")
    check_page(page, "sef-check-answers-error")
    press(page, page.get_by_role("checkbox"), "Space")
    press(page, page.get_by_role("button", name="Submit return"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Your return has been submitted")
    expect(page.locator("main")).to_contain_text("Submitted")
    check_page(page, "sef-submitted")


def test_the_same_self_evaluation_without_javascript(nojs_page, live):
    page = nojs_page
    window_id, school_name, head = a_school_with_an_open_sef_window(live)
    sign_in(page, head)
    start_blank(page, window_id, keyboard=False)
    sections = section_links(page)
    for title, href in sections:
        page.goto(href)
        key = href.rsplit("/", 1)[-1]
        if key == "context":
            page.get_by_role("button", name="Save and continue").click()
            expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the number of pupils on roll")
            check_page(page, "sef-nojs-section-errors")
        if key == "priorities":
            page.get_by_role("button", name="Add another priority").click()
            expect(page.locator("#priorities-3-title")).to_be_visible()
            page.get_by_role("button", name="Remove priority 4").click()
            expect(page.locator("#priorities-3-title")).to_have_count(0)
            check_page(page, "sef-nojs-priorities")
        fill_section(page, key, keyboard=False)
        page.get_by_role("button", name="Save and continue").click()
        expect(page.locator(".govuk-notification-banner")).to_contain_text(f"‘{title}’ saved")
    page.get_by_role("link", name="Check your answers and submit").click()
    page.get_by_role("checkbox").check()
    page.get_by_role("button", name="Submit return").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Your return has been submitted")
    check_page(page, "sef-nojs-submitted")

