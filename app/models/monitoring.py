"""What the officers' monitoring keeps (issue 16): reminders sent by hand, when an officer last
looked at new submissions, and alerts a submission raised (its type's `alerts` rule) until an
officer acknowledges them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


class Reminder(db.Model):
    """An officer reminded a school that its return in a window is not yet submitted: who, when,
    and how many of the school's people were mailed. (The scheduled reminders, `flask notices
    send`, are kept in sent_notices; the tracker reads both.)"""

    __tablename__ = "reminders"
    __table_args__ = (Index("ix_reminders_window_school", "window_id", "school_id", "sent_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    window_id: Mapped[int] = mapped_column(ForeignKey("collection_windows.id"))
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    sent_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recipients: Mapped[int] = mapped_column(default=0)


class OfficerMark(db.Model):
    """When an officer last marked the new submissions as seen ("submitted since I last looked")."""

    __tablename__ = "officer_marks"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    submissions_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReturnAlert(db.Model):
    """Something a submission's answers raise that officers must hear of at once (a self-evaluation
    with safeguarding not met): raised once per return and alert, kept until an officer
    acknowledges it, with who and when."""

    __tablename__ = "return_alerts"
    __table_args__ = (
        UniqueConstraint("return_id", "key", name="one_alert_per_return_and_key"),
        Index("ix_return_alerts_open", "acknowledged_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("returns.id"))
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"))
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    window_id: Mapped[int] = mapped_column(ForeignKey("collection_windows.id"))
    return_type: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(Text)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
