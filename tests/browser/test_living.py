"""A living plan in the browser, for the test-only "support plan" (tests/engine/living_type.py):
the head teacher opens the accepted plan from the return, updates an action with the keyboard (htmx
swaps the row), and again without JavaScript; the officer reads the same pages without the form.
Axe on every page."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import _new_page, check_page, sign_in
from tests.browser.test_sef import choose, press, type_into
from tests.engine import living_type

pytestmark = pytest.mark.browser

SCHOOL_URN = "990108"  # Willowbank Primary School
ROW = "a00000000001"
OVERDUE_ROW = "b00000000002"


@dataclass(frozen=True)
class Plan:
    return_id: int
    head: str


@pytest.fixture
def plan(live) -> Iterator[Plan]:
    """An accepted support plan of the school's on the live app; everything it made goes afterwards."""
    from sqlalchemy import select

    from app.engine import drafts, lifecycle, registry
    from app.extensions import db
    from app.formatting import LONDON
    from app.models import CollectionWindow, School, User
    from app.models.types import utcnow

    site = live.school(SCHOOL_URN)
    registry.register(living_type.RETURN_TYPE)
    with live.app.app_context():
        today = utcnow().astimezone(LONDON).date()
        window = CollectionWindow(
            return_type=living_type.RETURN_TYPE.key, academic_year="2026/27", period="autumn", title="Support plan 2026/27",
            opens_on=today - timedelta(days=7), due_on=today + timedelta(days=21), phases=["Primary"],
        )
        db.session.add(window)
        db.session.flush()
        head = db.session.scalar(select(User).where(User.email == site.head_email))
        officer = db.session.scalar(select(User).where(User.email == "officer@example.org"))
        school = db.session.get(School, site.id)
        ret = drafts.start_return(head, window, school, from_previous=False)
        actions = [
            {"id": ROW, "what": "Train staff in emotion coaching", "status": "not_started", "target_on": (today + timedelta(days=10)).isoformat()},
            {"id": OVERDUE_ROW, "what": "Set up a quiet room", "status": "on_track", "target_on": (today - timedelta(days=3)).isoformat()},
        ]
        drafts.save_section(ret, "action_plan", {"actions": actions}, loaded_version=0, user=head, status="completed")
        lifecycle.perform(lifecycle.SUBMIT, ret, head)
        lifecycle.perform(lifecycle.ACCEPT, ret, officer)
        db.session.commit()
        return_id, window_id = ret.id, window.id
        db.session.remove()
    try:
        yield Plan(return_id, site.head_email)
    finally:
        registry.unregister(living_type.RETURN_TYPE.key)
        forget_return(live, return_id, window_id)



def forget_return(live, return_id: int, window_id: int) -> None:
    """Take a journey's return and its window out of the live database (records are never deleted
    by the app, but this return never existed outside the journey); a plan it superseded is in force
    again."""
    from sqlalchemy import delete, select, update

    from app.extensions import db
    from app.models import CollectionWindow, Return, ReturnSection, ReturnTransition, SectionVersion, SentNotice, Submission
    from app.models.returns import Fact, LivingPlan, LivingRow, LivingUpdate

    with live.app.app_context():
        db.session.execute(update(LivingPlan).where(LivingPlan.superseded_by_id == return_id).values(superseded_by_id=None, superseded_at=None))
        rows = select(LivingRow.id).where(LivingRow.return_id == return_id)
        db.session.execute(delete(LivingUpdate).where(LivingUpdate.living_row_id.in_(rows)))
        db.session.execute(delete(LivingRow).where(LivingRow.return_id == return_id))
        db.session.execute(delete(LivingPlan).where(LivingPlan.return_id == return_id))
        db.session.execute(delete(SentNotice).where(SentNotice.subject == f"return:{return_id}"))
        for model in (Fact, Submission, ReturnTransition, ReturnSection, SectionVersion):
            db.session.execute(delete(model).where(model.return_id == return_id))
        db.session.execute(delete(Return).where(Return.id == return_id))
        db.session.execute(delete(CollectionWindow).where(CollectionWindow.id == window_id))
        db.session.commit()
        db.session.remove()

def test_the_head_updates_an_action_and_the_officer_reads_it(page, browser, live_server, live, plan):
    sign_in(page, plan.head)
    page.goto(f"/returns/{plan.return_id}")
    press(page, page.get_by_role("link", name="Update the plan"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Plan")
    expect(page.locator("main")).to_contain_text("Due soon")
    expect(page.locator("main")).to_contain_text("Overdue")
    check_page(page, "living-plan")

    press(page, page.get_by_role("link", name="Update Train staff in emotion coaching"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Train staff in emotion coaching")
    check_page(page, "living-row")
    choose(page, "Status", "On track")
    type_into(page, page.get_by_label("Progress note"), "First session held <b>today</b>")
    press(page, page.get_by_role("button", name="Save update"))
    expect(page.locator("#living-row .govuk-notification-banner")).to_contain_text("Your update has been saved")
    expect(page.locator("#living-row")).to_contain_text("First session held <b>today</b>")
    check_page(page, "living-row-updated")

    # A note too long is refused in the swapped row, with its message.
    choose(page, "Status", "At risk")
    page.get_by_label("Progress note").fill("x" * 2001)
    press(page, page.get_by_role("button", name="Save update"))
    expect(page.locator("#living-row")).to_contain_text("2,000 characters or fewer")

    # Without JavaScript: Post/Redirect/Get.
    nojs_context, nojs = _new_page(browser, live_server, javascript=False)
    try:
        sign_in(nojs, plan.head)
        nojs.goto(f"/returns/{plan.return_id}/plan/{OVERDUE_ROW}")
        nojs.get_by_role("group", name="Status").get_by_label("Complete", exact=True).check()
        nojs.get_by_label("Progress note").fill("Room opened")
        nojs.get_by_role("button", name="Save update").click()
        expect(nojs.locator(".govuk-notification-banner")).to_contain_text("Your update to ‘Set up a quiet room’ has been saved")
        check_page(nojs, "living-row-nojs")
    finally:
        nojs_context.close()

    officer_context, officer = _new_page(browser, live_server, javascript=True)
    try:
        sign_in(officer, "officer@example.org")
        officer.goto(f"/returns/{plan.return_id}/plan")
        expect(officer.locator("main")).to_contain_text("First session held <b>today</b>")
        check_page(officer, "living-plan-officer")
        officer.goto(f"/returns/{plan.return_id}/plan/{ROW}")
        expect(officer.get_by_role("button", name="Save update")).to_have_count(0)
        expect(officer.locator("main")).to_contain_text("First session held <b>today</b>")
    finally:
        officer_context.close()
