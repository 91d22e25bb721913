"""The alerts on the officers' home (issue 16): each alert a submission raised (app/engine/alerts.py)
stands first on the home until an officer acknowledges it; who acknowledged it and when are kept.
Council staff only: the routes that show and acknowledge them are theirs alone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from app.engine import registry
from app.extensions import db
from app.models import CollectionWindow, School, User
from app.models.monitoring import ReturnAlert
from app.models.types import utcnow
from app.officer.tracker import as_utc


@dataclass(frozen=True)
class OpenAlert:
    id: int
    return_id: int
    school_id: int
    school_name: str
    window_title: str
    what: str
    title: str
    raised_at: datetime


def open_alerts() -> list[OpenAlert]:
    """Every alert not yet acknowledged, the oldest first: one query."""
    rows = db.session.execute(
        select(ReturnAlert.id, ReturnAlert.return_id, School.id, School.name, CollectionWindow.title, ReturnAlert.return_type, ReturnAlert.title, ReturnAlert.raised_at)
        .join(School, School.id == ReturnAlert.school_id)
        .join(CollectionWindow, CollectionWindow.id == ReturnAlert.window_id)
        .where(ReturnAlert.acknowledged_at.is_(None))
        .order_by(ReturnAlert.raised_at, ReturnAlert.id)
    )
    return [
        OpenAlert(alert_id, return_id, school_id, name, window_title, registry.title_of(kind), title, as_utc(raised_at))
        for alert_id, return_id, school_id, name, window_title, kind, title, raised_at in rows
    ]


def acknowledge(alert: ReturnAlert, user: User) -> bool:
    """Record that this officer has seen the alert; False if a colleague already had (theirs stands)."""
    done = db.session.execute(
        update(ReturnAlert)
        .where(ReturnAlert.id == alert.id, ReturnAlert.acknowledged_at.is_(None))
        .values(acknowledged_by_id=user.id, acknowledged_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(alert)
    return bool(done)


def acknowledged_by(alert: ReturnAlert) -> str | None:
    if alert.acknowledged_by_id is None:
        return None
    person = db.session.get(User, alert.acknowledged_by_id)
    return person.name if person else None


@dataclass(frozen=True)
class SchoolAlert:
    title: str
    window_title: str
    return_id: int
    raised_at: datetime
    acknowledged_by: str | None
    acknowledged_at: datetime | None


def for_school(school: School) -> list[SchoolAlert]:
    """Every alert the school's returns raised, newest first, with who acknowledged it and when: one query."""
    from sqlalchemy.orm import aliased

    officer = aliased(User)
    rows = db.session.execute(
        select(ReturnAlert.title, CollectionWindow.title, ReturnAlert.return_id, ReturnAlert.raised_at, officer.name, ReturnAlert.acknowledged_at)
        .join(CollectionWindow, CollectionWindow.id == ReturnAlert.window_id)
        .outerjoin(officer, officer.id == ReturnAlert.acknowledged_by_id)
        .where(ReturnAlert.school_id == school.id)
        .order_by(ReturnAlert.raised_at.desc(), ReturnAlert.id.desc())
    )
    return [
        SchoolAlert(title, window_title, return_id, as_utc(raised_at), by, as_utc(at) if at else None)
        for title, window_title, return_id, raised_at, by, at in rows
    ]
