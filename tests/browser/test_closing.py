"""Nothing typed is ever lost: a head teacher is typing when an officer closes the collection
window, and is told once, with the text left on the page and a way to see all of it to copy; and
leaving a section with changes not saved yet asks first."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import timedelta

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from tests.browser.conftest import check_page, sign_in
from tests.browser.test_sef import press, start_blank, type_into

pytestmark = pytest.mark.browser

REASON = "The window for this return is closed. Ask the School Improvement Team to reopen it"
TYPED = "<script>alert(1)</script> Writing at greater depth lags reading."


def a_window_of_our_own(live, period: str, academic_year: str = "2031/32", return_type: str = "sef", title: str = "Self-evaluation") -> tuple[int, str]:
    """(window id, head's email): a self-evaluation window opened for these journeys alone, so that
    closing it early touches no other journey's window, and a school whose head can start in it."""
    from sqlalchemy import select

    from app.extensions import db
    from app.formatting import LONDON
    from app.models import CollectionWindow, Role, User
    from app.models.types import utcnow
    from app.services import windows as window_service

    with live.app.app_context():
        today = utcnow().astimezone(LONDON).date()
        window = CollectionWindow(
            return_type=return_type, academic_year=academic_year, period=period, title=f"{title}, {period} {academic_year[:4]}",
            opens_on=today - timedelta(days=7), due_on=today + timedelta(days=21),
            phases=["Primary", "Secondary", "Middle deemed primary", "Middle deemed secondary", "All-through", "16 plus", "Nursery"],
        )
        db.session.add(window)
        db.session.commit()
        for school, _exception in window_service.schools_in_scope(window):
            head = db.session.scalar(
                select(User).where(User.school_id == school.id, User.role == Role.SCHOOL.value, User.approver.is_(True), User.active.is_(True))
            )
            if head is not None:
                result = (window.id, head.email)
                db.session.remove()
                return result
    pytest.fail("no school with a head teacher in the window")


def close_early(live, window_id: int) -> None:
    """What an officer's "Close the window now" does (app/windows/routes.py), straight in the live
    database, as the head teacher types."""
    from app.extensions import db
    from app.models import CollectionWindow
    from app.services import windows as window_service

    with live.app.app_context():
        window_service.close_early(db.session.get(CollectionWindow, window_id))
        db.session.commit()
        db.session.remove()


@contextmanager
def inclusion_section(page, live, period: str):
    """The head teacher on the Inclusion section of a new return in a window of our own, which is
    closed at the end so that no later journey picks it as the open window."""
    window_id, head = a_window_of_our_own(live, period)
    try:
        sign_in(page, head)
        start_blank(page, window_id, keyboard=False)
        return_id = int(re.search(r"/returns/(\d+)", page.url).group(1))
        page.goto(f"/returns/{return_id}/sections/inclusion")
        expect(page.get_by_role("heading", level=1)).to_have_text("Inclusion")
        yield window_id, return_id
    finally:
        close_early(live, window_id)


def record_dialogs(page) -> list[str]:
    seen: list[str] = []

    def on_dialog(dialog) -> None:
        seen.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return seen


def test_typing_when_the_window_closes_is_told_once_and_the_text_is_kept_to_copy(page, live):
    with inclusion_section(page, live, "autumn") as (window_id, return_id):
        typing_when_the_window_closes(page, live, window_id, return_id)


def typing_when_the_window_closes(page, live, window_id: int, return_id: int) -> None:
    dialogs = record_dialogs(page)
    status = page.locator("#autosave-status")
    strengths = page.get_by_label("Key strengths and the evidence for them")
    improvements = page.get_by_label("What needs to improve")
    type_into(page, strengths, "Phonics teaching is consistent across the school.")
    expect(status).to_contain_text(re.compile(r"Saved at \d\d:\d\d"))

    close_early(live, window_id)
    type_into(page, improvements, TYPED)
    expect(status).to_contain_text(f"Not saved: {REASON}. Your text is still on this page: copy it before you leave.")
    expect(improvements).to_have_value(TYPED)
    expect(strengths).to_have_value("Phonics teaching is consistent across the school.")
    check_page(page, "closing-autosave-refused")

    # Typing on changes nothing: the message is not said again, the text stays.
    improvements.focus()
    with page.expect_response(lambda response: response.url.endswith("/autosave")) as answered:
        page.keyboard.type(" More.")
    assert answered.value.status == 204
    expect(status).to_contain_text("Not saved:")
    assert status.inner_text().count("Not saved:") == 1
    expect(improvements).to_have_value(TYPED + " More.")

    # The button shows everything typed, to copy, and leaving through it asks nothing.
    press(page, page.get_by_role("button", name="See what you typed"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your answers were not saved")
    main = page.locator("main")
    expect(main).to_contain_text(REASON)
    expect(main).to_contain_text(TYPED + " More.")  # the script tag as text: it did not run
    expect(main).to_contain_text("What needs to improve")
    expect(main).to_contain_text("Phonics teaching is consistent across the school.")
    assert page.locator("main").inner_text().count(REASON) == 1
    check_page(page, "closing-not-saved")

    # The school still reads its draft, read-only, and the overview says why once.
    page.goto(f"/returns/{return_id}/sections/inclusion")
    expect(page.locator("main")).to_contain_text("Phonics teaching is consistent across the school.")
    expect(page.locator("main textarea")).to_have_count(0)
    check_page(page, "closing-read-only")
    page.goto(f"/returns/{return_id}")
    assert page.locator("main").inner_text().count(REASON) == 1
    check_page(page, "closing-overview")
    assert dialogs == []


def test_leaving_a_section_with_unsaved_changes_asks_first(page, live):
    with inclusion_section(page, live, "spring") as (_window_id, return_id):
        leaving_with_unsaved_changes(page, return_id)


def leaving_with_unsaved_changes(page, return_id: int) -> None:
    dialogs = record_dialogs(page)
    section_url = page.url
    overview = f"/returns/{return_id}"
    strengths = page.get_by_label("Key strengths and the evidence for them")

    # Typed, and away before the autosave's pause is over: the browser asks (dismissed: we stay).
    type_into(page, strengths, "Half a thought")
    try:
        page.goto(overview, timeout=3000)
    except PlaywrightError:
        pass  # staying on the page aborts the navigation
    assert dialogs == ["beforeunload"]
    assert page.url == section_url
    expect(strengths).to_have_value("Half a thought")

    # Once the autosave has stored it, leaving asks nothing.
    expect(page.locator("#autosave-status")).to_contain_text(re.compile(r"Saved at \d\d:\d\d"))
    page.keyboard.press("Tab")  # the text box's "change" on leaving it is not a new change
    page.goto(overview)
    expect(page.get_by_role("heading", level=2, name="Sections")).to_be_visible()
    assert dialogs == ["beforeunload"]

    # Saving with the form's own button asks nothing either, even straight after typing.
    page.goto(f"/returns/{return_id}/sections/inclusion")
    type_into(page, page.get_by_label("Key strengths and the evidence for them"), "Another thought")
    press(page, page.get_by_role("button", name="Save and come back later"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text("‘Inclusion’ saved")
    assert dialogs == ["beforeunload"]
