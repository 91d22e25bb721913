"""Collection windows: who is asked, by when, and the exceptions for one school.

A return is due at 23:59 Europe/London on its due date, whatever the clocks are doing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time

from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.formatting import LONDON
from app.models import CollectionWindow, School, User, WindowException
from app.models.schools import OPEN_STATUSES
from app.models.types import utcnow
from app.engine import registry
from app.engine.scope import Scope, UnregisteredScope


class WindowRuleError(Exception):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


# "Due at 23:59" includes the whole of that minute; a return at midnight is late.
DUE_TIME = time(23, 59, 59, 999999)


def due_at(due_on: date) -> datetime:
    """The moment a return is due: 23:59 in London on the due date, as an aware datetime."""
    return datetime.combine(due_on, DUE_TIME, tzinfo=LONDON)


def is_past_due(due_on: date, moment: datetime | None = None) -> bool:
    return (moment or utcnow()) > due_at(due_on)


@dataclass(frozen=True)
class WindowDetails:
    return_type: str
    academic_year: str
    period: str
    title: str
    opens_on: date
    due_on: date
    phases: list[str]
    include_special: bool
    include_alternative_provision: bool


def _check(details: WindowDetails, window_id: int | None) -> None:
    if registry.get(details.return_type) is None:
        raise WindowRuleError("Select the return this window collects", "return_type")
    if details.due_on < details.opens_on:
        raise WindowRuleError("The due date must be the same as or after the opening date", "due_on")
    if registry.get(details.return_type).scope.uses_phases and not details.phases:
        raise WindowRuleError("Select at least one phase of school", "phases")
    clash = db.session.scalar(
        select(CollectionWindow.id).where(
            CollectionWindow.return_type == details.return_type,
            CollectionWindow.academic_year == details.academic_year,
            CollectionWindow.period == details.period,
            CollectionWindow.id != (window_id or 0),
        )
    )
    if clash:
        raise WindowRuleError(
            f"There is already a {registry.get(details.return_type).title.lower()} window for "
            f"{details.period} {details.academic_year}. Edit that one instead",
            "period",
        )


def _as_the_rule_needs(details: WindowDetails) -> WindowDetails:
    """A rule that does not ask by phase (careers asks by age) keeps no phases: whatever a form
    sent for them is dropped rather than stored as if it meant something."""
    if registry.get(details.return_type).scope.uses_phases:
        return details
    return replace(details, phases=[], include_special=False, include_alternative_provision=False)


def create_window(details: WindowDetails, created_by: User) -> CollectionWindow:
    _check(details, None)
    details = _as_the_rule_needs(details)
    window = CollectionWindow(**details.__dict__, created_by_id=created_by.id)
    try:
        with db.session.begin_nested():  # two admins at once: the unique constraint decides
            db.session.add(window)
    except IntegrityError:
        raise WindowRuleError("There is already a window for this return and period", "period") from None
    return window


def update_window(window: CollectionWindow, details: WindowDetails) -> CollectionWindow:
    if details.return_type != window.return_type:
        # Its returns are of its type already: a different return is a new window.
        raise WindowRuleError("The return a window collects cannot be changed. Open a new window instead", "return_type")
    _check(details, window.id)
    details = _as_the_rule_needs(details)
    for key, value in details.__dict__.items():
        setattr(window, key, value)
    db.session.flush()
    return window


def open_drafts(window: CollectionWindow) -> int:
    """How many schools have a return in this window that they are still working on (a draft, or
    one sent back to them): what closing the window early stops."""
    from app.models import Return
    from app.models.returns import DRAFT, RETURNED

    return db.session.scalar(select(func.count(Return.id)).where(Return.window_id == window.id, Return.state.in_((DRAFT, RETURNED)))) or 0


def close_early(window: CollectionWindow) -> None:
    window.closed_at = utcnow()
    db.session.flush()


def reopen(window: CollectionWindow) -> None:
    window.closed_at = None
    db.session.flush()


def scope_of(window: CollectionWindow) -> Scope:
    """The rule of the window's return type (app/engine/scope.py); a type no longer offered asks nobody."""
    return_type = registry.get(window.return_type)
    return return_type.scope if return_type is not None else UnregisteredScope()


def _in_scope(window: CollectionWindow):
    """SQL: the open schools this window asks, by its return type's rule."""
    return and_(School.status.in_(OPEN_STATUSES), scope_of(window).sql(window))


def schools_in_scope(window: CollectionWindow) -> list[tuple[School, WindowException | None]]:
    """Every school asked, with its own exception if it has one, in one query."""
    stmt = (
        select(School, WindowException)
        .outerjoin(WindowException, and_(WindowException.school_id == School.id, WindowException.window_id == window.id))
        .where(_in_scope(window))
        .order_by(School.search_name)
    )
    return [(school, exception) for school, exception in db.session.execute(stmt).all()]


def _scope_count(window: CollectionWindow):
    return select(func.count(School.id)).where(_in_scope(window)).scalar_subquery()


def scope_count(window: CollectionWindow) -> int:
    return db.session.scalar(select(_scope_count(window)))


def undecided_schools(window: CollectionWindow) -> list[tuple[School, str]]:
    """The open schools the window's rule cannot place for lack of data, each with why, in one
    query: the administrator sees them on the window's page instead of losing them."""
    scope = scope_of(window)
    stmt = select(School).where(School.status.in_(OPEN_STATUSES), scope.undecided_sql(window)).order_by(School.search_name)
    return [(school, scope.why_undecided(window, school) or "") for school in db.session.scalars(stmt)]


def asks(window: CollectionWindow, school: School) -> bool:
    """Whether this window asks this school: _in_scope's rule, for one school already loaded."""
    return school.is_open and scope_of(window).applies(window, school)


def windows_for_school(school: School) -> list[tuple[CollectionWindow, WindowException | None]]:
    """The windows that ask this school, newest first, with its own exception if any, in one query.

    The school is already loaded, so which windows ask it is decided here rather than in SQL
    (the phases are a JSON list, which each database searches differently)."""
    rows = db.session.execute(
        select(CollectionWindow, WindowException)
        .outerjoin(WindowException, and_(WindowException.window_id == CollectionWindow.id, WindowException.school_id == school.id))
        .order_by(CollectionWindow.due_on.desc(), CollectionWindow.id.desc())
    ).all()
    return [(window, exception) for window, exception in rows if asks(window, school)]


def school_due_on(window: CollectionWindow, exception: WindowException | None) -> date:
    return exception.due_on if exception and exception.due_on else window.due_on


def is_open_for(window: CollectionWindow, exception: WindowException | None, today: date | None = None) -> bool:
    today = today or utcnow().astimezone(LONDON).date()
    if window.closed_at or (exception and exception.closed_at):
        return False
    return window.opens_on <= today


def set_exception(window: CollectionWindow, school: School, *, due_on: date | None, close: bool, reason: str, by: User) -> WindowException:
    """Extend the window for one school (a later due date) or close it for that school alone."""
    if due_on is None and not close:
        raise WindowRuleError("Enter a new due date, or choose to close the window for this school", "due_on")
    if due_on is not None and due_on < window.opens_on:
        raise WindowRuleError("The new due date must be on or after the window's opening date", "due_on")
    exception = db.session.scalar(
        select(WindowException).where(WindowException.window_id == window.id, WindowException.school_id == school.id)
    )
    if exception is None:
        exception = WindowException(window_id=window.id, school_id=school.id)
        db.session.add(exception)
    exception.due_on = due_on
    exception.closed_at = utcnow() if close else None
    exception.reason = reason.strip()
    exception.created_by_id = by.id
    db.session.flush()
    return exception


def remove_exception(window: CollectionWindow, school: School) -> None:
    exception = db.session.scalar(
        select(WindowException).where(WindowException.window_id == window.id, WindowException.school_id == school.id)
    )
    if exception is not None:
        db.session.delete(exception)
        db.session.flush()


def all_windows() -> list[tuple[CollectionWindow, int]]:
    """Every window, newest first, with how many schools it asks: two queries however many windows.

    Each window's rule is its type's own SQL, so the counts are one SELECT of one scalar subquery
    per window rather than a GROUP BY."""
    windows = list(db.session.scalars(select(CollectionWindow).order_by(CollectionWindow.opens_on.desc(), CollectionWindow.id.desc())))
    if not windows:
        return []
    counts = db.session.execute(select(*(_scope_count(window) for window in windows))).one()
    return list(zip(windows, counts, strict=True))
