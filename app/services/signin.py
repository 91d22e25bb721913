"""Signing in: the per-account lockout, counted in the database so every worker and instance shares it."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import case, update

from app.extensions import db
from app.models import User
from app.models.types import utcnow


def is_locked(user: User, now: datetime | None = None) -> bool:
    return user.locked_until is not None and user.locked_until > (now or utcnow())


def register_failure(user: User, *, threshold: int, window: timedelta, lock_for: timedelta) -> bool:
    """Count a failed attempt (a wrong password or code). True when this attempt locked the account.

    One UPDATE does the counting, so two workers failing at once both count. A count older than
    the window starts again at 1.
    """
    now = utcnow()
    window_start = now - window
    fresh = (User.first_failed_at.is_(None)) | (User.first_failed_at < window_start)
    db.session.execute(
        update(User)
        .where(User.id == user.id)
        .values(
            failed_sign_ins=case((fresh, 1), else_=User.failed_sign_ins + 1),
            first_failed_at=case((fresh, now), else_=User.first_failed_at),
        )
        .execution_options(synchronize_session=False)
    )
    # Lock once the count reaches the threshold; only the attempt that locks it is told so.
    locked = db.session.execute(
        update(User)
        .where(
            User.id == user.id,
            User.failed_sign_ins >= threshold,
            (User.locked_until.is_(None)) | (User.locked_until <= now),
        )
        .values(locked_until=now + lock_for, failed_sign_ins=0, first_failed_at=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(user, ["failed_sign_ins", "first_failed_at", "locked_until"])
    return locked == 1


def clear_failures(user: User) -> None:
    user.failed_sign_ins = 0
    user.first_failed_at = None
    db.session.flush()

