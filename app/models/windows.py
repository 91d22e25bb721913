"""Collection windows: when the council asks which schools for which return."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow

PERIODS = ("autumn", "spring", "summer", "annual")


class CollectionWindow(db.Model):
    __tablename__ = "collection_windows"
    __table_args__ = (
        UniqueConstraint("return_type", "academic_year", "period", name="one_window_per_period"),
        CheckConstraint("due_on >= opens_on", name="due_after_opening"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    return_type: Mapped[str] = mapped_column(String(32))
    academic_year: Mapped[str] = mapped_column(String(7))  # "2026/27"
    period: Mapped[str] = mapped_column(String(10))  # autumn, spring, summer or annual
    title: Mapped[str] = mapped_column(String(120))
    opens_on: Mapped[date]
    due_on: Mapped[date]
    # Schools in scope: their phases, and whether special schools and alternative provision are in.
    phases: Mapped[list] = mapped_column(JSON, default=list)
    include_special: Mapped[bool] = mapped_column(default=True)
    include_alternative_provision: Mapped[bool] = mapped_column(default=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # closed early, for everyone
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WindowException(db.Model):
    """One school's own due date in a window, or the window closed early for that school alone."""

    __tablename__ = "window_exceptions"
    __table_args__ = (UniqueConstraint("window_id", "school_id", name="one_exception_per_school"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    window_id: Mapped[int] = mapped_column(ForeignKey("collection_windows.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    due_on: Mapped[date | None]
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(String(500), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
