"""The collection tracker (issue 16): every school a window asks, with its return's state, whether
it is overdue or was late, its due date (its own, if extended), the last change and who made it,
the officer who has it and the last reminder it was sent.

For every return type through the engine: the schools asked are the type's scope
(app/services/windows.py, from `registry.get(type).scope.sql(window)`), a state reads as the type
says (its own step states included), and a return waiting on the council is "submitted" whatever
step it is at. A fixed number of queries, however many schools: the rows in one SELECT (the
latest move and section save per return by window functions), the counts in one GROUP BY, the
reminders in two.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, case, false, func, literal, select, true
from sqlalchemy.orm import aliased

from app.engine import registry
from app.engine.lifecycle import action_labels
from app.extensions import db
from app.formatting import LONDON
from app.models import CollectionWindow, Return, ReturnSection, ReturnTransition, Role, School, User, WindowException
from app.models.monitoring import Reminder
from app.models.returns import ACCEPTED, DRAFT, RETURNED, SentNotice
from app.models.schools import OPEN_STATUSES
from app.models.types import utcnow
from app.services import windows as window_service

NOT_STARTED, IN_PROGRESS, SUBMITTED, RETURNED_KEY, ACCEPTED_KEY = "not_started", "in_progress", "submitted", "returned", "accepted"
OVERDUE, LATE = "overdue", "late"
# Each state a school's return can be in, as the tracker counts it, in the order it lists them.
STATUSES = (
    (NOT_STARTED, "Not started"),
    (IN_PROGRESS, "In progress"),
    (SUBMITTED, "Submitted"),
    (RETURNED_KEY, "Returned for changes"),
    (ACCEPTED_KEY, "Accepted"),
)
FLAGS = ((OVERDUE, "Overdue"), (LATE, "Late"))
FILTERABLE = dict(STATUSES) | dict(FLAGS)
NOBODY = "none"
# The scheduled notices that chase a school's return (app/engine/notices.py): shown as reminders.
SCHEDULED_REMINDERS = ("due_soon", "overdue")


def now() -> datetime:
    """The tracker's clock (tests move it)."""
    return utcnow()


def today(moment: datetime | None = None) -> date:
    return (moment or now()).astimezone(LONDON).date()


@dataclass(frozen=True)
class Filters:
    phase: str = ""
    trust: str = ""
    state: str = ""
    officer: str = ""  # a council user's id, NOBODY, or "" for anyone

    def query(self, **changes) -> dict[str, str]:
        values = {"phase": self.phase, "trust": self.trust, "state": self.state, "officer": self.officer} | changes
        return {key: value for key, value in values.items() if value}


@dataclass
class LastReminder:
    at: datetime
    by: str | None  # the officer who sent it; None for a scheduled one
    count: int = 1


@dataclass
class TrackerRow:
    school_id: int
    school_name: str
    urn: str
    phase: str
    kind: str  # the establishment type, shown where GIAS gives no phase
    trust: str | None
    return_id: int | None
    state: str | None
    status: str
    state_label: str
    overdue: bool
    late: bool
    closed: bool
    due_on: date
    extended: bool
    changed_at: datetime | None
    changed_by: str | None
    change: str
    officer_id: int | None
    officer_name: str | None
    reminder: LastReminder | None = None

    @property
    def submitted(self) -> bool:
        return self.status in (SUBMITTED, RETURNED_KEY, ACCEPTED_KEY)

    @property
    def can_be_reminded(self) -> bool:
        """Not yet submitted and still open to the school: nobody chases a school that has sent it."""
        return self.status in (NOT_STARTED, IN_PROGRESS) and not self.closed


@dataclass
class Tracker:
    window: CollectionWindow
    today: date
    rows: list[TrackerRow]
    counts: dict[str, int] = field(default_factory=dict)  # by status and flag, under every filter but the state
    total: int = 0  # schools asked, under every filter but the state


def _status_sql():
    return case(
        (Return.id.is_(None), literal(NOT_STARTED)),
        (Return.state == DRAFT, literal(IN_PROGRESS)),
        (Return.state == RETURNED, literal(RETURNED_KEY)),
        (Return.state == ACCEPTED, literal(ACCEPTED_KEY)),
        else_=literal(SUBMITTED),
    )


def _base(window: CollectionWindow, filters: Filters, on: date):
    """The schools asked joined with their returns and exceptions, under the filters (but the
    state), and the SQL of each one's status, overdue and late."""
    due = func.coalesce(WindowException.due_on, window.due_on)
    closed = true() if window.closed_at is not None else WindowException.closed_at.is_not(None)
    overdue = and_(Return.first_submitted_at.is_(None), due < on, ~closed) if window.closed_at is None else false()
    late = func.coalesce(Return.late, false()).is_(True)
    conditions = [School.status.in_(OPEN_STATUSES), window_service.scope_of(window).sql(window)]
    if filters.phase:
        conditions.append(School.phase == filters.phase)
    if filters.trust:
        conditions.append(School.trust_name == filters.trust)
    if filters.officer == NOBODY:
        conditions.append(Return.assigned_to_id.is_(None))
    elif filters.officer:
        conditions.append(Return.assigned_to_id == int(filters.officer))
    joins = (
        (Return, and_(Return.school_id == School.id, Return.window_id == window.id)),
        (WindowException, and_(WindowException.school_id == School.id, WindowException.window_id == window.id)),
    )
    return joins, and_(*conditions), _status_sql(), overdue, late, due, closed


def _state_condition(state: str, status, overdue, late):
    if state == OVERDUE:
        return overdue
    if state == LATE:
        return late
    return status == state


def tracker(window: CollectionWindow, filters: Filters, moment: datetime | None = None) -> Tracker:
    """Every school the window asks under the filters: overdue first (earliest due first), then
    late, then the rest, each by name; with the counts by state that the filters (but the state)
    leave. Five queries."""
    moment = moment or now()
    on = today(moment)
    return_type = registry.get(window.return_type)
    joins, where, status, overdue, late, due, closed = _base(window, filters, on)

    # Counts: one GROUP BY over the status, summing the flags.
    counting = select(status.label("status"), func.count(), func.sum(case((overdue, 1), else_=0)), func.sum(case((late, 1), else_=0))).select_from(School)
    for target, on_clause in joins:
        counting = counting.outerjoin(target, on_clause)
    found = Tracker(window=window, today=on, rows=[])
    found.counts = {key: 0 for key in FILTERABLE}
    for key, count, overdue_count, late_count in db.session.execute(counting.where(where).group_by(status)):
        found.counts[key] = count
        found.counts[OVERDUE] += int(overdue_count or 0)
        found.counts[LATE] += int(late_count or 0)
        found.total += count

    # The latest move and the latest section save of each of the window's returns.
    # The latest move and the latest section save of each return: a correlated lookup per row on
    # the indexed return_id (a return has a handful of each), which PostgreSQL plans the same
    # whatever its statistics say; a window-function subquery joined on its first row was planned
    # as a nested loop over a freshly loaded table and took minutes at 2,000 schools.
    last_move_id = (
        select(ReturnTransition.id).where(ReturnTransition.return_id == Return.id)
        .order_by(ReturnTransition.id.desc()).limit(1).correlate(Return).scalar_subquery()
    )
    last_save_id = (
        select(ReturnSection.id).where(ReturnSection.return_id == Return.id)
        .order_by(ReturnSection.updated_at.desc(), ReturnSection.id.desc()).limit(1).correlate(Return).scalar_subquery()
    )
    moves, saves = aliased(ReturnTransition), aliased(ReturnSection)
    mover, saver, officer = aliased(User), aliased(User), aliased(User)
    order = case((overdue, 0), (late, 1), else_=2)
    query = select(
        School.id, School.name, School.urn, School.phase, School.establishment_type, School.trust_name,
        Return.id, Return.state, status, overdue, late, closed, due, WindowException.due_on,
        moves.at, mover.name, moves.action, saves.updated_at, saver.name,
        Return.assigned_to_id, officer.name,
    ).select_from(School)
    for target, on_clause in joins:
        query = query.outerjoin(target, on_clause)
    query = (
        query.outerjoin(moves, moves.id == last_move_id)
        .outerjoin(mover, mover.id == moves.by_id)
        .outerjoin(saves, saves.id == last_save_id)
        .outerjoin(saver, saver.id == saves.updated_by_id)
        .outerjoin(officer, officer.id == Return.assigned_to_id)
        .where(where)
    )
    if filters.state:
        query = query.where(_state_condition(filters.state, status, overdue, late))
    # Within the overdue, the earliest due first; the rest by name.
    query = query.order_by(order, case((overdue, due), else_=window.due_on), School.search_name, School.id)
    labels = return_type.state_labels if return_type else {}
    actions = action_labels(return_type)
    for (school_id, name, urn, phase, kind, trust, return_id, state, row_status, is_overdue, is_late, is_closed, due_on, own_due,
         moved_at, moved_by, action, saved_at, saved_by, officer_id, officer_name) in db.session.execute(query):
        changed_at, changed_by, change = moved_at, moved_by, actions.get(action, "") if action else ""
        if saved_at is not None and (moved_at is None or as_utc(saved_at) > as_utc(moved_at)):
            changed_at, changed_by, change = saved_at, saved_by, "Answers saved"
        found.rows.append(TrackerRow(
            school_id=school_id, school_name=name, urn=urn, phase=phase, kind=kind, trust=trust, return_id=return_id, state=state,
            status=row_status, state_label=labels.get(state, dict(STATUSES)[row_status]) if state else "Not started",
            overdue=bool(is_overdue), late=bool(is_late), closed=bool(is_closed), due_on=_as_date(due_on),
            extended=own_due is not None and _as_date(own_due) != window.due_on,
            changed_at=as_utc(changed_at) if changed_at else None, changed_by=changed_by, change=change,
            officer_id=officer_id, officer_name=officer_name,
        ))
    reminders = last_reminders(window)
    for row in found.rows:
        row.reminder = reminders.get(row.school_id)
    return found


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive UTC from aggregates and window functions; PostgreSQL aware."""
    from datetime import timezone

    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _as_date(value) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def last_reminders(window: CollectionWindow) -> dict[int, LastReminder]:
    """Each school's latest reminder in this window, by hand (reminders) or scheduled (sent_notices,
    one mail per person: one reminder per notice and day), with how many it has had: two queries."""
    found: dict[int, LastReminder] = {}
    sender = aliased(User)
    latest = (
        select(Reminder.school_id, Reminder.sent_at, sender.name, func.row_number().over(partition_by=Reminder.school_id, order_by=(Reminder.sent_at.desc(), Reminder.id.desc())).label("n"),
               func.count().over(partition_by=Reminder.school_id).label("total"))
        .join(sender, sender.id == Reminder.sent_by_id)
        .where(Reminder.window_id == window.id)
        .subquery()
    )
    for school_id, sent_at, by, total in db.session.execute(select(latest.c.school_id, latest.c.sent_at, latest.c.name, latest.c.total).where(latest.c.n == 1)):
        found[school_id] = LastReminder(as_utc(sent_at), by, total)
    prefix = f"window:{window.id}:school:"
    for subject, sent_at in db.session.execute(
        select(SentNotice.subject, func.max(SentNotice.sent_at))
        .where(SentNotice.notice.in_(SCHEDULED_REMINDERS), SentNotice.subject.startswith(prefix, autoescape=True))
        .group_by(SentNotice.subject, SentNotice.notice, SentNotice.due_on)
    ):
        school_id = subject.removeprefix(prefix)
        if not school_id.isdigit():
            continue
        sent_at = as_utc(sent_at)
        mine = found.get(int(school_id))
        if mine is None:
            found[int(school_id)] = LastReminder(sent_at, None, 1)
        else:
            mine.count += 1
            if sent_at > mine.at:
                mine.at, mine.by = sent_at, None
    return found


# What the filters offer: a fixed number of queries.


def council_staff() -> list[tuple[int, str]]:
    """Who may have a return: active officers and administrators, by name."""
    return list(db.session.execute(
        select(User.id, User.name).where(User.role.in_((Role.OFFICER.value, Role.ADMIN.value)), User.active.is_(True)).order_by(User.name, User.id)
    ).tuples())


def windows() -> list[CollectionWindow]:
    """Every window of a type the app offers, newest first: what a tracker can be opened for."""
    return [
        window for window in db.session.scalars(select(CollectionWindow).order_by(CollectionWindow.opens_on.desc(), CollectionWindow.id.desc()))
        if registry.get(window.return_type) is not None
    ]


def is_open(window: CollectionWindow, on: date) -> bool:
    return window.closed_at is None and window.opens_on <= on


# The tracker as a table to download: the same rows and words as the page.

HEADINGS = [
    "School", "URN", "Phase", "Trust", "State", "Overdue", "Late", "Due date", "Own due date", "Last change",
    "Changed by", "Changed on", "Officer", "Last reminder", "Reminded by", "Reminders",
]


def export_rows(found: Tracker):
    for row in found.rows:
        yield (
            row.school_name, row.urn, row.phase, row.trust or "", row.state_label + (" (closed)" if row.closed else ""), row.overdue, row.late,
            row.due_on, row.extended, row.change, row.changed_by or "", row.changed_at, row.officer_name or "",
            row.reminder.at if row.reminder else None, (row.reminder.by or "Scheduled") if row.reminder else "", row.reminder.count if row.reminder else 0,
        )


# Each school's state in the open windows that ask it: the schools list and the school page.


@dataclass(frozen=True)
class SchoolState:
    window: CollectionWindow
    status: str
    label: str
    overdue: bool


def open_windows(on: date | None = None) -> list[CollectionWindow]:
    """Windows open today, of types the app offers, soonest due first: one query."""
    on = on or today()
    return [
        window for window in db.session.scalars(
            select(CollectionWindow).where(CollectionWindow.closed_at.is_(None), CollectionWindow.opens_on <= on)
            .order_by(CollectionWindow.due_on, CollectionWindow.id)
        )
        if registry.get(window.return_type) is not None
    ]


def school_states(schools: list, moment: datetime | None = None) -> dict[int, list[SchoolState]]:
    """For each school already loaded, its return's state in every open window that asks it, as
    the tracker words it: three queries however many schools and windows (which windows ask a
    loaded school is each type's scope for one school, as windows_for_school decides it)."""
    moment = moment or now()
    on = today(moment)
    windows = open_windows(on)
    if not windows or not schools:
        return {}
    ids = [school.id for school in schools]
    window_ids = [window.id for window in windows]
    returns = {
        (window_id, school_id): (state, first_submitted_at)
        for window_id, school_id, state, first_submitted_at in db.session.execute(
            select(Return.window_id, Return.school_id, Return.state, Return.first_submitted_at)
            .where(Return.window_id.in_(window_ids), Return.school_id.in_(ids))
        )
    }
    exceptions = {
        (exception.window_id, exception.school_id): exception
        for exception in db.session.scalars(select(WindowException).where(WindowException.window_id.in_(window_ids), WindowException.school_id.in_(ids)))
    }
    found: dict[int, list[SchoolState]] = {}
    for school in schools:
        for window in windows:
            if not window_service.asks(window, school):
                continue
            exception = exceptions.get((window.id, school.id))
            if exception is not None and exception.closed_at is not None:
                continue  # closed for this school: nothing is asked of it now
            state, first_submitted_at = returns.get((window.id, school.id), (None, None))
            status = status_of(state)
            label = registry.get(window.return_type).state_label(state) if state else "Not started"
            overdue = first_submitted_at is None and window_service.school_due_on(window, exception) < on
            found.setdefault(school.id, []).append(SchoolState(window, status, label, overdue))
    return found


def status_of(state: str | None) -> str:
    if state is None:
        return NOT_STARTED
    return {DRAFT: IN_PROGRESS, RETURNED: RETURNED_KEY, ACCEPTED: ACCEPTED_KEY}.get(state, SUBMITTED)
