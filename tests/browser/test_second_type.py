"""A second return type in the browser: the test-only "visit write-up" (tests/engine/visit_type.py).

Staff at a visiting school write up a host school and their head teacher submits it; the host school
responds in a step of its own; one named link officer decides, with a "Quality assurance" checklist;
a group of schools reads it. The write-up works out "Time in lessons" from the minutes (refreshed by
autosave) and queries more than eight hours in lessons. Keyboard only, axe on every page; the
visiting school's write-up and the host's response once more without JavaScript.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import _new_page, check_page, sign_in
from tests.browser.test_sef import choose, press, type_into
from tests.engine import visit_type

pytestmark = pytest.mark.browser

HOST_URN = "990108"  # Willowbank Primary School: visited, responds
VISITOR_URN = "990105"  # Heronfield Primary Academy: Priya Chauhan drafts, Aisha Rahman (head) submits
READER_URN = "990111"  # Orchard Lane Primary Academy: in the group, reads
WINDOW_TITLE = "Visit write-ups, spring term"

WORKING = "Pupils in year 4 talk confidently about the books they are reading."
EXPLANATION = "A whole-day visit across two sites, with lessons observed from 8:30 until 6pm."
RESPONSE = "We agree, and will share our reading work with the other schools in the group."
QUERY = "More than eight hours in lessons in one day is unusual."


@dataclass(frozen=True)
class Visit:
    window_id: int
    host_id: int
    host: str  # the host school's name
    author: str  # emails
    approver: str
    host_head: str
    reader: str
    officer: str


@pytest.fixture
def visit(live) -> Iterator[Visit]:
    """A window for the visit type on the live app, who visits whom, the group and the link officer;
    the type is registered for the test and everything it made is taken away afterwards."""
    from sqlalchemy import select

    from app.engine import registry
    from app.extensions import db
    from app.formatting import LONDON
    from app.models import CollectionWindow, Role, User
    from app.models.types import utcnow

    host, visitor, reader = live.school(HOST_URN), live.school(VISITOR_URN), live.school(READER_URN)
    with live.app.app_context():
        today = utcnow().astimezone(LONDON).date()
        window = CollectionWindow(
            return_type=visit_type.RETURN_TYPE.key, academic_year="2026/27", period="spring", title=WINDOW_TITLE,
            opens_on=today - timedelta(days=7), due_on=today + timedelta(days=21), phases=["Primary"],
        )
        db.session.add(window)
        db.session.commit()
        window_id = window.id
        author = db.session.scalar(
            select(User.email).where(User.school_id == visitor.id, User.role == Role.SCHOOL.value, User.approver.is_(False))
        )
        officer = db.session.scalar(select(User).where(User.email == "officer@example.org"))
        officer_id = officer.id
        db.session.remove()
    assert author, "the demo has a member of staff (not the head) at the visiting school"

    visit_type.VISITS.authors[host.id] = visitor.id
    visit_type.VISITS.group.update({host.id, visitor.id, reader.id})
    visit_type.VISITS.decider_id = officer_id
    registry.register(visit_type.RETURN_TYPE)
    try:
        yield Visit(window_id, host.id, host.name, author, visitor.head_email, host.head_email, reader.head_email, "officer@example.org")
    finally:
        registry.unregister(visit_type.RETURN_TYPE.key)
        visit_type.VISITS.authors.clear()
        visit_type.VISITS.group.clear()
        visit_type.VISITS.decider_id = None
        _remove_window(live, window_id)


def _remove_window(live, window_id: int) -> None:
    """The window and every row of its returns (bulk deletes: submissions and transitions refuse
    ORM deletes, being the permanent record, but this window never existed outside the test)."""
    from sqlalchemy import delete, select

    from app.extensions import db
    from app.models import CollectionWindow, Return, ReturnSection, ReturnTransition, ReviewNote, SectionComment, SectionVersion, StepAnswers, Submission

    with live.app.app_context():
        returns = select(Return.id).where(Return.window_id == window_id)
        submissions = select(Submission.id).where(Submission.return_id.in_(returns))
        for model in (StepAnswers, SectionComment, ReviewNote):
            db.session.execute(delete(model).where(model.submission_id.in_(submissions)))
        for model in (Submission, ReturnTransition, ReturnSection, SectionVersion):
            db.session.execute(delete(model).where(model.return_id.in_(returns)))
        db.session.execute(delete(Return).where(Return.window_id == window_id))
        db.session.execute(delete(CollectionWindow).where(CollectionWindow.id == window_id))
        db.session.commit()
        db.session.remove()


def the_return_id(live, visit: Visit) -> int:
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Return

    with live.app.app_context():
        return_id = db.session.scalar(select(Return.id).where(Return.window_id == visit.window_id, Return.school_id == visit.host_id))
        db.session.remove()
    assert return_id is not None
    return return_id


def test_a_visit_write_up_from_the_visitors_to_the_host_the_link_officer_and_the_group(browser, live_server, live, visit):
    pages = {}
    try:
        for who in ("author", "approver", "officer", "host", "reader"):
            pages[who] = _new_page(browser, live_server, javascript=True)
            sign_in(pages[who][1], getattr(visit, "host_head" if who == "host" else who))
        author, approver, officer, host, reader = (pages[who][1] for who in ("author", "approver", "officer", "host", "reader"))

        # 1. The visiting school's member of staff finds the host school on their home page and starts.
        author.goto("/school")
        others = author.locator("#other-returns")
        expect(author.get_by_role("heading", name="Returns about other schools")).to_be_visible()
        card = others.locator(".govuk-summary-card", has_text=visit.host)
        expect(card).to_contain_text(WINDOW_TITLE)
        expect(card.locator(".govuk-summary-list__row", has_text="Your part")).to_contain_text("An approver at your school submits it")
        expect(card.locator(".govuk-tag")).to_have_text("Not started")
        check_page(author, "visit-home-author")
        press(author, card.get_by_role("link", name=re.compile(r"^Start")))
        expect(author.get_by_role("heading", level=1)).to_have_text("Start your visit write-up")
        check_page(author, "visit-start")
        press(author, author.get_by_role("button", name="Start"))
        expect(author.locator(".govuk-task-list")).to_be_visible()
        check_page(author, "visit-overview-draft")
        return_id = the_return_id(live, visit)

        press(author, author.get_by_role("link", name="Findings", exact=True))
        expect(author.get_by_role("heading", level=1)).to_have_text("Findings")
        type_into(author, author.get_by_label("What is working well"), WORKING)
        type_into(author, author.get_by_label("Minutes spent in lessons", exact=True), "90")
        expect(author.locator("#autosave-status")).to_contain_text(re.compile(r"Saved at \d\d:\d\d"))
        derived = author.locator("#derived-values")
        expect(derived).to_contain_text("Time in lessons")
        expect(derived).to_contain_text("1.5 hours")
        check_page(author, "visit-section-derived")
        type_into(author, author.get_by_label("Minutes spent in lessons", exact=True), "600")
        expect(derived).to_contain_text("10 hours")

        # Saving an unusual answer asks why, with a link from the error summary to the box.
        press(author, author.get_by_role("button", name="Save and continue"))
        expect(author).to_have_title(re.compile(r"^Error: "))
        summary_link = author.locator(".govuk-error-summary").get_by_role("link", name=re.compile(re.escape(QUERY)))
        expect(summary_link).to_have_attribute("href", "#explain-long_day")
        expect(author.get_by_label("Minutes spent in lessons", exact=True)).to_have_value("600")
        check_page(author, "visit-section-query")
        press(author, summary_link)
        expect(author.get_by_label("Explain your answer to ‘Minutes spent in lessons’")).to_be_focused()
        author.keyboard.type(EXPLANATION)
        press(author, author.get_by_role("button", name="Save and continue"))
        expect(author.locator(".govuk-notification-banner")).to_contain_text("‘Findings’ saved")
        expect(author.locator("main")).to_contain_text("ready for sign-off")
        check_page(author, "visit-overview-complete")

        # 2. The visiting school's head checks the answers, with the worked-out value and the
        # explanation, and submits.
        approver.goto(f"/returns/{return_id}")
        press(approver, approver.get_by_role("link", name="Check your answers and submit"))
        expect(approver.get_by_role("heading", level=1)).to_have_text("Check your answers")
        main = approver.locator("main")
        expect(main).to_contain_text("Time in lessons")
        expect(main).to_contain_text("10 hours")
        expect(main).to_contain_text(QUERY)
        expect(main).to_contain_text(EXPLANATION)
        check_page(approver, "visit-check-answers")
        press(approver, approver.get_by_role("checkbox"), "Space")
        press(approver, approver.get_by_role("button", name="Submit return"))
        expect(approver.locator(".govuk-notification-banner")).to_contain_text("submitted")
        check_page(approver, "visit-submitted")

        # 3. The link officer can read it and comment, but not decide before the host responds.
        officer.goto(f"/returns/{return_id}/review")
        expect(officer.locator(".govuk-inset-text", has_text="Waiting for this step")).to_contain_text("Respond to the write-up")
        expect(officer.get_by_role("button", name="Accept")).to_have_count(0)
        expect(officer.get_by_role("button", name="Save comments")).to_be_visible()
        check_page(officer, "visit-review-waiting")

        # 4. The host school responds in its own step; an empty response is refused.
        host.goto("/school")
        check_page(host, "visit-home-host")
        host.goto(f"/returns/{return_id}")
        check_page(host, "visit-overview-host")
        press(host, host.get_by_role("button", name="Respond to the write-up"))
        expect(host.get_by_role("heading", level=1)).to_have_text("Respond to the write-up")
        expect(host.locator("main")).to_contain_text(WORKING)
        check_page(host, "visit-step")
        press(host, host.get_by_role("button", name="Respond to the write-up"))
        expect(host).to_have_title(re.compile(r"^Error: "))
        expect(host.locator(".govuk-error-summary")).to_contain_text("Enter the host school's response")
        expect(host.locator(".govuk-error-message")).to_contain_text("Enter the host school's response")
        check_page(host, "visit-step-errors")
        press(host, host.locator(".govuk-error-summary").get_by_role("link", name="Enter the host school's response"))
        expect(host.get_by_label("The host school's response")).to_be_focused()
        host.keyboard.type(RESPONSE)
        press(host, host.get_by_role("button", name="Respond to the write-up"))
        expect(host.locator(".govuk-notification-banner")).to_be_visible()
        expect(host.locator("main")).to_contain_text(RESPONSE)
        check_page(host, "visit-overview-responded")
        # The step, once taken, is closed, and says so.
        host.goto(f"/returns/{return_id}/steps/respond")
        expect(host.locator("#step-form")).to_contain_text("This step is not open now (status: Host has responded)")
        expect(host.get_by_role("button", name="Respond to the write-up")).to_have_count(0)
        check_page(host, "visit-step-closed")

        # 5. The link officer sees the response and the flagged query; accepting needs the checklist.
        officer.goto(f"/returns/{return_id}/review")
        main = officer.locator("main")
        expect(main).to_contain_text(RESPONSE)
        expect(main.locator(".gt-query")).to_contain_text(QUERY)
        expect(main.locator(".gt-query")).to_contain_text(EXPLANATION)
        expect(main).to_contain_text("10 hours")
        expect(officer.get_by_role("heading", name="Quality assurance")).to_be_visible()
        check_page(officer, "visit-review-decide")
        press(officer, officer.get_by_role("button", name="Accept"))
        expect(officer).to_have_title(re.compile(r"^Error: "))
        expect(officer.locator(".govuk-error-summary")).to_contain_text("Select whether the review was proportionate")
        check_page(officer, "visit-review-checklist-error")
        press(officer, officer.locator(".govuk-error-summary").get_by_role("link", name="Select whether the review was proportionate"))
        expect(officer.get_by_role("group", name=re.compile("Was the review proportionate")).get_by_label("Yes", exact=True)).to_be_focused()
        choose(officer, "Was the review proportionate?", "Yes")
        press(officer, officer.get_by_role("button", name="Accept"))
        expect(officer.locator(".govuk-notification-banner")).to_contain_text("accepted")
        officer.goto(f"/returns/{return_id}/review")
        expect(officer.locator("main")).to_contain_text("Accepted")
        check_page(officer, "visit-review-accepted")

        # 6. A school in the group reads it, from its home page, and prints it.
        reader.goto("/school")
        card = reader.locator("#other-returns .govuk-summary-card", has_text=visit.host)
        expect(card.locator(".govuk-tag")).to_have_text("Accepted")
        expect(card).to_contain_text("You can read it once it is submitted.")
        check_page(reader, "visit-home-reader")
        press(reader, card.get_by_role("link", name=re.compile(r"^View")))
        expect(reader.get_by_role("heading", level=1)).to_have_text(WINDOW_TITLE)
        expect(reader.locator("main")).to_contain_text(RESPONSE)
        check_page(reader, "visit-overview-reader")
        reader.goto(f"/returns/{return_id}/submissions/1")
        main = reader.locator("main")
        expect(main).to_contain_text(WORKING)
        expect(main).to_contain_text(RESPONSE)
        expect(main).to_contain_text(EXPLANATION)
        expect(main).not_to_contain_text("Quality assurance")
        check_page(reader, "visit-print-reader")
    finally:
        for context, _page in pages.values():
            context.close()


def test_the_write_up_and_the_response_without_javascript(browser, live_server, live, visit):
    pages = {}
    try:
        for who in ("author", "approver", "host"):
            pages[who] = _new_page(browser, live_server, javascript=False)
            sign_in(pages[who][1], getattr(visit, "host_head" if who == "host" else who))
        author, approver, host = (pages[who][1] for who in ("author", "approver", "host"))

        author.goto("/school")
        author.locator("#other-returns .govuk-summary-card", has_text=visit.host).get_by_role("link", name=re.compile(r"^Start")).click()
        author.get_by_role("button", name="Start").click()
        author.get_by_role("link", name="Findings", exact=True).click()
        author.get_by_label("What is working well").fill(WORKING)
        author.get_by_label("Minutes spent in lessons", exact=True).fill("600")
        author.get_by_role("button", name="Save and continue").click()
        expect(author).to_have_title(re.compile(r"^Error: "))
        expect(author.locator(".govuk-error-summary")).to_contain_text(QUERY)
        # What was posted is worked out again on the page, without autosave.
        expect(author.locator("#derived-values")).to_contain_text("10 hours")
        check_page(author, "visit-nojs-section-query")
        author.get_by_label("Explain your answer to ‘Minutes spent in lessons’").fill(EXPLANATION)
        author.get_by_role("button", name="Save and continue").click()
        expect(author.locator(".govuk-notification-banner")).to_contain_text("‘Findings’ saved")
        return_id = the_return_id(live, visit)

        approver.goto(f"/returns/{return_id}/check")
        approver.get_by_role("checkbox").check()
        approver.get_by_role("button", name="Submit return").click()
        expect(approver.locator(".govuk-notification-banner")).to_contain_text("submitted")

        host.goto(f"/returns/{return_id}")
        host.get_by_role("button", name="Respond to the write-up").click()
        host.get_by_role("button", name="Respond to the write-up").click()
        expect(host.locator(".govuk-error-summary")).to_contain_text("Enter the host school's response")
        check_page(host, "visit-nojs-step-errors")
        host.get_by_label("The host school's response").fill(RESPONSE)
        host.get_by_role("button", name="Respond to the write-up").click()
        expect(host.locator(".govuk-notification-banner")).to_be_visible()
        expect(host.locator("main")).to_contain_text(RESPONSE)
        check_page(host, "visit-nojs-responded")
    finally:
        for context, _page in pages.values():
            context.close()


def test_the_visitors_are_told_who_at_their_own_school_signs_the_write_up_off(page, live, visit):
    """A completed write-up drafted by the visiting school's member of staff: the sign-off names
    the visiting school's head (Aisha Rahman), never the host's (Daniel Mensah)."""
    from sqlalchemy import select

    from app.engine import drafts
    from app.extensions import db
    from app.models import CollectionWindow, School, User
    from app.models.returns import SECTION_COMPLETED

    with live.app.app_context():
        author = db.session.scalar(select(User).where(User.email == visit.author))
        ret = drafts.start_return(author, db.session.get(CollectionWindow, visit.window_id), db.session.get(School, visit.host_id), from_previous=False)
        drafts.save_section(ret, "findings", {"working_well": WORKING, "minutes": 60}, loaded_version=0, user=author, status=SECTION_COMPLETED)
        db.session.commit()
        return_id = ret.id
        db.session.remove()

    sign_in(page, visit.author)
    for path in (f"/returns/{return_id}", f"/returns/{return_id}/check"):
        page.goto(path)
        expect(page.locator("main")).to_contain_text("Aisha Rahman")
        expect(page.locator("main")).not_to_contain_text("Daniel Mensah")
