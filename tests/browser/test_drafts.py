"""A draft keeps whatever was typed, with JavaScript (autosave) and without ("Save and come back
later"): an invalid value is kept with its message, never stops another answer being saved, shows on
the task list, and blocks only completing the section and submitting."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_page, sign_in
from tests.browser.test_closing import a_window_of_our_own, close_early
from tests.browser.test_sef import section_links, start_blank, type_into

pytestmark = pytest.mark.browser

PUPILS = "Pupils on roll"
EAL = "Percentage of pupils with English as an additional language"
WHOLE_NUMBER = "Pupils on roll must be a whole number, like 240"


def the_invalid_value_is_kept(page, sections) -> None:
    """After a reload: the value as typed with its message beside it, the other answer saved, the
    task list counting it, and the check page refusing to let the return go."""
    page.goto(sections["School context"])
    expect(page.get_by_label(PUPILS)).to_have_value("lots")
    expect(page.locator("#field-pupils_on_roll .govuk-error-message")).to_contain_text(WHOLE_NUMBER)
    expect(page.get_by_label(EAL)).to_have_value("9")
    expect(page.locator("main")).to_contain_text("1 answer needs attention")
    page.goto(sections["School context"].rsplit("/sections/", 1)[0])
    expect(page.locator(".govuk-task-list")).to_contain_text("1 answer needs attention")


@pytest.fixture()
def own_window(live, request):
    """A window of this journey's own, closed at the end, so no other journey takes it for the open
    one and the demo's window keeps its schools for the journeys that need them."""
    period = "autumn" if "with_javascript" in request.node.name else "spring"
    window_id, head = a_window_of_our_own(live, period, academic_year="2033/34")
    yield window_id, head
    close_early(live, window_id)


def test_with_javascript_an_invalid_value_never_stops_the_next_answer_being_saved(page, own_window):
    window_id, head = own_window
    sign_in(page, head)
    start_blank(page, window_id, keyboard=True)
    sections = dict(section_links(page))
    page.goto(sections["School context"])
    type_into(page, page.get_by_label(PUPILS), "lots")
    status = page.locator("#autosave-status")
    expect(status).to_contain_text("1 answer needs attention")
    expect(status).to_contain_text(WHOLE_NUMBER)
    with page.expect_response(lambda response: response.url.endswith("/autosave") and response.status == 200):
        type_into(page, page.get_by_label(EAL), "9")
    expect(status).to_contain_text(re.compile(r"Saved at \d\d:\d\d"))
    check_page(page, "draft-invalid-autosaved")
    # The link back no longer says that leaving saves nothing: something has been saved.
    expect(page.locator("#leave-section")).to_have_text("Back to the sections")
    the_invalid_value_is_kept(page, sections)
    check_page(page, "draft-task-list-attention")


def test_without_javascript_save_and_come_back_later_keeps_what_was_typed(nojs_page, own_window):
    page = nojs_page
    window_id, head = own_window
    sign_in(page, head)
    start_blank(page, window_id, keyboard=False)
    sections = dict(section_links(page))
    page.goto(sections["School context"])
    page.get_by_label(PUPILS).fill("lots")
    page.get_by_label(EAL).fill("9")
    page.get_by_role("button", name="Save and come back later").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("‘School context’ saved. 1 answer needs attention")
    the_invalid_value_is_kept(page, sections)
    check_page(page, "draft-nojs-task-list")
    # "Save and continue" saves as well, and says what still stops the section being completed.
    page.goto(sections["School context"])
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(WHOLE_NUMBER)
    expect(page.locator("main")).to_contain_text("Your answers have been saved, but the section is not marked as completed")
    expect(page.locator("#leave-section")).to_have_text("Back to the sections")
    check_page(page, "draft-nojs-saved-with-errors")
