"""One school's returns, for its own home page and for the council's page about it.

Each reads in a fixed number of queries, however many windows and returns the school has.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select

from app.extensions import db
from app.formatting import LONDON
from app.models import CollectionWindow, Return, ReturnTransition, School, Submission, User, WindowException
from app.models.types import utcnow
from app.engine import registry
from app.engine.history import HistoryRow, histories_of
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

    @property
    def return_title(self) -> str:
        return _title_of(self.window.return_type)

    @property
    def extended(self) -> bool:
        """The school has a later due date of its own."""
        return self.exception is not None and self.exception.due_on is not None and self.exception.due_on != self.window.due_on


def for_school_home(school: School, now: datetime | None = None) -> list[WindowReturn]:
    """Every window that asks the school, newest first, with its return: two queries."""
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
        rows.append(WindowReturn(window, exception, ret, due_on, status, overdue))
    return rows


@dataclass(frozen=True)
class SchoolReturn:
    ret: Return
    window: CollectionWindow
    submission_count: int
    history: list[HistoryRow]
    overdue: bool

    @property
    def return_title(self) -> str:
        return _title_of(self.ret.return_type)

    @property
    def last_changed_at(self) -> datetime:
        return self.history[-1].transition.at if self.history else self.ret.updated_at


def for_school_page(school: School, now: datetime | None = None) -> list[SchoolReturn]:
    """Every return of the school in every window, newest window first, each with its number of
    submissions and its history: three queries."""
    submission_counts = (
        select(Submission.return_id, func.count(Submission.id).label("submissions"))
        .group_by(Submission.return_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Return, CollectionWindow, func.coalesce(submission_counts.c.submissions, 0), WindowException)
        .join(CollectionWindow, CollectionWindow.id == Return.window_id)
        .outerjoin(submission_counts, submission_counts.c.return_id == Return.id)
        .outerjoin(WindowException, (WindowException.window_id == Return.window_id) & (WindowException.school_id == Return.school_id))
        .where(Return.school_id == school.id)
        .order_by(CollectionWindow.opens_on.desc(), CollectionWindow.id.desc())
    ).all()
    if not rows:
        return []
    histories = histories_of(ret.id for ret, *_ in rows)
    found = []
    for ret, window, count, exception in rows:
        closed = window.closed_at is not None or (exception is not None and exception.closed_at is not None)
        overdue = (
            not closed
            and ret.first_submitted_at is None
            and window_service.is_past_due(window_service.school_due_on(window, exception), now)
        )
        found.append(SchoolReturn(ret, window, count, histories[ret.id], overdue))
    return found
