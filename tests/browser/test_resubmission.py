"""An officer returns a self-evaluation with comments; the school changes one section and submits it
again; it comes back to the same officer, whose review opens on what changed beside their earlier
comments. Keyboard only, axe on every page, and the review read without JavaScript at 320px."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import _new_page, check_page, sign_in
from tests.browser.test_review_journey import submitted_return
from tests.browser.test_sef import a_school_with_an_open_sef_window, press, type_into

pytestmark = pytest.mark.browser

INCLUSION_COMMENT = "Say how you know the strategy for pupils with SEND works."
SAFEGUARDING_COMMENT = "Keep the single central record up to date."
NEW_STRENGTHS = "Pupils with SEND make strong progress: 80% met their plan targets, checked by the SENCO termly."


def test_a_resubmission_comes_back_to_its_officer_who_sees_what_changed_beside_their_comments(browser, live_server, live):
    window_id, school_name, head = a_school_with_an_open_sef_window(live)
    return_id = submitted_return(live, window_id, head)
    officer_context, officer = _new_page(browser, live_server, javascript=True)
    school_context, school = _new_page(browser, live_server, javascript=True)
    admin_context, admin = _new_page(browser, live_server, javascript=True)
    plain_context, plain = _new_page(browser, live_server, javascript=False)
    try:
        # The officer returns it with a comment on two sections.
        sign_in(officer, "officer@example.org")
        officer.goto(f"/returns/{return_id}/review")
        type_into(officer, officer.get_by_label("Comment on inclusion"), INCLUSION_COMMENT)
        type_into(officer, officer.get_by_label("Comment on safeguarding"), SAFEGUARDING_COMMENT)
        type_into(officer, officer.get_by_label("Reason for returning it"), "Inclusion needs evidence of impact.")
        press(officer, officer.get_by_role("button", name="Return for changes"))
        expect(officer.locator(".govuk-notification-banner")).to_be_visible()

        # The school changes the inclusion section only, and submits again.
        sign_in(school, head)
        school.goto(f"/returns/{return_id}")
        press(school, school.get_by_role("link", name="Inclusion", exact=True))
        type_into(school, school.get_by_label("Key strengths and the evidence for them"), NEW_STRENGTHS)
        press(school, school.get_by_role("button", name="Save and continue"))
        expect(school.locator(".govuk-notification-banner")).to_contain_text("‘Inclusion’ saved")
        press(school, school.get_by_role("link", name="Check your answers and submit"))
        # The school reads its own words.
        expect(school.locator("main")).to_contain_text("Your self-evaluated grade")
        press(school, school.get_by_role("checkbox"), "Space")
        press(school, school.get_by_role("button", name="Submit return"))
        expect(school.locator(".govuk-notification-banner")).to_contain_text("Your return has been submitted")

        # It is back with the same officer: theirs in the queue, a colleague sees whose it is.
        officer.goto("/review")
        # The school's row for this return: another journey may have put the same school's other
        # return (a careers return) in the queue.
        row = officer.locator("tbody tr", has=officer.locator(f'a[href="/returns/{return_id}/review"]'))
        expect(row).to_contain_text("Taken by you")
        expect(row).to_contain_text("submission 2")
        check_page(officer, "resubmission-queue")
        sign_in(admin, "admin@example.org")
        admin.goto("/review")
        expect(admin.locator("tbody tr", has=admin.locator(f'a[href="/returns/{return_id}/review"]'))).to_contain_text("Taken by Dana Okafor")

        # The review opens on what changed, beside what the officer said last time.
        press(officer, row.get_by_role("link", name=re.compile(f"^{re.escape(school_name)}")))
        expect(officer.locator("#since-last")).to_contain_text("Inclusion")
        inclusion = officer.locator('section[aria-labelledby="section-inclusion"]')
        expect(inclusion.locator("ins")).to_contain_text("80% met their plan targets")
        expect(inclusion).to_contain_text("Your comment on submission 1")
        expect(inclusion).to_contain_text(INCLUSION_COMMENT)
        safeguarding = officer.locator('section[aria-labelledby="section-safeguarding"]')
        expect(safeguarding).to_contain_text("No changes since submission 1")
        expect(safeguarding).to_contain_text(SAFEGUARDING_COMMENT)
        # Officers read the question in their own words.
        expect(inclusion).to_contain_text("Self-evaluated grade")
        expect(inclusion).not_to_contain_text("Your self-evaluated grade")
        check_page(officer, "resubmission-review")

        # Without JavaScript the same page reads at 320px without scrolling sideways.
        sign_in(plain, "officer@example.org")
        plain.goto(f"/returns/{return_id}/review")
        expect(plain.locator('section[aria-labelledby="section-inclusion"]')).to_contain_text(INCLUSION_COMMENT)
        check_page(plain, "resubmission-review-nojs")

        # The officer accepts it.
        press(officer, officer.get_by_role("button", name="Accept"))
        expect(officer.locator(".govuk-notification-banner")).to_be_visible()
    finally:
        officer_context.close()
        school_context.close()
        admin_context.close()
        plain_context.close()
