"""An officer returns a self-evaluation with comments; the school sees them, changes an answer and
resubmits; the officer compares the two submissions and accepts. Keyboard only, axe on every page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import _new_page, check_page, sign_in
from tests.browser.test_sef import a_school_with_an_open_sef_window, press, type_into

pytestmark = pytest.mark.browser

AREA = {
    "grade": "expected",
    "strengths": "Pupils read widely; phonics outcomes are above the national figure.",
    "improvements": "Mathematical reasoning in upper key stage 2.",
}


def submitted_return(live, window_id: int, head_email: str) -> int:
    """A complete self-evaluation submitted by the head, set up through the services."""
    from sqlalchemy import select, update

    from app.extensions import db
    from app.models import CollectionWindow, ReturnSection, School, User
    from app.models.returns import SECTION_COMPLETED
    from app.engine import drafts, lifecycle
    from app.returns.sef import sef_sections

    with live.app.app_context():
        head = db.session.scalar(select(User).where(User.email == head_email))
        school = db.session.get(School, head.school_id)
        window = db.session.get(CollectionWindow, window_id)
        answers = {}
        for section in sef_sections("ofsted-2025", school):
            if section.key == "context":
                answers["context"] = {"pupils_on_roll": 198, "disadvantaged": "31", "send_support": "15", "ehc_plan": "3",
                                      "eal": "12", "last_inspection_outcome": "good", "last_inspection_on": "2022-11-09"}
            elif section.key == "safeguarding":
                answers["safeguarding"] = {"outcome": "met", "statement": "Training is up to date and referrals are timely."}
            elif section.key == "priorities":
                answers["priorities"] = {"priorities": [
                    {"title": f"Priority {n}", "la_priority": "attainment", "impact": "Outcomes in line with national by July."} for n in (1, 2, 3)
                ]}
            else:
                answers[section.key] = dict(AREA)
        ret = lifecycle.start(head, window, school, answers=answers)
        db.session.execute(update(ReturnSection).where(ReturnSection.return_id == ret.id).values(status=SECTION_COMPLETED))
        drafts.submit(ret, school, head)
        db.session.commit()
        return_id = ret.id
        db.session.remove()
    return return_id


def test_an_officer_returns_a_self_evaluation_the_school_resubmits_and_it_is_accepted(browser, live_server, live):
    window_id, school_name, head = a_school_with_an_open_sef_window(live)
    return_id = submitted_return(live, window_id, head)
    officer_context, officer = _new_page(browser, live_server, javascript=True)
    school_context, school = _new_page(browser, live_server, javascript=True)
    try:
        sign_in(officer, "officer@example.org")
        officer.goto("/review")
        row = officer.locator("tbody tr", has_text=school_name)
        expect(row).to_contain_text("Not taken")
        check_page(officer, "review-queue")
        press(officer, row.get_by_role("button", name=re.compile("^Take")))
        expect(officer.locator("tbody tr", has_text=school_name)).to_contain_text("Taken by")
        press(officer, officer.get_by_role("link", name=re.compile(f"^{re.escape(school_name)}")))
        expect(officer.get_by_role("heading", level=1)).to_be_visible()
        check_page(officer, "review-page")

        # Returning without a reason is refused, with the error beside the box.
        press(officer, officer.get_by_role("button", name="Return for changes"))
        expect(officer.locator(".govuk-error-summary")).to_be_visible()
        check_page(officer, "review-page-errors")
        type_into(officer, officer.get_by_label("Comment on inclusion"), "Say how you know the strategy for pupils with SEND works.")
        type_into(officer, officer.get_by_label("Reason for returning it"), "Inclusion needs evidence of impact.")
        type_into(officer, officer.get_by_label("Internal note"), "Discuss at the link visit.")
        press(officer, officer.get_by_role("button", name="Return for changes"))
        expect(officer.locator(".govuk-notification-banner")).to_be_visible()

        # The school sees the reason and the comment beside the section, and never the note.
        sign_in(school, head)
        school.goto(f"/returns/{return_id}")
        expect(school.locator("main")).to_contain_text("Inclusion needs evidence of impact.")
        expect(school.locator("main")).not_to_contain_text("Discuss at the link visit.")
        check_page(school, "returned-task-list")
        press(school, school.get_by_role("link", name="Inclusion", exact=True))
        expect(school.locator(".gt-officer-comment")).to_contain_text("Say how you know the strategy for pupils with SEND works.")
        expect(school.get_by_label("Key strengths and the evidence for them")).to_have_value(AREA["strengths"])
        type_into(school, school.get_by_label("Key strengths and the evidence for them"),
                  "Pupils with SEND make strong progress: 80% met their plan targets, checked by the SENCO termly.")
        check_page(school, "returned-section")
        press(school, school.get_by_role("button", name="Save and continue"))
        expect(school.locator(".govuk-notification-banner")).to_contain_text("‘Inclusion’ saved")
        press(school, school.get_by_role("link", name="Check your answers and submit"))
        press(school, school.get_by_role("checkbox"), "Space")
        press(school, school.get_by_role("button", name="Submit return"))
        expect(school.locator(".govuk-notification-banner")).to_contain_text("Your return has been submitted")

        # The officer compares the two submissions, sees the change, and accepts.
        officer.goto(f"/returns/{return_id}/compare?from=1&to=2")
        changed = officer.locator("tr", has_text="Changed")
        expect(changed.first).to_contain_text("80% met their plan targets")
        check_page(officer, "review-compare")
        officer.goto(f"/returns/{return_id}/review")
        press(officer, officer.get_by_role("button", name="Accept"))
        expect(officer.locator(".govuk-notification-banner")).to_be_visible()
        check_page(officer, "review-accepted")

        school.goto(f"/returns/{return_id}")
        expect(school.locator("main")).to_contain_text("Accepted")
        school.goto(f"/returns/{return_id}/submissions/2")
        expect(school.locator("main")).to_contain_text("80% met their plan targets")
        expect(school.locator("main")).not_to_contain_text("Discuss at the link visit.")
        check_page(school, "submission-print")
    finally:
        officer_context.close()
        school_context.close()
