"""An officer's week a return is due (issue 16), by keyboard: from the home page to the tracker of an
open window, filtered to the overdue schools; two of them selected and reminded after reading the
mail; the tracker downloaded as CSV and Excel with the page's figures; and a safeguarding alert on
the home acknowledged. Every page passes the page checks (axe, CSP, no sideways scroll at 320px).

The window is one of this journey's own (every school in it overdue), so reminding its schools
touches no other journey."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import openpyxl
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_page, sign_in

pytestmark = pytest.mark.browser

OFFICER = "officer@example.org"


def overdue_window_of_our_own(live, academic_year: str = "2041/42") -> tuple[int, str, int]:
    """A self-evaluation window that opened a month ago and was due five days ago, with one school's
    return submitted with safeguarding not met (so its alert is on the home): (window id, title, alert id)."""
    from sqlalchemy import select

    from app.engine import lifecycle
    from app.extensions import db
    from app.formatting import LONDON
    from app.models import CollectionWindow, ReturnSection, Role, User
    from app.models.monitoring import ReturnAlert
    from app.models.returns import SECTION_COMPLETED
    from app.models.types import utcnow
    from app.services import windows as window_service

    with live.app.app_context():
        today = utcnow().astimezone(LONDON).date()
        window = CollectionWindow(
            return_type="sef", academic_year=academic_year, period="summer", title=f"Self-evaluation, summer {int(academic_year[:4]) + 1} (tracker journey)",
            opens_on=today - timedelta(days=30), due_on=today - timedelta(days=5), phases=["Primary", "Secondary"],
        )
        db.session.add(window)
        db.session.flush()
        for school, _ in window_service.schools_in_scope(window):
            head = db.session.scalar(select(User).where(User.school_id == school.id, User.role == Role.SCHOOL.value, User.approver.is_(True)))
            if head is None:
                continue
            ret = lifecycle.start(head, window, school)
            db.session.add(ReturnSection(return_id=ret.id, key="safeguarding", answers={"outcome": "not_met", "statement": "Gaps in training records"},
                                         version=1, status=SECTION_COMPLETED, updated_by_id=head.id))
            db.session.flush()
            lifecycle.perform(lifecycle.SUBMIT, ret, head)
            break
        db.session.commit()
        alert_id = db.session.scalar(select(ReturnAlert.id).where(ReturnAlert.window_id == window.id))
        result = (window.id, window.title, alert_id)
        db.session.remove()
    assert alert_id is not None
    return result


def reminders_in(live, window_id: int) -> list[int]:
    from sqlalchemy import select

    from app.extensions import db
    from app.models.monitoring import Reminder

    with live.app.app_context():
        found = list(db.session.scalars(select(Reminder.school_id).where(Reminder.window_id == window_id).order_by(Reminder.school_id)))
        db.session.remove()
    return found


def press(locator, key: str = "Enter") -> None:
    """Focus an element as the Tab key would reach it, check it has the focus, then press the key."""
    locator.focus()
    expect(locator).to_be_focused()
    locator.press(key)


def test_an_officer_chases_overdue_schools_and_acknowledges_an_alert(page, live):
    window_id, title, alert_id = overdue_window_of_our_own(live)
    sign_in(page, OFFICER)
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/home$"))
    expect(page.get_by_role("heading", level=1, name="What needs attention")).to_be_visible()
    # The alert stands first, before the counts.
    alert = page.locator(f"#alert-{alert_id}")
    expect(alert).to_contain_text("Safeguarding not met")
    check_page(page, "officer-home")

    # The overdue count of our window links to its tracker, filtered.
    overdue_link = page.locator(f'a[href="/tracker/{window_id}?state=overdue"]')
    overdue_count = int(overdue_link.locator(".gt-home-count__figure").inner_text())
    assert overdue_count >= 2
    press(page.get_by_role("link", name="Every collection tracker"))
    press(page.get_by_role("link", name=title))
    expect(page.get_by_role("heading", level=1)).to_contain_text(title)
    check_page(page, "tracker")

    # Filter to the overdue schools with the keyboard.
    state = page.get_by_label("State")
    state.focus()
    state.select_option("overdue")
    press(page.get_by_role("button", name="Show schools"))
    expect(page).to_have_url(re.compile(r"state=overdue"))
    rows = page.locator(".gt-tracker-table tbody tr")
    expect(rows).to_have_count(overdue_count)
    expect(page.locator("#tracker-shown")).to_contain_text(f"{overdue_count} schools shown")
    check_page(page, "tracker-overdue")

    # Select two schools with the space bar and ask to remind them.
    boxes = page.locator(".gt-tracker-table input[name=school]")
    chosen = [boxes.nth(0).get_attribute("value"), boxes.nth(1).get_attribute("value")]
    names = [page.locator(f"#school-{school_id} td:nth-child(2) a").inner_text() for school_id in chosen]
    press(boxes.nth(0), " ")
    press(boxes.nth(1), " ")
    expect(boxes.nth(0)).to_be_checked()
    expect(boxes.nth(1)).to_be_checked()
    press(page.get_by_role("button", name="Remind the selected schools"))
    expect(page.get_by_role("heading", level=1, name="Remind schools")).to_be_visible()
    for name in names:
        expect(page.locator("#remind-schools")).to_contain_text(name)
    expect(page.locator("#mail-preview")).to_contain_text("Subject: Reminder:")
    expect(page.locator("#mail-preview")).to_contain_text("Dana Okafor from the School Improvement Team")
    assert reminders_in(live, window_id) == []  # the preview sends nothing
    check_page(page, "tracker-remind-preview")
    sent_before = len(live.app.extensions.get("golden_thread_outbox", []))
    press(page.get_by_role("button", name="Send the reminder"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Reminder sent to 2 schools")
    expect(page).to_have_url(re.compile(rf"/tracker/{window_id}\?state=overdue$"))
    for school_id in chosen:
        expect(page.locator(f"#school-{school_id}")).to_contain_text("by Dana Okafor")
    assert reminders_in(live, window_id) == sorted(int(school_id) for school_id in chosen)
    mails = live.app.extensions.get("golden_thread_outbox", [])[sent_before:]
    assert len(mails) >= 2 and all(mail.subject.startswith("Reminder:") for mail in mails)
    check_page(page, "tracker-reminded")

    # Both downloads hold the page's schools.
    shown = [page.locator(f"#{row_id} td:nth-child(2) a").inner_text() for row_id in rows.evaluate_all("rows => rows.map(r => r.id)")]
    with page.expect_download() as csv_download:
        press(page.get_by_role("link", name="Download as CSV"))
    text = open(csv_download.value.path(), encoding="utf-8-sig").read()
    table = list(csv.reader(io.StringIO(text)))
    header = next(i for i, row in enumerate(table) if row and row[0] == "School")
    assert [row[0] for row in table[header + 1:] if row] == shown
    assert all(row[5] == "Yes" for row in table[header + 1:] if row)  # every one overdue
    with page.expect_download() as xlsx_download:
        press(page.get_by_role("link", name="Download as Excel"))
    with open(xlsx_download.value.path(), "rb") as workbook:
        sheet = openpyxl.load_workbook(io.BytesIO(workbook.read())).active
    cells = [list(row) for row in sheet.iter_rows(values_only=True)]
    header = next(i for i, row in enumerate(cells) if row and row[0] == "School")
    assert [row[0] for row in cells[header + 1:] if row[0]] == shown

    # Back home, the alert is acknowledged by keyboard and is gone.
    press(page.get_by_role("link", name="Home", exact=True))
    press(page.get_by_role("button", name=re.compile(r"Acknowledge")).and_(page.locator(f"#alert-{alert_id} button")))
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Alert acknowledged: Safeguarding not met")
    expect(page.locator(f"#alert-{alert_id}")).to_have_count(0)
    check_page(page, "officer-home-acknowledged")


def test_reminding_works_without_javascript(nojs_page, live):
    page = nojs_page
    window_id, title, _ = overdue_window_of_our_own(live, academic_year="2043/44")
    sign_in(page, OFFICER)
    page.goto(f"/tracker/{window_id}?state=overdue")
    box = page.locator(".gt-tracker-table input[name=school]").first
    school_id = box.get_attribute("value")
    box.check()
    page.get_by_role("button", name="Remind the selected schools").click()
    expect(page.get_by_role("heading", level=1, name="Remind schools")).to_be_visible()
    check_page(page, "tracker-remind-preview-nojs")
    page.get_by_role("button", name="Send the reminder").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Reminder sent to 1 school")
    expect(page.locator(f"#school-{school_id}")).to_contain_text("by Dana Okafor")
    assert reminders_in(live, window_id) == [int(school_id)]
    check_page(page, "tracker-reminded-nojs")
