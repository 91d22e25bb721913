"""Two people at one school on one section at once, in two browsers: nothing either typed is lost.

Different answers changed: both kept, no conflict page. The same answer changed: both texts on one
page, each choice stores what was chosen, and the text that was overwritten can be found among the
section's versions and restored."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import _new_page, check_page, sign_in
from tests.browser.test_closing import a_window_of_our_own, close_early
from tests.browser.test_sef import press, section_links, start_blank, type_into

pytestmark = pytest.mark.browser


def a_colleague_of(live, head_email: str) -> str:
    """Another member of staff at the head's school (made here, as a head would invite them), who
    can work on its return too."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Role, School, User
    from app.services.users import create_user
    from tests.browser.conftest import DEMO_PASSWORD

    with live.app.app_context():
        head = db.session.scalar(select(User).where(User.email == head_email))
        school = db.session.get(School, head.school_id)
        email = f"colleague-{school.urn}@example.org"
        if db.session.scalar(select(User).where(User.email == email)) is None:
            create_user(name="Cara Colleague", email=email, role=Role.SCHOOL.value, school=school, password=DEMO_PASSWORD)
            db.session.commit()
        db.session.remove()
    return email


@pytest.fixture()
def two_people(browser, live_server, live, request):
    """The head and a colleague, each in a browser of their own, with a return started in a window
    of this journey's own (closed at the end, so no other journey takes it for the open one)."""
    period = "autumn" if "different_answers" in request.node.name else "spring"
    window_id, head_email = a_window_of_our_own(live, period, academic_year="2032/33")
    colleague_email = a_colleague_of(live, head_email)
    contexts = []
    pages = []
    for email in (head_email, colleague_email):
        context, page = _new_page(browser, live_server, javascript=True)
        contexts.append(context)
        sign_in(page, email)
        pages.append(page)
    start_blank(pages[0], window_id, keyboard=False)
    sections = dict(section_links(pages[0]))
    yield pages[0], pages[1], sections
    for context in contexts:
        context.close()
    close_early(live, window_id)


def saved(page):
    expect(page.locator("#autosave-status")).to_contain_text(re.compile(r"Saved at \d\d:\d\d"))


def test_two_people_changing_different_answers_both_keep_theirs_without_a_conflict(two_people):
    head, colleague, sections = two_people
    for page in (head, colleague):
        page.goto(sections["School context"])
    type_into(head, head.get_by_label("Pupils on roll"), "300")
    saved(head)
    # The colleague's page was loaded before the head's save; their change is to another answer.
    type_into(colleague, colleague.get_by_label("Percentage of disadvantaged pupils (pupil premium)"), "24.5")
    saved(colleague)
    expect(colleague.locator("#autosave-status")).to_contain_text("Changes a colleague saved to 1 other answer are kept too")
    check_page(colleague, "two-people-merged-status")
    # And the colleague's full save merges too: no conflict page, both answers there.
    press(colleague, colleague.get_by_role("button", name="Save and come back later"))
    expect(colleague.get_by_role("heading", level=1)).not_to_have_text(re.compile("changed the same"))
    for page in (head, colleague):
        page.goto(sections["School context"])
        expect(page.get_by_label("Pupils on roll")).to_have_value("300")
        expect(page.get_by_label("Percentage of disadvantaged pupils (pupil premium)")).to_have_value("24.5")


def test_two_people_changing_the_same_answer_see_both_texts_choose_and_can_restore_the_other(two_people):
    head, colleague, sections = two_people
    area = sections["Inclusion"]
    for page in (head, colleague):
        page.goto(area)
    strengths = "Key strengths and the evidence for them"
    type_into(head, head.get_by_label(strengths), "The head's account <b>of strengths</b>.")
    saved(head)
    type_into(colleague, colleague.get_by_label(strengths), "The colleague's account of strengths.")
    # Told where they are typing, without losing a word.
    status = colleague.locator("#autosave-status")
    expect(status).to_contain_text("has also changed ‘Key strengths and the evidence for them’")
    expect(colleague.get_by_label(strengths)).to_have_value("The colleague's account of strengths.")
    check_page(colleague, "two-people-clash-status")
    press(colleague, status.get_by_role("button", name="Compare and choose which to keep"))

    # Both texts in full on one page, the head's HTML shown as text.
    expect(colleague.get_by_role("heading", level=1)).to_contain_text("changed the same answer as you")
    main = colleague.locator("main")
    expect(main).to_contain_text("The colleague's account of strengths.")
    expect(main).to_contain_text("The head's account <b>of strengths</b>.")
    check_page(colleague, "two-people-conflict")

    # Choosing nothing asks again; writing one combined text stores exactly that.
    press(colleague, colleague.get_by_role("button", name="Save these choices"))
    expect(colleague.locator(".govuk-error-summary")).to_contain_text("choose which answer to keep")
    choice = colleague.get_by_label("Write one answer combining both")
    press(colleague, choice, "Space")
    expect(choice).to_be_checked()
    combined = colleague.get_by_label("Your combined answer")
    type_into(colleague, combined, "Both accounts, combined into one.")
    expect(combined).to_have_value("Both accounts, combined into one.")
    press(colleague, colleague.get_by_role("button", name="Save these choices"))
    expect(colleague.locator(".govuk-notification-banner")).to_contain_text("‘Inclusion’ saved", timeout=15_000)
    colleague.goto(area)
    expect(colleague.get_by_label(strengths)).to_have_value("Both accounts, combined into one.")

    # The head's words were overwritten, never lost: they are among the section's versions.
    head.goto(area)
    press(head, head.get_by_role("link", name="Earlier versions of this section"))
    expect(head.locator("main")).to_contain_text("Replaced by Cara Colleague")
    check_page(head, "two-people-versions")
    press(head, head.locator("main a[href*='/versions/']").first)
    expect(head.locator("main")).to_contain_text("The head's account <b>of strengths</b>.")
    press(head, head.get_by_role("button", name="Restore this version"))
    expect(head.get_by_label(strengths)).to_have_value("The head's account <b>of strengths</b>.")
