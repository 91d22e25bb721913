"""Who hears about a return's change of state, and what the mail says.

Officers hear when a school submits; the school's own people hear when an officer returns, accepts
or reopens its return. A mail names the school, the return and where to look, and nothing of the
answers: some returns (mental-health plans) must never travel by mail. It carries no secret either,
only a link to a page that needs signing in.

Mail is queued and goes only when the transaction that made the change commits (app/mail.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.formatting import LONDON, govuk_date
from app.mail import absolute_url, send_mail
from app.models import CollectionWindow, Return, Role, School, User
from app.models.returns import DRAFT, RETURNED
from app.models.types import utcnow
from app.engine import registry
from app.engine.signals import return_moved


@return_moved.connect
def _on_move(ret: Return, *, action: str, user: User, reason: str, from_state: str | None, **_) -> None:
    after_transition(ret, action, user, reason, from_state=from_state)


def after_transition(ret: Return, action: str, user: User, reason: str = "", *, from_state: str | None = None) -> None:
    """Called by the lifecycle after every move; mails whoever needs to know about this one."""
    from app.engine.lifecycle import ACCEPT, REOPEN, RETURN_FOR_CHANGES, SUBMIT

    if action not in (SUBMIT, RETURN_FOR_CHANGES, ACCEPT, REOPEN):
        return  # starting, withdrawing and taking a return tell nobody
    school = db.session.get(School, ret.school_id)
    window = db.session.get(CollectionWindow, ret.window_id)
    what = _return_title(ret)
    if action == SUBMIT:
        _tell(council_staff(), *_submitted(ret, school, window, what, resubmitted=from_state == RETURNED))
    elif action == RETURN_FOR_CHANGES:
        _tell(school_people(school.id), *_returned(ret, school, window, what, reason, user))
    elif action == ACCEPT:
        _tell(school_people(school.id), *_accepted(ret, school, window, what, user))
    elif action == REOPEN:
        _tell(school_people(school.id), *_reopened(ret, school, window, what, reason, user))


def council_staff() -> list[User]:
    """Active officers and administrators: the School Improvement Team."""
    return list(
        db.session.scalars(
            select(User).where(User.role.in_((Role.OFFICER.value, Role.ADMIN.value)), User.active.is_(True)).order_by(User.id)
        )
    )


def school_people(school_id: int) -> list[User]:
    """The school's active accounts."""
    return list(
        db.session.scalars(select(User).where(User.school_id == school_id, User.role == Role.SCHOOL.value, User.active.is_(True)).order_by(User.id))
    )


def _tell(people: Iterable[User], subject: str, body_for) -> None:
    # One mail each, so nobody learns who else was written to.
    for person in people:
        send_mail(person.email, subject, body_for(person))


def _return_title(ret: Return) -> str:
    return _return_title_of(ret.return_type)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _signature() -> str:
    config = current_app.config
    return f"{config['SERVICE_NAME']}\n{config['LA_NAME']} School Improvement Team\n"


def _submitted(ret: Return, school: School, window: CollectionWindow, what: str, *, resubmitted: bool):
    verb = "resubmitted" if resubmitted else "submitted"
    subject = f"{school.name} has {verb} its {_lower_first(what)}"
    late = "\n\nIt was submitted after the due date, so it is marked late." if ret.late and not resubmitted else ""
    link = absolute_url(f"/returns/{ret.id}/review")

    def body(person: User) -> str:
        return (
            f"Dear {person.name},\n\n"
            f"{school.name} (URN {school.urn}) has {verb} its {_lower_first(what)} for {window.title}.{late}\n\n"
            f"To review it, sign in and open:\n\n{link}\n\n"
            f"{_signature()}"
        )

    return subject, body


def _returned(ret: Return, school: School, window: CollectionWindow, what: str, reason: str, officer: User):
    subject = f"Your {_lower_first(what)} has been returned for changes"
    link = absolute_url(f"/returns/{ret.id}")

    def body(person: User) -> str:
        return (
            f"Dear {person.name},\n\n"
            f"{officer.name} from the School Improvement Team has returned {school.name}'s {_lower_first(what)} "
            f"for {window.title} for changes.\n\n"
            f"Their reason:\n\n{_quoted(reason)}\n\n"
            "Any comments on particular sections are shown beside those sections. Make the changes, and your "
            "school's approver can then submit the return again.\n\n"
            f"Sign in to see the comments and make the changes:\n\n{link}\n\n"
            f"{_signature()}"
        )

    return subject, body


def _accepted(ret: Return, school: School, window: CollectionWindow, what: str, officer: User):
    subject = f"Your {_lower_first(what)} has been accepted"
    link = absolute_url(f"/returns/{ret.id}")

    def body(person: User) -> str:
        return (
            f"Dear {person.name},\n\n"
            f"{officer.name} from the School Improvement Team has accepted {school.name}'s {_lower_first(what)} "
            f"for {window.title}. There is nothing more to do.\n\n"
            f"You can see what was submitted at:\n\n{link}\n\n"
            f"{_signature()}"
        )

    return subject, body


def _reopened(ret: Return, school: School, window: CollectionWindow, what: str, reason: str, officer: User):
    subject = f"Your {_lower_first(what)} has been reopened"
    link = absolute_url(f"/returns/{ret.id}")

    def body(person: User) -> str:
        return (
            f"Dear {person.name},\n\n"
            f"{officer.name} from the School Improvement Team has reopened {school.name}'s {_lower_first(what)} "
            f"for {window.title}, which had been accepted.\n\n"
            f"Their reason:\n\n{_quoted(reason)}\n\n"
            f"Sign in to make the changes, and your school's approver can then submit it again:\n\n{link}\n\n"
            f"{_signature()}"
        )

    return subject, body


def _quoted(text: str) -> str:
    return "\n".join(f"  {line}" if line else "" for line in text.strip().splitlines())


def reminder_mail(person: User, school: School, window: CollectionWindow, what: str, due_on: date, *, overdue: bool, started: bool, return_id: int | None) -> tuple[str, str]:
    """The subject and body of a reminder that a return is due soon or overdue."""
    if overdue:
        subject = f"Your {_lower_first(what)} is overdue"
        when = f"was due on {govuk_date(due_on)} and has not been submitted yet"
    else:
        subject = f"Your {_lower_first(what)} is due on {govuk_date(due_on)}"
        when = f"is due by 11:59pm on {govuk_date(due_on)}"
    progress = "It has been started but not submitted." if started else "It has not been started yet."
    path = f"/returns/{return_id}" if return_id else "/school"
    body = (
        f"Dear {person.name},\n\n"
        f"{school.name}'s {_lower_first(what)} for {window.title} {when}. {progress}\n\n"
        "Anyone at your school with an account can work on it; your school's approver submits it.\n\n"
        f"Sign in to carry on:\n\n{absolute_url(path)}\n\n"
        "If you need more time, ask the School Improvement Team before the due date.\n\n"
        f"{_signature()}"
    )
    return subject, body


@dataclass(frozen=True)
class Reminder:
    """One school to remind about one window's return."""

    window: CollectionWindow
    school: School
    due_on: date
    overdue: bool
    return_id: int | None  # None: not started
    people: tuple[User, ...]


REMIND_DAYS = 7


def due_reminders(now: datetime | None = None, days: int = REMIND_DAYS) -> list[Reminder]:
    """Every school whose return in an open window is due within `days` days or overdue, and not yet
    submitted, with its active users: a query for the windows, one per window for its schools, one
    for the returns and one for the people, however many schools there are."""
    from app.services import windows as window_service

    now = now or utcnow()
    today = now.astimezone(LONDON).date()
    horizon = today + timedelta(days=days)
    windows = [
        window
        for window in db.session.scalars(
            select(CollectionWindow)
            .where(CollectionWindow.closed_at.is_(None), CollectionWindow.opens_on <= today)
            .order_by(CollectionWindow.due_on, CollectionWindow.id)
        )
        if registry.get(window.return_type) is not None
    ]
    if not windows:
        return []
    returns = {
        (window_id, school_id): (return_id, state)
        for return_id, window_id, school_id, state in db.session.execute(
            select(Return.id, Return.window_id, Return.school_id, Return.state).where(Return.window_id.in_([w.id for w in windows]))
        )
    }
    found: list[tuple[CollectionWindow, School, date, int | None]] = []
    for window in windows:
        for school, exception in window_service.schools_in_scope(window):
            if exception is not None and exception.closed_at is not None:
                continue  # closed for this school alone
            due_on = window_service.school_due_on(window, exception)
            if due_on > horizon:
                continue
            return_id, state = returns.get((window.id, school.id), (None, None))
            # Submitted, accepted, or back with the school after a review: not something to chase.
            if state not in (None, DRAFT):
                continue
            found.append((window, school, due_on, return_id))
    people: dict[int, list[User]] = {}
    school_ids = {school.id for _, school, _, _ in found}
    if school_ids:
        for person in db.session.scalars(
            select(User)
            .where(User.school_id.in_(school_ids), User.role == Role.SCHOOL.value, User.active.is_(True))
            .order_by(User.id)
        ):
            people.setdefault(person.school_id, []).append(person)
    return [
        Reminder(window, school, due_on, window_service.is_past_due(due_on, now), return_id, tuple(people.get(school.id, ())))
        for window, school, due_on, return_id in found
    ]


def send_reminder(reminder: Reminder) -> int:
    """Queue the reminder to each of the school's people; how many mails that is."""
    what = _return_title_of(reminder.window.return_type)
    for person in reminder.people:
        subject, body = reminder_mail(
            person, reminder.school, reminder.window, what, reminder.due_on,
            overdue=reminder.overdue, started=reminder.return_id is not None, return_id=reminder.return_id,
        )
        send_mail(person.email, subject, body)
    return len(reminder.people)


def _return_title_of(key: str) -> str:
    return_type = registry.get(key)
    return return_type.title if return_type else "Return"
