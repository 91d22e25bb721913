"""Reminders from the collection tracker (issue 16): which schools a reminder goes to, the preview of
the mail (nothing sent), sending it after confirming, the record on the tracker row and the
school's page (scheduled reminders too), and never to a school that has submitted. Bad input:
nothing chosen, forged CSRF, ids that are not schools of this window."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.mail import outbox
from app.models import Role
from app.models.monitoring import Reminder
from app.models.returns import SentNotice
from app.officer import tracker as tr
from tests.officer.test_tracker import DUE, Borough, at
from tests.returns.test_sef_sections import Browser


@pytest.fixture
def borough(factory, monkeypatch):
    monkeypatch.setattr(tr, "now", lambda: at(DUE + timedelta(days=1)))
    found = Borough(factory)
    # A second person at Ash, and one whose account is closed: only active people are mailed.
    found.ash_teacher = factory.user(Role.SCHOOL, school=found.schools["Ash Primary"], name="Tom Teacher")
    factory.user(Role.SCHOOL, school=found.schools["Ash Primary"], name="Gone Away", active=False)
    return found


def ids(borough, *names) -> list[str]:
    return [str(borough.schools[name].id) for name in names]


def reminders() -> list[tuple[int, int, int]]:
    return [(r.school_id, r.sent_by_id, r.recipients) for r in db.session.scalars(select(Reminder).order_by(Reminder.id))]


def test_preview_lists_who_is_reminded_and_shows_the_mail_and_sends_nothing(app, borough):
    officer = Browser(app, borough.officer)
    outbox().clear()
    chosen = ids(borough, "Ash Primary", "Beech Primary", "Cedar Primary", "Gorse Primary")
    response = officer.get(f"/tracker/{borough.window.id}/remind", query_string={"which": "selected", "school": chosen})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    listed = html.split('id="remind-schools"')[1].split("</ul>")[0]
    assert "Ash Primary (2 people)" in listed and "Beech Primary (1 person)" in listed
    skipped = html.split('id="remind-skipped"')[1].split("</ul>")[0]
    assert "Cedar Primary: it is submitted" in skipped and "Gorse Primary: its window is closed" in skipped
    preview = html.split('id="mail-preview"')[1].split("</div>")[0]
    assert "Reminder: Ash Primary&#39;s self-evaluation (autumn 2026) was due on 16 October 2026" in preview
    assert "Dear Head of Ash Primary," in preview and "Sam Officer from the School Improvement Team" in preview
    # The confirmation carries only the schools that will be reminded.
    form = html.split(f'action="/tracker/{borough.window.id}/remind"')[1].split("</form>")[0]
    assert sorted(form.count(f'name="school" value="{i}"') for i in chosen) == [0, 0, 1, 1]
    assert outbox() == [] and reminders() == []


def test_remind_every_school_shown_that_has_not_submitted(app, borough):
    officer = Browser(app, borough.officer)
    html = officer.get(f"/tracker/{borough.window.id}/remind?which=all").get_data(as_text=True)
    listed = html.split('id="remind-schools"')[1].split("</ul>")[0]
    # Not started or in progress and still open: Fir (extended) too; not Gorse (closed), nor any that submitted.
    assert [name for name in ("Ash Primary", "Beech Primary", "Fir Primary", "Cedar Primary", "Damson Primary", "Elm Secondary", "Gorse Primary") if name in listed] == [
        "Ash Primary", "Beech Primary", "Fir Primary",
    ]
    overdue = officer.get(f"/tracker/{borough.window.id}/remind?which=all&state=overdue").get_data(as_text=True)
    listed = overdue.split('id="remind-schools"')[1].split("</ul>")[0]
    assert "Fir Primary" not in listed and "Ash Primary" in listed


def test_sending_mails_each_person_and_records_it_on_the_row_and_the_school_page(app, borough):
    officer = Browser(app, borough.officer)
    outbox().clear()
    response = officer.post(f"/tracker/{borough.window.id}/remind", {"school": ids(borough, "Ash Primary", "Cedar Primary"), "state": "overdue"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/tracker/{borough.window.id}?state=overdue"
    # One mail each to Ash's active people; nothing to Cedar, which has submitted.
    assert sorted(mail.to for mail in outbox()) == sorted([borough.heads["Ash Primary"].email, borough.ash_teacher.email])
    assert all(mail.subject.startswith("Reminder: Ash Primary's self-evaluation") for mail in outbox())
    assert {mail.body.split(",")[0] for mail in outbox()} == {"Dear Head of Ash Primary", "Dear Tom Teacher"}
    assert reminders() == [(borough.schools["Ash Primary"].id, borough.officer.id, 2)]
    page = officer.get(response.headers["Location"]).get_data(as_text=True)
    assert "Reminder sent to 1 school: Ash Primary" in page
    row = page.split(f'id="school-{borough.schools["Ash Primary"].id}"')[1].split("</tr>")[0]
    assert "by Sam Officer" in row
    school_page = officer.get(f"/schools/{borough.schools['Ash Primary'].id}").get_data(as_text=True)
    sent = school_page.split('id="reminders"')[1].split("</table>")[0]
    assert "Self-evaluation, autumn 2026" in sent and "Sam Officer" in sent


def test_nothing_is_sent_to_a_school_that_has_submitted(app, borough):
    officer = Browser(app, borough.officer)
    outbox().clear()
    response = officer.post(f"/tracker/{borough.window.id}/remind", {"school": ids(borough, "Cedar Primary", "Damson Primary", "Elm Secondary", "Gorse Primary")})
    assert response.status_code == 303
    assert outbox() == [] and reminders() == []
    assert "No reminder was sent" in officer.get(response.headers["Location"]).get_data(as_text=True)


@pytest.mark.parametrize("bad", [[], ["abc"], ["1 OR 1=1"], ["<script>alert(1)</script>"], ["99999999"], ["9" * 40]])
def test_bad_choices_send_nothing(app, borough, bad):
    officer = Browser(app, borough.officer)
    outbox().clear()
    assert officer.post(f"/tracker/{borough.window.id}/remind", {"school": bad}).status_code == 303
    preview = officer.get(f"/tracker/{borough.window.id}/remind", query_string={"which": "selected", "school": bad})
    assert preview.status_code in (200, 422)
    assert "<script>alert(1)</script>" not in preview.get_data(as_text=True)
    assert outbox() == [] and reminders() == []


def test_nothing_chosen_is_an_error_with_a_summary(app, borough):
    officer = Browser(app, borough.officer)
    response = officer.get(f"/tracker/{borough.window.id}/remind?which=selected")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "There is a problem" in html and "Select at least one school to remind" in html


def test_a_school_of_another_window_is_not_reminded(app, borough, factory):
    from tests.returns.test_sef_sections import make_window

    other = make_window(title="Careers-free window", academic_year="2031/32", phases=["Nursery"])
    officer = Browser(app, borough.officer)
    outbox().clear()
    officer.post(f"/tracker/{other.id}/remind", {"school": ids(borough, "Ash Primary")})
    assert outbox() == [] and reminders() == []


def test_forged_csrf_sends_nothing(app, borough):
    officer = Browser(app, borough.officer)
    outbox().clear()
    response = officer.post(f"/tracker/{borough.window.id}/remind", {"school": ids(borough, "Ash Primary")}, token="forged")
    assert response.status_code == 400
    response = officer.post(f"/tracker/{borough.window.id}/remind", {"school": ids(borough, "Ash Primary")}, token=False)
    assert response.status_code == 400
    assert outbox() == [] and reminders() == []


def test_a_school_with_nobody_to_mail_is_skipped(app, borough, factory):
    lonely = factory.school(name="Juniper Primary", phase="Primary")
    officer = Browser(app, borough.officer)
    html = officer.get(f"/tracker/{borough.window.id}/remind", query_string={"which": "selected", "school": [str(lonely.id)]}).get_data(as_text=True)
    assert "Juniper Primary: nobody there has an account" in html
    assert "Send the reminder" not in html


def test_scheduled_reminders_show_on_the_row_and_the_school_page(app, borough):
    ash = borough.schools["Ash Primary"]
    for person in (borough.heads["Ash Primary"], borough.ash_teacher):  # one notice, two people: one reminder
        db.session.add(SentNotice(notice="overdue", user_id=person.id, subject=f"window:{borough.window.id}:school:{ash.id}", due_on=DUE, sent_at=at(DUE + timedelta(days=1), 7)))
    db.session.flush()
    found = tr.tracker(borough.window, tr.Filters(), at(DUE + timedelta(days=1)))
    row = next(row for row in found.rows if row.school_id == ash.id)
    assert row.reminder is not None and row.reminder.by is None and row.reminder.count == 1
    officer = Browser(app, borough.officer)
    page = officer.get(f"/tracker/{borough.window.id}").get_data(as_text=True)
    assert "Scheduled reminder" in page.split(f'id="school-{ash.id}"')[1].split("</tr>")[0]
    school_page = officer.get(f"/schools/{ash.id}").get_data(as_text=True)
    assert "Overdue reminder (scheduled)" in school_page.split('id="reminders"')[1]
    # School staff do not see the council's record of chasing them.
    head = Browser(app, borough.heads["Ash Primary"])
    assert 'id="reminders"' not in head.get(f"/schools/{ash.id}").get_data(as_text=True)


def test_nothing_is_sent_before_the_window_opens(app, borough, monkeypatch):
    from app.models import CollectionWindow

    later = CollectionWindow(return_type="sef", academic_year="2027/28", period="autumn", title="Self-evaluation, autumn 2027",
                             opens_on=DUE + timedelta(days=300), due_on=DUE + timedelta(days=340), phases=["Primary"])
    db.session.add(later)
    db.session.flush()
    officer = Browser(app, borough.officer)
    page = officer.get(f"/tracker/{later.id}").get_data(as_text=True)
    assert "Remind the selected schools" not in page and 'name="school"' not in page
    preview = officer.get(f"/tracker/{later.id}/remind", query_string={"which": "selected", "school": ids(borough, "Ash Primary")}).get_data(as_text=True)
    assert "Ash Primary: the window has not opened yet" in preview and "Send the reminder" not in preview
    outbox().clear()
    assert officer.post(f"/tracker/{later.id}/remind", {"school": ids(borough, "Ash Primary")}).status_code == 303
    assert outbox() == [] and reminders() == []
