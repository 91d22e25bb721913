"""Support categories: the published criteria, versioned, and officers' decisions about schools.

`support_criteria` holds each published version of the categories (names, descriptions, criteria)
and of the rules that suggest one; a version is never changed, an administrator's change is a new
version. `support_decisions` holds every category an officer has set for a school, never changed:
the latest is the school's category, the rest its history, each with the version it was made
under (so its wording is the wording of the day) and the suggestion the officer saw.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.returns import ANSWERS
from app.models.types import UTCDateTime, utcnow


class SupportCriteria(db.Model):
    __tablename__ = "support_criteria"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)  # version 1, 2, ... as published
    # [{"key", "name", "description", "criteria"}], from least to most support
    categories: Mapped[list] = mapped_column(ANSWERS)
    # [{"key", "kind", "category", "wording", "params"}], see app/support/rules.py
    rules: Mapped[list] = mapped_column(ANSWERS)
    note: Mapped[str] = mapped_column(Text, default="")  # what changed, in the administrator's words
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SupportDecision(db.Model):
    __tablename__ = "support_decisions"
    __table_args__ = (
        # The school's latest decision, and the list of reviews that have fallen due.
        Index("ix_support_decisions_school_id_id", "school_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    criteria_id: Mapped[int] = mapped_column(ForeignKey("support_criteria.id"))
    category: Mapped[str] = mapped_column(String(40))  # a category key of that criteria version
    reason: Mapped[str] = mapped_column(Text)
    # Why the officer decided other than the service suggested ("" where they agreed).
    departure: Mapped[str] = mapped_column(Text, default="")
    review_on: Mapped[date] = mapped_column(Date)
    # What the service suggested when the officer decided, and why, as it was shown.
    suggested: Mapped[str | None] = mapped_column(String(40))
    suggested_because: Mapped[list] = mapped_column(ANSWERS, default=list)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
