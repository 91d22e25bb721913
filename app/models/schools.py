"""Schools, as published by DfE's Get Information about Schools (GIAS)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow

# GIAS's eight phases of education, in its own words.
PHASES = (
    "Nursery",
    "Primary",
    "Middle deemed primary",
    "Middle deemed secondary",
    "Secondary",
    "16 plus",
    "All-through",
    "Not applicable",
)

OPEN_STATUSES = ("Open", "Open, but proposed to close")


class School(db.Model):
    __tablename__ = "schools"
    __table_args__ = (
        CheckConstraint("length(urn) between 6 and 7", name="urn_length"),
        Index("ix_schools_name", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    urn: Mapped[str] = mapped_column(String(7), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    la_code: Mapped[str] = mapped_column(String(3))
    phase: Mapped[str] = mapped_column(String(40))
    establishment_type: Mapped[str] = mapped_column(String(120))
    trust_name: Mapped[str | None] = mapped_column(String(200))
    statutory_low_age: Mapped[int | None]
    statutory_high_age: Mapped[int | None]
    postcode: Mapped[str | None] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(40), default="Open")
    # Fields GIAS cannot always tell; the council keeps them (None means "not recorded").
    has_early_years: Mapped[bool | None]
    has_sixth_form: Mapped[bool | None]
    contact_email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_special(self) -> bool:
        return "special" in self.establishment_type.lower()

    @property
    def is_alternative_provision(self) -> bool:
        kind = self.establishment_type.lower()
        return "alternative provision" in kind or "pupil referral unit" in kind

    @property
    def age_range(self) -> str | None:
        if self.statutory_low_age is None or self.statutory_high_age is None:
            return None
        return f"{self.statutory_low_age} to {self.statutory_high_age}"

    def __repr__(self) -> str:
        return f"<School {self.urn} {self.name!r}>"
