"""Reminding schools from the collection tracker (issue 16): the schools chosen that have not
submitted, each school's active staff mailed the engine's "reminder" notice (app/engine/notices.py),
and a record of who reminded which school when, which the tracker and the school page show beside
the scheduled reminders (`flask notices send`).

A school that has submitted (or whose window is closed to it) is never reminded, whatever was
chosen: the choice is checked against the tracker's rows as they stand when the reminder goes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from app.engine.notices import letter, notice_values, render
from app.extensions import db
from app.formatting import govuk_date
from app.mail import absolute_url, send_mail
from app.models import CollectionWindow, Role, School, User
from app.models.monitoring import Reminder
from app.models.returns import SentNotice
from app.models.types import utcnow
from app.officer import tracker as tr


@dataclass
class Choice:
    """What a reminder would do: the rows that will be reminded with each one's people, and those
    chosen that will not be, with why."""

    rows: list[tr.TrackerRow] = field(default_factory=list)
    people: dict[int, list[User]] = field(default_factory=dict)
    skipped: list[tuple[tr.TrackerRow, str]] = field(default_factory=list)

    @property
    def reminded(self) -> list[tr.TrackerRow]:
        return [row for row in self.rows if self.people.get(row.school_id)]


def choose(window: CollectionWindow, filters: tr.Filters, school_ids: set[int] | None, moment: datetime | None = None) -> Choice:
    """The schools a reminder goes to: those chosen (None: every school the filters show), less
    those that have submitted, are closed, or have nobody with an account. Fixed queries."""
    found = tr.tracker(window, filters if school_ids is None else tr.Filters(), moment)
    opened = tr.is_open(window, found.today) or window.closed_at is not None
    choice = Choice()
    for row in found.rows:
        if school_ids is not None and row.school_id not in school_ids:
            continue
        if not opened:
            if school_ids is not None:
                choice.skipped.append((row, "the window has not opened yet"))
        elif row.can_be_reminded:
            choice.rows.append(row)
        elif school_ids is not None:
            choice.skipped.append((row, "its window is closed" if row.closed else f"it is {row.state_label.lower()}"))
    if choice.rows:
        for person in db.session.scalars(
            select(User)
            .where(User.school_id.in_([row.school_id for row in choice.rows]), User.role == Role.SCHOOL.value, User.active.is_(True))
            .order_by(User.name, User.id)
        ):
            choice.people.setdefault(person.school_id, []).append(person)
    for row in list(choice.rows):
        if row.school_id not in choice.people:
            choice.skipped.append((row, "nobody there has an account"))
    return choice


def mail_for(window: CollectionWindow, row: tr.TrackerRow, school: School, sender: User) -> tuple[str, str]:
    """The subject and text (without greeting) of the reminder to one school's staff."""
    values = notice_values(school, window, window.return_type) | {
        "actor": sender.name,
        "due_words": (f"was due on {govuk_date(row.due_on)}" if row.overdue else f"is due by 11:59pm on {govuk_date(row.due_on)}"),
        "progress": "It has been started but not submitted." if row.return_id else "It has not been started yet.",
        "link": absolute_url(f"/returns/{row.return_id}" if row.return_id else "/school"),
    }
    return render("reminder", values)


def preview(window: CollectionWindow, choice: Choice, sender: User) -> tuple[str, str] | None:
    """The mail the first school reminded would get, as its first person would read it."""
    if not choice.reminded:
        return None
    row = choice.reminded[0]
    school = db.session.get(School, row.school_id)
    person = choice.people[row.school_id][0]
    subject, text = mail_for(window, row, school, sender)
    return subject, letter(person, text)


def send(window: CollectionWindow, choice: Choice, sender: User) -> list[Reminder]:
    """Mail each chosen school's staff (one mail each) and record the reminder: the mail goes when
    the request commits. Returns the reminders recorded."""
    schools = {school.id: school for school in db.session.scalars(select(School).where(School.id.in_([row.school_id for row in choice.reminded])))}
    now = utcnow()
    kept = []
    for row in choice.reminded:
        subject, text = mail_for(window, row, schools[row.school_id], sender)
        people = choice.people[row.school_id]
        for person in people:
            send_mail(person.email, subject, letter(person, text))
        reminder = Reminder(window_id=window.id, school_id=row.school_id, sent_by_id=sender.id, sent_at=now, recipients=len(people))
        db.session.add(reminder)
        kept.append(reminder)
    db.session.flush()
    return kept


@dataclass(frozen=True)
class SentReminder:
    window_title: str
    window_id: int
    at: datetime
    by: str | None  # None: a scheduled reminder
    what: str  # "Reminder", "Due soon", "Overdue"


SCHEDULED_WORDS = {"due_soon": "Due-soon reminder (scheduled)", "overdue": "Overdue reminder (scheduled)"}


def for_school(school: School, limit: int = 20) -> list[SentReminder]:
    """Every reminder the school has been sent, newest first: by hand, and scheduled (one per
    notice and date, however many of its people were mailed). Three queries."""
    from sqlalchemy import func
    from sqlalchemy.orm import aliased

    sender = aliased(User)
    found = [
        SentReminder(title, window_id, tr.as_utc(at), by, "Reminder")
        for title, window_id, at, by in db.session.execute(
            select(CollectionWindow.title, CollectionWindow.id, Reminder.sent_at, sender.name)
            .join(CollectionWindow, CollectionWindow.id == Reminder.window_id)
            .join(sender, sender.id == Reminder.sent_by_id)
            .where(Reminder.school_id == school.id)
            .order_by(Reminder.sent_at.desc())
            .limit(limit)
        )
    ]
    scheduled = db.session.execute(
        select(SentNotice.subject, SentNotice.notice, func.max(SentNotice.sent_at))
        .where(SentNotice.notice.in_(tr.SCHEDULED_REMINDERS), SentNotice.subject.like(f"window:%:school:{school.id}"))
        .group_by(SentNotice.subject, SentNotice.notice, SentNotice.due_on)
    ).all()
    window_ids = {int(subject.split(":")[1]) for subject, _, _ in scheduled if subject.split(":")[1].isdigit()}
    titles = dict(db.session.execute(select(CollectionWindow.id, CollectionWindow.title).where(CollectionWindow.id.in_(window_ids))).all()) if window_ids else {}
    for subject, notice, at in scheduled:
        window_id = subject.split(":")[1]
        if window_id.isdigit() and int(window_id) in titles:
            found.append(SentReminder(titles[int(window_id)], int(window_id), tr.as_utc(at), None, SCHEDULED_WORDS[notice]))
    return sorted(found, key=lambda reminder: reminder.at, reverse=True)[:limit]
