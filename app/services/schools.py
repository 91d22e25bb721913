"""Reading the schools register."""

from __future__ import annotations

from sqlalchemy import case, func, select

from app.extensions import db
from app.models import School, User
from app.models.schools import OPEN_STATUSES, PHASES


def open_schools() -> list[School]:
    return list(db.session.scalars(select(School).where(School.status.in_(OPEN_STATUSES)).order_by(School.name)))


def all_schools() -> list[School]:
    return list(db.session.scalars(select(School).order_by(School.name)))


def phase_counts() -> list[tuple[str, int]]:
    """Open schools per GIAS phase, in GIAS's order, in one query."""
    rows = dict(
        db.session.execute(
            select(School.phase, func.count())
            .where(School.status.in_(OPEN_STATUSES))
            .group_by(School.phase)
        ).all()
    )
    return [(phase, rows[phase]) for phase in PHASES if rows.get(phase)]


def schools_with_user_counts() -> list[tuple[School, int]]:
    """Every school with its number of active accounts, in one query."""
    active_users = func.count(case((User.active.is_(True), User.id)))
    stmt = (
        select(School, active_users)
        .outerjoin(User, User.school_id == School.id)
        .group_by(School.id)
        .order_by(School.name)
    )
    return [(school, count) for school, count in db.session.execute(stmt).all()]


def users_of(school: School) -> list[User]:
    return list(
        db.session.scalars(select(User).where(User.school_id == school.id).order_by(User.active.desc(), User.name))
    )
