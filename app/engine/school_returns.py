"""One school's returns, for its own home page and for the council's page about it.

Each reads in a fixed number of queries, however many windows and returns the school has.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import func, select

from app.extensions import db
from app.formatting import LONDON
from app.models import CollectionWindow, Return, School, Submission, User, WindowException
from app.models.returns import ACCEPTED
from app.models.types import utcnow
from app.engine import registry
from app.engine.history import HistoryRow, histories_of
from app.engine.policy import EDITORS
from app.services import windows as window_service

NOT_YET_OPEN, OPEN, CLOSED = "not_yet_open", "open", "closed"


def _title_of(return_type: str) -> str:
    found = registry.get(return_type)
    return found.title if found else return_type


@dataclass(frozen=True)
class WindowReturn:
    """A window that asks the school, with the school's return in it if there is one."""

    window: CollectionWindow
    exception: WindowException | None
    ret: Return | None
    due_on: date
    status: str  # not_yet_open, open or closed: for this school
    overdue: bool
    capacity: str | None = None  # the viewer's part in this return (author, approver, respondent, ...)

    @property
    def may_write(self) -> bool:
        return self.capacity in EDITORS

    @property
    def return_title(self) -> str:
        return _title_of(self.window.return_type)

    @property
    def extended(self) -> bool:
        """The school has a later due date of its own."""
        return self.exception is not None and self.exception.due_on is not None and self.exception.due_on != self.window.due_on


def for_school_home(school: School, user: User | None = None, now: datetime | None = None) -> list[WindowReturn]:
    """Every window that asks the school in which the user has a part (their type's policy),
    newest first, with its return: two queries."""
    now = now or utcnow()
    today = now.astimezone(LONDON).date()
    windows = window_service.windows_for_school(school)
    returns = {}
    if windows:
        returns = {
            ret.window_id: ret
            for ret in db.session.scalars(
                select(Return).where(Return.school_id == school.id, Return.window_id.in_([window.id for window, _ in windows]))
            )
        }
    rows = []
    for window, exception in windows:
        ret = returns.get(window.id)
        due_on = window_service.school_due_on(window, exception)
        if window.closed_at or (exception is not None and exception.closed_at):
            status = CLOSED
        elif window.opens_on > today:
            status = NOT_YET_OPEN
        else:
            status = OPEN
        overdue = status == OPEN and (ret is None or ret.first_submitted_at is None) and window_service.is_past_due(due_on, now)
        who = registry.get(window.return_type).policy.capacity(user, school.id, ret) if user is not None else None
        if user is not None and who is None:
            continue  # a window about the school in which this person has no part (yet)
        rows.append(WindowReturn(window, exception, ret, due_on, status, overdue, who))
    return rows


@dataclass(frozen=True)
class OtherSchoolReturn:
    """A return about another school in which the user has a part (a peer review they lead or
    read), started or theirs to start."""

    window: CollectionWindow
    school: School
    ret: Return | None
    capacity: str | None

    @property
    def return_title(self) -> str:
        return _title_of(self.window.return_type)

    @property
    def state_label(self) -> str:
        return registry.get(self.window.return_type).state_label(self.ret.state if self.ret else None)


def for_other_schools(user: User, now: datetime | None = None) -> list[OtherSchoolReturn]:
    """Returns about schools other than the user's own that their type's policy lets the user
    see, and those the user may start: two queries per return type, whatever the borough's size."""
    today = (now or utcnow()).astimezone(LONDON).date()
    windows = list(
        db.session.scalars(
            select(CollectionWindow)
            .where(CollectionWindow.closed_at.is_(None), CollectionWindow.opens_on <= today)
            .order_by(CollectionWindow.due_on.desc(), CollectionWindow.id.desc())
        )
    )
    found: list[OtherSchoolReturn] = []
    for kind in registry.all_types():
        kind_windows = [window for window in windows if window.return_type == kind.key]
        if not kind_windows:
            continue
        started = {}
        for ret, school in db.session.execute(
            select(Return, School)
            .join(School, School.id == Return.school_id)
            .where(Return.window_id.in_([window.id for window in kind_windows]), Return.school_id != (user.school_id or 0), kind.policy.visible(user))
            .order_by(School.search_name)
        ):
            started[(ret.window_id, school.id)] = (ret, school)
        startable = list(
            db.session.scalars(
                select(School).where(kind.policy.startable(user), School.id != (user.school_id or 0)).order_by(School.search_name)
            )
        )
        for window in kind_windows:
            for (window_id, _), (ret, school) in started.items():
                if window_id == window.id:
                    found.append(OtherSchoolReturn(window, school, ret, kind.policy.capacity(user, school.id, ret)))
            for school in startable:
                if (window.id, school.id) not in started and window_service.asks(window, school):
                    found.append(OtherSchoolReturn(window, school, None, kind.policy.capacity(user, school.id, None)))
    return found


@dataclass(frozen=True)
class SchoolReturn:
    ret: Return
    window: CollectionWindow
    submission_count: int
    history: list[HistoryRow]
    overdue: bool
    latest_submission_id: int | None = None
    # For an accepted return: the school's newest submitted return of the same type in a later
    # window, which the page offers to compare it with (last year's against this year's).
    compare_with: SchoolReturn | None = None

    @property
    def return_title(self) -> str:
        return _title_of(self.ret.return_type)

    @property
    def last_changed_at(self) -> datetime:
        return self.history[-1].transition.at if self.history else self.ret.updated_at


def for_school_page(school: School, user: User, now: datetime | None = None) -> list[SchoolReturn]:
    """Every return of the school in every window, newest window first, each with its number of
    submissions and its history: three queries."""
    submission_counts = (
        select(Submission.return_id, func.count(Submission.id).label("submissions"), func.max(Submission.id).label("latest"))
        .group_by(Submission.return_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Return, CollectionWindow, func.coalesce(submission_counts.c.submissions, 0), WindowException, submission_counts.c.latest)
        .join(CollectionWindow, CollectionWindow.id == Return.window_id)
        .outerjoin(submission_counts, submission_counts.c.return_id == Return.id)
        .outerjoin(WindowException, (WindowException.window_id == Return.window_id) & (WindowException.school_id == Return.school_id))
        .where(Return.school_id == school.id, registry.visible_returns(user))
        .order_by(CollectionWindow.opens_on.desc(), CollectionWindow.id.desc())
    ).all()
    if not rows:
        return []
    histories = histories_of(ret.id for ret, *_ in rows)
    found = []
    for ret, window, count, exception, latest in rows:
        closed = window.closed_at is not None or (exception is not None and exception.closed_at is not None)
        overdue = (
            not closed
            and ret.first_submitted_at is None
            and window_service.is_past_due(window_service.school_due_on(window, exception), now)
        )
        found.append(SchoolReturn(ret, window, count, histories[ret.id], overdue, latest))
    return _with_comparisons(found)


def _with_comparisons(found: list[SchoolReturn]) -> list[SchoolReturn]:
    """Each accepted return paired with the newest submitted return of its type from a later window
    (the list is newest window first), so the page can offer to compare them."""
    newest: dict[str, int] = {}  # by type: the place in the list of its newest submitted return
    for place, item in enumerate(found):
        if item.latest_submission_id is not None:
            newest.setdefault(item.ret.return_type, place)
    paired = []
    for place, item in enumerate(found):
        later = newest.get(item.ret.return_type)
        if item.ret.state == ACCEPTED and later is not None and later < place:
            item = replace(item, compare_with=found[later])
        paired.append(item)
    return paired
