"""Notices to the right people, in a browser with the keyboard: an officer turns emails about
submissions off and on under Your account; a colleague who has completed a return asks the approver
to sign it off, with JavaScript and without, and is told when they have just asked."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_page, sign_in
from tests.browser.test_closing import a_window_of_our_own, close_early
from tests.browser.test_sef import choose, press

pytestmark = pytest.mark.browser

OFFICER = "officer@example.org"


def officers_setting(live) -> bool:
    from sqlalchemy import select

    from app.extensions import db
    from app.models import User

    with live.app.app_context():
        value = db.session.scalar(select(User.submission_notices).where(User.email == OFFICER))
        db.session.remove()
    return value


def test_an_officer_turns_emails_about_submissions_off_and_on_with_the_keyboard(page, live):
    sign_in(page, OFFICER)
    page.goto("/account")
    expect(page.locator("main")).to_contain_text("When a school submits a return")
    check_page(page, "notices-account")
    press(page, page.get_by_role("link", name="Change emails about submissions"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Emails about submissions")
    expect(page.get_by_label("Yes")).to_be_checked()
    check_page(page, "notices-setting")
    try:
        choose(page, "Email me when a school submits a return", "No")
        press(page, page.get_by_role("button", name="Save"))
        expect(page.locator(".govuk-notification-banner")).to_contain_text(
            "You will not be emailed when a school submits a return, unless it is assigned to you."
        )
        expect(page.locator("main")).to_contain_text("Do not email me, unless it is assigned to me")
        assert officers_setting(live) is False
        check_page(page, "notices-setting-saved")
    finally:
        # The live server is shared: the demo officer hears of submissions again for later journeys.
        page.goto("/account/notices")
        choose(page, "Email me when a school submits a return", "Yes")
        press(page, page.get_by_role("button", name="Save"))
        expect(page.locator(".govuk-notification-banner")).to_contain_text("You will be emailed when a school submits a return.")
    assert officers_setting(live) is True


def a_completed_return_and_a_colleague(live, window_id: int, head_email: str, colleague_email: str) -> int:
    """The head's school's return with every section completed (typing each is the self-evaluation
    journey's business), and a colleague who did the work and cannot submit. The return's id."""
    from sqlalchemy import select

    from app.engine import lifecycle, registry
    from app.extensions import db
    from app.models import CollectionWindow, ReturnSection, Role, School, User
    from app.models.returns import SECTION_COMPLETED
    from app.services.users import create_user
    from tests.browser.conftest import DEMO_PASSWORD

    with live.app.app_context():
        head = db.session.scalar(select(User).where(User.email == head_email))
        school = db.session.get(School, head.school_id)
        window = db.session.get(CollectionWindow, window_id)
        colleague = create_user(name="Cara Colleague", email=colleague_email, role=Role.SCHOOL.value, school=school, password=DEMO_PASSWORD)
        ret = lifecycle.start(colleague, window, school)
        for section in registry.get("sef").sections_for(ret.form_version, school):
            db.session.add(
                ReturnSection(return_id=ret.id, key=section.key, answers={}, version=1, status=SECTION_COMPLETED, updated_by_id=colleague.id)
            )
        db.session.commit()
        return_id = ret.id
        db.session.remove()
    return return_id


def mail_to(live, email: str) -> list:
    from app.mail import outbox

    with live.app.app_context():
        return [mail for mail in outbox() if mail.to == email]


@pytest.fixture()
def ready_for_sign_off(live, request):
    """A return in a window of this journey's own (closed at the end), completed by a colleague."""
    javascript = "without_javascript" not in request.node.name
    window_id, head = a_window_of_our_own(live, "autumn" if javascript else "spring", academic_year="2034/35")
    colleague = f"cara.{'js' if javascript else 'nojs'}.{window_id}@example.org"
    return_id = a_completed_return_and_a_colleague(live, window_id, head, colleague)
    yield return_id, head, colleague
    close_early(live, window_id)


def test_a_colleague_asks_the_approver_to_sign_off_with_the_keyboard(page, live, ready_for_sign_off):
    return_id, head, colleague = ready_for_sign_off
    sign_in(page, colleague)
    page.goto(f"/returns/{return_id}")
    expect(page.locator("main")).to_contain_text("Every section is complete. The return is ready for sign-off by")
    check_page(page, "sign-off-ready")
    before = len(mail_to(live, head))
    press(page, page.get_by_role("button", name="Ask the approver to sign off"))
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("to ask them to check the return and submit it.")
    check_page(page, "sign-off-asked")
    mails = mail_to(live, head)
    assert len(mails) == before + 1
    assert "Cara Colleague asks you to sign off" in mails[-1].subject and f"/returns/{return_id}/check" in mails[-1].body
    assert mail_to(live, colleague) == [], "the person who asks is not mailed"

    # Asking again at once is refused, and said so; nobody is mailed twice.
    press(page, page.get_by_role("button", name="Ask the approver to sign off"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text("so the approvers have not been emailed again")
    check_page(page, "sign-off-refused")
    assert len(mail_to(live, head)) == before + 1


def test_a_colleague_asks_for_sign_off_without_javascript(nojs_page, live, ready_for_sign_off):
    return_id, head, colleague = ready_for_sign_off
    page = nojs_page
    sign_in(page, colleague)
    page.goto(f"/returns/{return_id}")
    before = len(mail_to(live, head))
    press(page, page.get_by_role("button", name="Ask the approver to sign off"))
    expect(page).to_have_url(f"{live.url}/returns/{return_id}")
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("to ask them to check the return and submit it.")
    check_page(page, "sign-off-asked-nojs")
    assert len(mail_to(live, head)) == before + 1
