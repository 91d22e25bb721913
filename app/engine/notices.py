"""Every mail the engine sends about a return, from one table, and the command that sends the ones
that fall due on a date.

Two kinds of notice, one table (NOTICES):

- after a move (the lifecycle's `return_moved` signal): the deciders hear that a school submitted,
  resubmitted or took a step of its type's own; the school's authors and approvers hear that their
  return was returned for changes, accepted or reopened, and get a receipt when it is submitted;
- when asked (`ask_for_sign_off`): a contributor who has completed a return asks its approvers to
  check it and submit it;
- on a date (`flask notices send`, run by cron): a window has opened, a return is due within a
  week, a return is overdue, and whatever a return type schedules itself
  (ReturnType.scheduled_notices, giving ScheduledNotice objects).

Who hears a move is the return type's policy (`policy.people`), never a list kept here, narrowed
for a submission to the people who will act on it: the officer the return is assigned to, or else
every officer who has not turned submission notices off (administrators are not mailed about
submissions; they see the queue). A mail names
the school, the return and where to look, and nothing of the answers: some returns (mental-health
plans) must never travel by mail. It carries no secret either, only a link to a page that needs
signing in.

Each scheduled notice goes once: it is recorded in `sent_notices` in the transaction that queues its
mail, under a unique key (notice, person, what it is about, date), so the command may run every
hour, or twice at once, and nobody hears the same thing twice. Mail is queued and goes only when the
transaction that made the change commits (app/mail.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.formatting import LONDON, govuk_date, govuk_datetime
from app.mail import absolute_url, send_mail
from app.models import AuditEvent, CollectionWindow, Return, Role, School, Submission, User
from app.models.returns import DRAFT, RETURNED, SentNotice
from app.models.types import utcnow
from app.engine import living, registry
from app.engine.lifecycle import ACCEPT, REOPEN, RETURN_FOR_CHANGES, SUBMIT
from app.engine.policy import APPROVER, AUTHOR, DECIDER
from app.engine.signals import return_moved
from app.services import windows as window_service

SCHOOL = (AUTHOR, APPROVER)


@dataclass(frozen=True)
class Notice:
    """One kind of mail. The subject and body are str.format templates over the values the notice
    is sent with ({school}, {what}, {period}, {link}, ...); the body is wrapped in a greeting to the
    person and the service's signature. `who` is the capacities that hear it."""

    key: str
    subject: str
    body: str
    who: tuple[str, ...]


_HOW_SCHOOLS_WORK = "Anyone at your school with an account can work on it; your school's approver submits it."

NOTICES: dict[str, Notice] = {
    notice.key: notice
    for notice in (
        # After a move
        Notice(
            "submitted",
            "{school} has submitted its {what} ({period})",
            "{school} (URN {urn}) has submitted its {what} ({period}).{late}\n\n"
            "To review it, sign in and open:\n\n{link}",
            (DECIDER,),
        ),
        Notice(
            "resubmitted",
            "{school} has resubmitted its {what} ({period})",
            "{school} (URN {urn}) has made changes to its {what} ({period}) and submitted it again.\n\n"
            "To review it, sign in and open:\n\n{link}",
            (DECIDER,),
        ),
        Notice(
            "step",
            "{school}'s {what} ({period}): {step_state}",
            "{actor} has recorded \u201c{step_title}\u201d on {school}'s {what} ({period}).{next}\n\n"
            "To see it, sign in and open:\n\n{link}",
            (DECIDER,),
        ),
        Notice(
            "receipt",
            "Receipt: {school}'s {what} ({period}) has been submitted",
            "{actor} submitted {school}'s {what} ({period}){again} to the School Improvement Team on {when}.{late}\n\n"
            "This is your receipt. There is nothing more to do unless the team asks for changes: "
            "you will hear from them when they have reviewed it.\n\n"
            "You can see the return and what was submitted at:\n\n{link}",
            SCHOOL,
        ),
        Notice(
            "sign_off",
            "{actor} asks you to sign off {school}'s {what} ({period})",
            "{actor} has completed every section of {school}'s {what} ({period}) and asks you, as an approver, "
            "to check the answers and submit the return.\n\n"
            "Sign in to check the answers and submit it:\n\n{link}",
            (APPROVER,),
        ),
        Notice(
            "returned",
            "{school}'s {what} ({period}) has been returned for changes",
            "{actor} from the School Improvement Team has returned {school}'s {what} ({period}) for changes.\n\n"
            "Their reason:\n\n{reason}\n\n"
            "Any comments on particular sections are shown beside those sections. Make the changes, and your "
            "school's approver can then submit the return again.\n\n"
            "Sign in to see the comments and make the changes:\n\n{link}",
            SCHOOL,
        ),
        Notice(
            "accepted",
            "{school}'s {what} ({period}) has been accepted",
            "{actor} from the School Improvement Team has accepted {school}'s {what} ({period}). "
            "There is nothing more to do.\n\n"
            "You can see what was submitted at:\n\n{link}",
            SCHOOL,
        ),
        Notice(
            "reopened",
            "{school}'s {what} ({period}) has been reopened",
            "{actor} from the School Improvement Team has reopened {school}'s {what} ({period}), which had been accepted.\n\n"
            "Their reason:\n\n{reason}\n\n"
            "Sign in to make the changes, and your school's approver can then submit it again:\n\n{link}",
            SCHOOL,
        ),
        # On a date (flask notices send)
        Notice(
            "window_open",
            "{school} can now send its {what} ({period})",
            "The School Improvement Team has asked {school} for its {what} ({period}). "
            "It is due by 11:59pm on {due_date}.\n\n{summary}\n\n"
            f"{_HOW_SCHOOLS_WORK}\n\n"
            "Sign in to start:\n\n{link}",
            SCHOOL,
        ),
        Notice(
            "due_soon",
            "{school}'s {what} ({period}) is due on {due_date}",
            "{school}'s {what} ({period}) is due by 11:59pm on {due_date}. {progress}\n\n"
            f"{_HOW_SCHOOLS_WORK}\n\n"
            "Sign in to carry on:\n\n{link}\n\n"
            "If you need more time, ask the School Improvement Team before the due date.",
            SCHOOL,
        ),
        Notice(
            "overdue",
            "{school}'s {what} ({period}) is overdue",
            "{school}'s {what} ({period}) was due on {due_date} and has not been submitted yet. {progress}\n\n"
            f"{_HOW_SCHOOLS_WORK}\n\n"
            "Sign in to carry on:\n\n{link}\n\n"
            "If something is stopping you, tell the School Improvement Team.",
            SCHOOL,
        ),
        # A submission that raises one of its type's alerts (app/engine/alerts.py): at once, to
        # every officer, with the alert's few words and never the answers.
        Notice(
            "alert",
            "Alert: {school}'s {what} ({period}): {alert}",
            "{school} (URN {urn}) has submitted its {what} ({period}), and it raises an alert: {alert}.\n\n"
            "Please look at it today. Sign in to read the return:\n\n{link}\n\n"
            "The alert stays first on the officers' home until an officer acknowledges it.",
            (DECIDER,),
        ),
        # Sent by an officer from the collection tracker (app/officer/reminders.py), when asked.
        Notice(
            "reminder",
            "Reminder: {school}'s {what} ({period}) {due_words}",
            "{actor} from the School Improvement Team is reminding you that {school}'s {what} ({period}) "
            "{due_words} and has not been submitted yet. {progress}\n\n"
            f"{_HOW_SCHOOLS_WORK}\n\n"
            "Sign in to carry on:\n\n{link}\n\n"
            "If something is stopping you, or you need more time, tell the School Improvement Team.",
            SCHOOL,
        ),
        # A living plan (ReturnType.living): a count and a date only, never an action's words.
        Notice(
            "living_review",
            "{school}'s {what} ({period}) is due for review",
            "{school}'s {what} ({period}) was due for review on {due_date}.\n\n"
            "Sign in to update each action's status and progress:\n\n{link}",
            SCHOOL,
        ),
        Notice(
            "living_overdue",
            "{school}'s {what} ({period}): {count}",
            "{school}'s {what} ({period}) has {count} (an action is overdue when its target date has passed and it is not marked complete).\n\n"
            "Sign in to see which and bring the plan up to date:\n\n{link}",
            SCHOOL,
        ),
    )
}

# How long before its due date a return not yet submitted is chased.
DUE_SOON_DAYS = 7


# ---------------------------------------------------------------------------------------------
# Words


def what_is_due(return_type_key: str) -> str:
    """The return as a person names it after its school's name: "self-evaluation", "thing count".

    Only the first letter is lowered, so "Gatsby" keeps its capital; a leading "school" goes,
    because the school is already named ("Willowbank's self-evaluation", not "school self-evaluation")."""
    title = registry.title_of(return_type_key)
    what = title[:1].lower() + title[1:]
    return what.removeprefix("school ") or what


def period_of(window: CollectionWindow) -> str:
    """The term and calendar year a window covers ("autumn 2026", "spring 2027"), or the academic
    year for a whole-year window ("2026/27"): named once, instead of the window's title."""
    start = window.academic_year[:4]
    if not start.isdigit():
        return f"{window.period} {window.academic_year}".strip()
    if window.period == "autumn":
        return f"autumn {start}"
    if window.period in ("spring", "summer"):
        return f"{window.period} {int(start) + 1}"
    return window.academic_year


def _quoted(text: str) -> str:
    return "\n".join(f"  {line}" if line else "" for line in text.strip().splitlines())


def _signature() -> str:
    config = current_app.config
    return f"{config['SERVICE_NAME']}\n{config['LA_NAME']} School Improvement Team\n"


def letter(person: User, text: str) -> str:
    """A notice's text as a mail to one person."""
    return f"Dear {person.name},\n\n{text}\n\n{_signature()}"


def render(key: str, values: Mapping[str, object]) -> tuple[str, str]:
    """The subject and the text (without greeting or signature) of one notice from the table."""
    notice = NOTICES[key]
    return notice.subject.format_map(values), notice.body.format_map(values)


def notice_values(school: School, window: CollectionWindow, return_type_key: str) -> dict[str, object]:
    """What every notice about a school's return may say: the school, its URN, what is due and for
    which period (the engine's own notices, alerts and officers' reminders all start from these)."""
    return {"school": school.name, "urn": school.urn, "what": what_is_due(return_type_key), "period": period_of(window)}


# ---------------------------------------------------------------------------------------------
# After a move


@return_moved.connect
def _on_move(ret: Return, *, action: str, user: User, reason: str, from_state: str | None, return_type=None, **_) -> None:
    """The lifecycle has just made a move: mail whoever the type's policy says needs to know."""
    return_type = return_type or registry.get(ret.return_type)
    if return_type is None:
        return
    step = return_type.step(action)
    key = {
        SUBMIT: "resubmitted" if from_state == RETURNED else "submitted",
        RETURN_FOR_CHANGES: "returned",
        ACCEPT: "accepted",
        REOPEN: "reopened",
    }.get(action, "step" if step else None)
    if key is None:
        return  # starting, withdrawing, taking and assigning a return tell nobody
    notice = NOTICES[key]
    school = db.session.get(School, ret.school_id)
    window = db.session.get(CollectionWindow, ret.window_id)
    values = notice_values(school, window, ret.return_type) | {
        "actor": user.name,
        "reason": _quoted(reason),
        # Deciders go to the review page; the school to its return.
        "link": absolute_url(f"/returns/{ret.id}/review" if DECIDER in notice.who else f"/returns/{ret.id}"),
        "late": "\n\nIt was submitted after the due date, so it is marked late." if key == "submitted" and ret.late else "",
    }
    if step:
        last = return_type.steps[-1].key == step.key
        values |= {
            "step_title": step.title,
            "step_state": step.state_label[:1].lower() + step.state_label[1:],
            "next": " It is now ready for your decision." if last else "",
        }
    subject, text = render(key, values)
    people = list(db.session.scalars(return_type.policy.people(ret, notice.who)))
    if action == SUBMIT:
        people = told_of_submission(ret, people)
    for person in people:
        if person.id == user.id:
            continue  # nobody is told of their own move
        # One mail each, so nobody learns who else was written to.
        send_mail(person.email, subject, letter(person, text))
    if action == SUBMIT:
        _send_receipts(ret, return_type, values | {"again": " again" if key == "resubmitted" else "", "link": absolute_url(f"/returns/{ret.id}")})


def told_of_submission(ret: Return, deciders: Iterable[User]) -> list[User]:
    """Of the people who decide on this return, those a submission is mailed to: the officer it is
    assigned to (a resubmission goes back to whoever returned it for changes), whatever their
    setting; with nobody assigned, every officer who has not turned submission notices off.
    Administrators who are not assigned hear nothing: they are not the ones who review."""
    deciders = list(deciders)
    if ret.assigned_to_id is not None:
        assigned = [person for person in deciders if person.id == ret.assigned_to_id]
        if assigned:
            return assigned
        # Assigned to someone who no longer decides on it (deactivated): the team hears instead.
    return [person for person in deciders if person.role == Role.OFFICER.value and person.submission_notices]


def _send_receipts(ret: Return, return_type, values: Mapping[str, object]) -> None:
    """Everyone at the school who may work on the return (the type's policy says who) gets a
    receipt for the submission, the person who submitted it too: it is their proof it was sent."""
    submitted_at = db.session.scalar(select(func.max(Submission.submitted_at)).where(Submission.return_id == ret.id))
    subject, text = render("receipt", values | {"when": govuk_datetime(submitted_at or utcnow())})
    for person in db.session.scalars(return_type.policy.people(ret, NOTICES["receipt"].who)):
        send_mail(person.email, subject, letter(person, text))


# ---------------------------------------------------------------------------------------------
# Asking the approvers to sign off

# How long a person waits before asking again about the same return (approvers are not to be
# pestered by a double click or an impatient colleague).
SIGN_OFF_INTERVAL = timedelta(minutes=10)
# Each request is kept in the audit trail: who asked, about which return, whom it mailed.
SIGN_OFF_EVENT = "sign_off_requested"


class SignOffRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def last_sign_off_request(ret: Return, person: User) -> datetime | None:
    """When this person last asked for this return to be signed off, if within the interval."""
    since = utcnow() - SIGN_OFF_INTERVAL
    events = db.session.execute(
        select(AuditEvent.occurred_at, AuditEvent.detail)
        .where(AuditEvent.event == SIGN_OFF_EVENT, AuditEvent.user_id == person.id, AuditEvent.occurred_at >= since)
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    )
    # The return is named in the event's detail (JSON, read the same on both databases): one
    # person's requests within ten minutes are few.
    for occurred_at, detail in events:
        if (detail or {}).get("return_id") == ret.id:
            return occurred_at
    return None


def _clock(moment: datetime) -> str:
    """The time of day in London, as in "4:05pm"."""
    return govuk_datetime(moment).rpartition(" at ")[2]


def ask_for_sign_off(ret: Return, person: User) -> list[User]:
    """Mail the return's approvers (its type's policy says who; only they) that `person` asks them
    to check and submit it, and give back whom it mailed. The caller has checked that the person
    is an author who may ask now; this refuses a second request within SIGN_OFF_INTERVAL, and a
    return with nobody to ask."""
    approvers = sorted(
        (
            approver
            for approver in db.session.scalars(registry.get(ret.return_type).policy.people(ret, (APPROVER,)))
            if approver.id != person.id
        ),
        key=lambda approver: (approver.name, approver.id),  # as the return's page names them
    )
    if not approvers:
        raise SignOffRefused("Nobody at your school can sign off returns yet. Ask the School Improvement Team to name an approver")
    asked_at = last_sign_off_request(ret, person)
    if asked_at is not None:
        again = asked_at + SIGN_OFF_INTERVAL
        raise SignOffRefused(
            f"You asked for sign-off at {_clock(asked_at)}, so the approvers have not been emailed again. "
            f"You can ask again from {_clock(again)} if the return has still not been submitted"
        )
    school = db.session.get(School, ret.school_id)
    window = db.session.get(CollectionWindow, ret.window_id)
    values = notice_values(school, window, ret.return_type) | {"actor": person.name, "link": absolute_url(f"/returns/{ret.id}/check")}
    subject, text = render("sign_off", values)
    for approver in approvers:
        send_mail(approver.email, subject, letter(approver, text))
    # Recorded with the mail, in its transaction: a request that fails neither mails nor counts.
    db.session.add(AuditEvent(event=SIGN_OFF_EVENT, user_id=person.id, detail={"return_id": ret.id, "approvers": [a.id for a in approvers]}))
    db.session.flush()
    return approvers


# ---------------------------------------------------------------------------------------------
# On a date


@dataclass(frozen=True)
class ScheduledNotice:
    """One mail that falls due on a date, to one person, to be sent once.

    `key`, `user_id` (from `user`), `subject` and `due_on` are the row in sent_notices that stops it
    going twice: which notice (at most 40 characters: "plan_review"), who, what it is about (at most
    80: "window:12:school:5", "return:7") and the date it is about (a due date, a review date).
    `mail_subject` and `mail_body` are what the person reads; the body is wrapped in a greeting and
    the service's signature, and must hold no answers and no secret, only a link to a page that
    needs signing in. A return type's `scheduled_notices(moment)` yields these for the moment given
    (an aware datetime): whatever is due by then, sent or not; this module skips those already sent.
    """

    key: str
    user: User
    subject: str
    due_on: date
    mail_subject: str
    mail_body: str

    @property
    def identity(self) -> tuple[str, int, str, date]:
        return (self.key, self.user.id, self.subject, self.due_on)


def due_notices(now: datetime | None = None) -> list[ScheduledNotice]:
    """Every scheduled notice due at this moment, to every active person it is for, whether or not
    it has been sent before. The engine's own cost a query for the windows, one per window for its
    schools, one for the returns and one for the people, however many schools there are."""
    now = now or utcnow()
    found = _window_notices(now) + _living_notices(now)
    for return_type in registry.all_types():
        if return_type.scheduled_notices is not None:
            found.extend(return_type.scheduled_notices(now))
    unique: dict[tuple, ScheduledNotice] = {}
    for notice in found:
        if len(notice.key) > 40 or len(notice.subject) > 80:
            # A type's mistake must not stop everyone else's notices: say so and go on.
            current_app.logger.error("Scheduled notice %r about %r is too long to record; not sent", notice.key, notice.subject)
            continue
        if notice.user.active:
            unique.setdefault(notice.identity, notice)
    return list(unique.values())


def _window_notices(now: datetime) -> list[ScheduledNotice]:
    """A window opening, a return due within a week, a return overdue: to the school's own people,
    while the window is open to that school and until the school has submitted."""
    today = now.astimezone(LONDON).date()
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
    # (notice key, window, school, the school's due date, its return's id if started)
    chosen: list[tuple[str, CollectionWindow, School, date, int | None]] = []
    for window in windows:
        for school, exception in window_service.schools_in_scope(window):
            if not window_service.is_open_for(window, exception, today):
                continue  # closed for this school alone
            return_id, state = returns.get((window.id, school.id), (None, None))
            # Submitted, accepted, or back with the school after a review: nothing to chase.
            if state not in (None, DRAFT):
                continue
            due_on = window_service.school_due_on(window, exception)
            if window_service.is_past_due(due_on, now):
                chosen.append(("overdue", window, school, due_on, return_id))
                continue
            chase_from = due_on - timedelta(days=DUE_SOON_DAYS)
            if return_id is None:  # a school that has started knows the window is open
                chosen.append(("window_open", window, school, due_on, return_id))
            # A window that opens less than a week before the due date: its opening notice, which
            # gives the date, is the reminder, rather than two mails at once.
            if today >= chase_from and window.opens_on < chase_from:
                chosen.append(("due_soon", window, school, due_on, return_id))
    people: dict[int, list[User]] = {}
    school_ids = {school.id for _, _, school, _, _ in chosen}
    if school_ids:
        for person in db.session.scalars(
            select(User)
            .where(User.school_id.in_(school_ids), User.role == Role.SCHOOL.value, User.active.is_(True))
            .order_by(User.id)
        ):
            people.setdefault(person.school_id, []).append(person)
    notices = []
    for key, window, school, due_on, return_id in chosen:
        if school.id not in people:
            continue
        return_type = registry.get(window.return_type)
        values = notice_values(school, window, window.return_type) | {
            "due_date": govuk_date(due_on),
            "summary": return_type.summary,
            "progress": "It has been started but not submitted." if return_id else "It has not been started yet.",
            "link": absolute_url(f"/returns/{return_id}" if return_id else "/school"),
        }
        mail_subject, text = render(key, values)
        # The opening notice is about the opening date; a later due date (an extension) is a new
        # date to be reminded of, so the reminders are about the school's own due date.
        about_date = window.opens_on if key == "window_open" else due_on
        for person in people[school.id]:
            notices.append(ScheduledNotice(key, person, f"window:{window.id}:school:{school.id}", about_date, mail_subject, text))
    return notices


def _living_notices(now: datetime) -> list[ScheduledNotice]:
    """A living plan's review is due, or some of its actions are overdue (app/engine/living.py):
    to the return's editors, as its type's policy names them, each about its date so it goes once."""
    notices = []
    for due in living.plans_due(now):
        ret = due.ret
        return_type = registry.get(ret.return_type)
        school = db.session.get(School, ret.school_id)
        window = db.session.get(CollectionWindow, ret.window_id)
        values = notice_values(school, window, ret.return_type) | {
            "due_date": govuk_date(due.about),
            "count": f"{due.count} action{'' if due.count == 1 else 's'} overdue",
            "link": absolute_url(f"/returns/{ret.id}/plan"),
        }
        mail_subject, text = render(due.key, values)
        for person in db.session.scalars(return_type.policy.people(ret, NOTICES[due.key].who)):
            notices.append(ScheduledNotice(due.key, person, f"return:{ret.id}", due.about, mail_subject, text))
    return notices


def _already_sent(notices: list[ScheduledNotice]) -> set[tuple[str, int, str, date]]:
    """Which of these have gone before, in one query (by notice and date, which stay few)."""
    if not notices:
        return set()
    rows = db.session.execute(
        select(SentNotice.notice, SentNotice.user_id, SentNotice.subject, SentNotice.due_on).where(
            SentNotice.notice.in_(sorted({n.key for n in notices})), SentNotice.due_on.in_(sorted({n.due_on for n in notices}))
        )
    )
    return {tuple(row) for row in rows}


def send_due(now: datetime | None = None, *, dry_run: bool = False) -> list[ScheduledNotice]:
    """Record and queue every scheduled notice due at this moment that has not gone before; the
    ones sent (or, on a dry run, the ones that would be). The caller commits (the mail goes then) or,
    on a dry run, rolls back.

    Each row goes in under a savepoint: if another run has just sent the same notice (the unique
    key says so), that one is skipped, its mail dropped with the savepoint, and the rest go on."""
    candidates = due_notices(now)
    sent_before = _already_sent(candidates)
    fresh = [notice for notice in candidates if notice.identity not in sent_before]
    if dry_run:
        return fresh
    sent = []
    for notice in fresh:
        try:
            with db.session.begin_nested():
                db.session.add(SentNotice(notice=notice.key, user_id=notice.user.id, subject=notice.subject, due_on=notice.due_on))
                db.session.flush()
                send_mail(notice.user.email, notice.mail_subject, letter(notice.user, notice.mail_body))
        except IntegrityError:
            continue  # sent by a run at the same moment
        sent.append(notice)
    return sent


def parse_moment(text: str) -> datetime:
    """An ISO 8601 date or date and time; without an offset it is London time."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LONDON)
    return moment


# How the command lists each of the engine's own scheduled notices.
_LABELS = {
    "window_open": "window open", "due_soon": "due soon", "overdue": "overdue",
    "living_review": "plan review due", "living_overdue": "plan actions overdue",
}


def describe(notices: Iterable[ScheduledNotice]) -> list[str]:
    """One line per mail for the command's output: which notice, to whom, and its subject."""
    return [f"  {_LABELS.get(n.key, n.key)} to {n.user.email}: {n.mail_subject}" for n in notices]
