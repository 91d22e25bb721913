"""A mental-health action plan lives on after acceptance, in the browser: the school's lead opens the
accepted plan, sees which actions are due soon and overdue, updates an action's status and progress
note with the keyboard alone (htmx swaps the row) and again without JavaScript (post, redirect, get),
and reads the action's timeline; the officer reads the same pages without the form. Axe, 320 px and
screenshots on every page. The plan is made straight in the live database through the lifecycle, in
a window of its own, and everything it made goes afterwards."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import _new_page, check_page, sign_in
from tests.browser.test_sef import choose, press, type_into
from tests.browser.test_living import forget_return
from tests.browser.test_wellbeing import a_wellbeing_window_of_our_own

pytestmark = pytest.mark.browser

DUE_SOON_ROW = "c00000000001"
OVERDUE_ROW = "c00000000002"
LATER_ROW = "c00000000003"
DUE_SOON_TITLE = "Teach a weekly zones-of-regulation lesson in every class."
OVERDUE_TITLE = "Hold parent workshops on supporting anxious children."
LATER_TITLE = "Set up a pupil wellbeing council with two members from each year group."


@dataclass(frozen=True)
class Plan:
    return_id: int
    head: str


def _action(row_id: str, what: str, principle: str, start, target, status: str) -> dict:
    return {
        "id": row_id, "principle": principle, "what": what, "outcome": "Pupils know where to get help.",
        "success_criteria": "Pupil survey: 80% say they know what to do when worried.", "lead_role": "PSHE lead",
        "start_on": start.isoformat(), "target_on": target.isoformat(), "thrive_need": "thriving", "focus": "anxiety", "status": status,
    }


@pytest.fixture
def plan(live) -> Iterator[Plan]:
    """An accepted mental-health plan of a primary school's, with one earlier update by its head."""
    from sqlalchemy import select

    from app.engine import drafts, lifecycle, living
    from app.extensions import db
    from app.formatting import LONDON
    from app.models import CollectionWindow, School, User
    from app.models.returns import LivingRow
    from app.models.types import utcnow
    from app.returns.wellbeing import demo

    window_id, head_email = a_wellbeing_window_of_our_own(live, "summer", "2034/35")
    with live.app.app_context():
        now = utcnow()
        today = now.astimezone(LONDON).date()
        window = db.session.get(CollectionWindow, window_id)
        head = db.session.scalar(select(User).where(User.email == head_email))
        officer = db.session.scalar(select(User).where(User.email == "officer@example.org"))
        school = db.session.get(School, head.school_id)
        ret = drafts.start_return(head, window, school, from_previous=False)
        answers = demo.answers(school, random.Random("living journey"), today.year)
        answers["action_plan"] = {"actions": [
            _action(DUE_SOON_ROW, DUE_SOON_TITLE, "curriculum", today - timedelta(days=60), today + timedelta(days=9), "on_track"),
            _action(OVERDUE_ROW, OVERDUE_TITLE, "parents_carers", today - timedelta(days=90), today - timedelta(days=5), "on_track"),
            _action(LATER_ROW, LATER_TITLE, "student_voice", today - timedelta(days=30), today + timedelta(days=120), "not_started"),
        ]}
        for key, section_answers in answers.items():
            saved = {state.section.key: state.version for state in drafts.section_states(ret, school)}
            drafts.save_section(ret, key, section_answers, loaded_version=saved.get(key, 0), user=head, status="completed")
        lifecycle.perform(lifecycle.SUBMIT, ret, head)
        lifecycle.perform(lifecycle.ACCEPT, ret, officer)
        row = db.session.scalar(select(LivingRow).where(LivingRow.return_id == ret.id, LivingRow.row_id == DUE_SOON_ROW))
        living.add_update(ret, row, user=head, status="on_track", note="Lessons planned for every class.", now=now - timedelta(days=20))
        db.session.commit()
        return_id = ret.id
        db.session.remove()
    try:
        yield Plan(return_id, head_email)
    finally:
        forget_return(live, return_id, window_id)


def test_the_lead_keeps_the_plan_up_to_date_and_the_officer_reads_it(page, browser, live_server, live, plan):
    sign_in(page, plan.head)
    page.goto(f"/returns/{plan.return_id}")
    press(page, page.get_by_role("link", name="Update the plan"))
    main = page.locator("main")
    expect(main).to_contain_text(DUE_SOON_TITLE)
    expect(main).to_contain_text("Due soon")
    expect(main).to_contain_text("Overdue")
    check_page(page, "wellbeing-living-plan")

    # With JavaScript: the keyboard alone; htmx swaps the row and the timeline grows.
    press(page, page.get_by_role("link", name=f"Update {DUE_SOON_TITLE}"))
    expect(page.get_by_role("heading", level=1)).to_have_text(DUE_SOON_TITLE)
    expect(main).to_contain_text("Lessons planned for every class.")
    expect(main).to_contain_text("Due soon")
    check_page(page, "wellbeing-living-row")
    choose(page, "Status", "At risk")
    type_into(page, page.get_by_label("Progress note"), "Two lessons moved to next half-term after staff absence.")
    press(page, page.get_by_role("button", name="Save update"))
    row = page.locator("#living-row")
    expect(row.locator(".govuk-notification-banner")).to_contain_text("Your update has been saved")
    expect(row).to_contain_text("Two lessons moved to next half-term after staff absence.")
    expect(row).to_contain_text("Lessons planned for every class.")  # the earlier update stays in the timeline
    check_page(page, "wellbeing-living-row-updated")

    # Without JavaScript: post, redirect, get; the overdue action is done, and no longer overdue.
    nojs_context, nojs = _new_page(browser, live_server, javascript=False)
    try:
        sign_in(nojs, plan.head)
        nojs.goto(f"/returns/{plan.return_id}/plan/{OVERDUE_ROW}")
        expect(nojs.locator("main")).to_contain_text("Overdue")
        check_page(nojs, "wellbeing-living-row-nojs")
        nojs.get_by_role("group", name="Status").get_by_label("Complete", exact=True).check()
        nojs.get_by_label("Progress note").fill("Both workshops held; the follow-up survey shows parents feel more confident.")
        nojs.get_by_role("button", name="Save update").click()
        expect(nojs.locator(".govuk-notification-banner")).to_contain_text(f"Your update to ‘{OVERDUE_TITLE}’ has been saved")
        check_page(nojs, "wellbeing-living-row-nojs-updated")
        nojs.goto(f"/returns/{plan.return_id}/plan")
        expect(nojs.locator("main")).not_to_contain_text("Overdue")
        expect(nojs.locator("main")).to_contain_text("Due soon")
    finally:
        nojs_context.close()

    officer_context, officer = _new_page(browser, live_server, javascript=True)
    try:
        sign_in(officer, "officer@example.org")
        officer.goto(f"/returns/{plan.return_id}/plan")
        expect(officer.locator("main")).to_contain_text("Two lessons moved to next half-term after staff absence.")
        check_page(officer, "wellbeing-living-plan-officer")
        officer.goto(f"/returns/{plan.return_id}/plan/{DUE_SOON_ROW}")
        expect(officer.get_by_role("button", name="Save update")).to_have_count(0)
        expect(officer.locator("main")).to_contain_text("Lessons planned for every class.")
        check_page(officer, "wellbeing-living-row-officer")
    finally:
        officer_context.close()
