"""The officers' home (issue 16): what needs attention today, for the signed-in officer and for the
team, each a count that links to its list.

The page is a list of panels from one registry. A panel is a title and a function giving its
counts for a person at a moment; later work adds its own (category reviews due, support impact
reviews due, visit actions past their date) by calling `register_panel` from its own module, never
by editing the page:

    from app.officer.home import HomeCount, HomePanel, register_panel

    register_panel(HomePanel("visits", "Visits", visit_counts, order=40))

Each panel's function must cost a fixed number of queries however many schools there are: the
home's query count is tested at 10 and 2,000 schools.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask import url_for
from sqlalchemy import and_, case, distinct, false, func, or_, select

from app.engine import registry
from app.engine.reviews import waiting_states
from app.extensions import db
from app.models import CollectionWindow, Return, School, Submission, User, WindowException
from app.models.monitoring import OfficerMark
from app.models.schools import OPEN_STATUSES
from app.officer import tracker as tr
from app.services import windows as window_service


@dataclass(frozen=True)
class HomeCount:
    """One figure on the home: what it counts, how many, and the list it links to."""

    label: str
    count: int
    href: str
    hint: str = ""
    urgent: bool = False  # shown as needing action when not zero


@dataclass(frozen=True)
class HomePanel:
    key: str
    title: str
    counts: Callable[[User, datetime], list[HomeCount]]
    order: int = 100  # lower first


_PANELS: dict[str, HomePanel] = {}


def register_panel(panel: HomePanel) -> HomePanel:
    """Add a panel to the officers' home (once per key: registering the same key again replaces it,
    so a module imported twice does not show its panel twice)."""
    _PANELS[panel.key] = panel
    return panel


def unregister_panel(key: str) -> None:
    """For tests that register a panel of their own."""
    _PANELS.pop(key, None)


def panels() -> list[HomePanel]:
    return sorted(_PANELS.values(), key=lambda panel: (panel.order, panel.key))


def gather(user: User, moment: datetime) -> list[tuple[HomePanel, list[HomeCount]]]:
    """Every panel with its counts for this person now."""
    return [(panel, panel.counts(user, moment)) for panel in panels()]


# The marks: when an officer last looked at new submissions.


def seen_at(user: User) -> datetime:
    """When this person last marked new submissions as seen; since their account began if never."""
    mark = db.session.get(OfficerMark, user.id)
    return tr.as_utc(mark.submissions_seen_at) if mark else tr.as_utc(user.created_at)


def mark_seen(user: User, up_to: datetime) -> None:
    """Everything submitted up to this moment (the moment the list was shown, so a submission that
    arrived while the officer read it is still new) counts as seen."""
    mark = db.session.get(OfficerMark, user.id)
    if mark is None:
        db.session.add(OfficerMark(user_id=user.id, submissions_seen_at=up_to))
    elif up_to > tr.as_utc(mark.submissions_seen_at):
        mark.submissions_seen_at = up_to
    db.session.flush()


# The returns waiting on the council, as the review queue sees them, for the counts and lists.

MINE, NOBODY, WAITING, NEW = "mine", "nobody", "waiting", "new"
LISTS = {
    MINE: "Returns assigned to you",
    NOBODY: "Returns nobody has taken",
    WAITING: "All returns waiting for review",
    NEW: "Returns submitted since you last looked",
}


def _waiting(user: User):
    waiting = or_(false(), *(and_(Return.return_type == kind.key, Return.state.in_(waiting_states(kind))) for kind in registry.all_types()))
    return and_(waiting, registry.visible_returns(user))


def _latest_submissions():
    return select(Submission.return_id, func.max(Submission.submitted_at).label("submitted_at")).group_by(Submission.return_id).subquery()


def review_counts(user: User, moment: datetime) -> list[HomeCount]:
    """Returns waiting for review: the officer's own first, then nobody's, then the team's. One query."""
    mine, nobody, total = db.session.execute(
        select(
            func.coalesce(func.sum(case((Return.assigned_to_id == user.id, 1), else_=0)), 0),
            func.coalesce(func.sum(case((Return.assigned_to_id.is_(None), 1), else_=0)), 0),
            func.count(Return.id),
        ).where(_waiting(user))
    ).one()
    return [
        HomeCount("Assigned to you", int(mine), url_for("monitoring.returns_list", show=MINE), "Returns you have taken or been given to review", urgent=True),
        HomeCount("Nobody has taken", int(nobody), url_for("monitoring.returns_list", show=NOBODY), "Waiting for an officer to take them", urgent=True),
        HomeCount("Waiting in all", int(total), url_for("monitoring.returns_list", show=WAITING), "Every return waiting for the team's decision"),
    ]


def new_counts(user: User, moment: datetime) -> list[HomeCount]:
    """Returns submitted (or resubmitted) since the officer last looked. Two queries."""
    since = seen_at(user)
    count = db.session.scalar(
        select(func.count(distinct(Submission.return_id)))
        .join(Return, Return.id == Submission.return_id)
        .where(Submission.submitted_at > since, registry.visible_returns(user))
    ) or 0
    return [HomeCount("Submitted since you last looked", count, url_for("monitoring.returns_list", show=NEW), f"Since {_when(since)}")]


def _when(moment: datetime) -> str:
    from app.formatting import govuk_datetime

    return govuk_datetime(moment)


def overdue_counts(user: User, moment: datetime) -> list[HomeCount]:
    """Schools overdue in each open window: one query for the windows, one for every window's
    count (a scalar subquery each: each type's scope is its own SQL)."""
    on = tr.today(moment)
    windows = tr.open_windows(on)
    if not windows:
        return []

    def overdue(window: CollectionWindow):
        return (
            select(func.count(School.id))
            .outerjoin(Return, and_(Return.school_id == School.id, Return.window_id == window.id))
            .outerjoin(WindowException, and_(WindowException.school_id == School.id, WindowException.window_id == window.id))
            .where(
                School.status.in_(OPEN_STATUSES), window_service.scope_of(window).sql(window), Return.first_submitted_at.is_(None),
                func.coalesce(WindowException.due_on, window.due_on) < on, WindowException.closed_at.is_(None),
            )
            .scalar_subquery()
        )

    counts = db.session.execute(select(*(overdue(window) for window in windows))).one()
    return [
        HomeCount(window.title, int(count), url_for("monitoring.tracker", window_id=window.id, state=tr.OVERDUE), f"Due {_day(window.due_on)}", urgent=True)
        for window, count in zip(windows, counts, strict=True)
    ]


def _day(value) -> str:
    from app.formatting import govuk_date

    return govuk_date(value)


register_panel(HomePanel("reviews", "Returns to review", review_counts, order=10))
register_panel(HomePanel("overdue", "Schools overdue in open windows", overdue_counts, order=20))
register_panel(HomePanel("new", "New since you last looked", new_counts, order=30))


# The lists the counts link to.


@dataclass(frozen=True)
class ListedReturn:
    return_id: int
    school_name: str
    window_title: str
    return_type: str
    state: str
    submitted_at: datetime
    late: bool
    assigned_to_id: int | None
    assigned_name: str | None


def returns_list(user: User, show: str) -> list[ListedReturn]:
    """The returns a count stands for, the longest-waiting first: one query."""
    latest = _latest_submissions()
    officer = User.__table__.alias("officer")
    query = (
        select(Return.id, School.name, CollectionWindow.title, Return.return_type, Return.state, latest.c.submitted_at, Return.late,
               Return.assigned_to_id, officer.c.name)
        .join(School, School.id == Return.school_id)
        .join(CollectionWindow, CollectionWindow.id == Return.window_id)
        .join(latest, latest.c.return_id == Return.id)
        .outerjoin(officer, officer.c.id == Return.assigned_to_id)
    )
    if show == NEW:
        query = query.where(latest.c.submitted_at > seen_at(user), registry.visible_returns(user))
    else:
        query = query.where(_waiting(user))
        if show == MINE:
            query = query.where(Return.assigned_to_id == user.id)
        elif show == NOBODY:
            query = query.where(Return.assigned_to_id.is_(None))
    query = query.order_by(latest.c.submitted_at, Return.id)
    return [ListedReturn(*row[:5], tr.as_utc(row[5]), *row[6:]) for row in db.session.execute(query)]
