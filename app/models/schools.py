"""Schools, as published by DfE's Get Information about Schools (GIAS)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

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

def search_key(text: str) -> str:
    """Lower case without accents, so "ecole" and "École" find each other on SQLite as on PostgreSQL."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _search_key_default(context) -> str:
    return search_key(context.get_current_parameters()["name"])


OPEN_STATUSES = ("Open", "Open, but proposed to close")
URN_PATTERN = re.compile(r"^\d{6,7}$")  # a URN as GIAS and DfE write it
STATUSES = ("Open", "Closed", "Open, but proposed to close", "Proposed to open")


class School(db.Model):
    __tablename__ = "schools"
    __table_args__ = (
        CheckConstraint("length(urn) between 6 and 7", name="urn_length"),
        Index("ix_schools_name", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    urn: Mapped[str] = mapped_column(String(7), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    search_name: Mapped[str] = mapped_column(String(200), default=_search_key_default)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    la_code: Mapped[str] = mapped_column(String(3))
    phase: Mapped[str] = mapped_column(String(40))
    establishment_type: Mapped[str] = mapped_column(String(120))
    trust_name: Mapped[str | None] = mapped_column(String(200))
    statutory_low_age: Mapped[int | None]
    statutory_high_age: Mapped[int | None]
    postcode: Mapped[str | None] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(40), default="Open")
    closed_on: Mapped[date | None]
    # What GIAS says (None when GIAS says "Not applicable" or nothing).
    gias_nursery: Mapped[bool | None]
    gias_sixth_form: Mapped[bool | None]
    # What the council records when GIAS cannot tell, or is wrong (None means "as GIAS says").
    has_early_years: Mapped[bool | None]
    has_sixth_form: Mapped[bool | None]
    contact_email: Mapped[str | None] = mapped_column(String(254))
    # An academy conversion closes the old URN and opens a new one; the old school points at the new.
    successor_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    successor: Mapped[School | None] = relationship(remote_side=[id], lazy="raise")

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def offers_early_years(self) -> bool:
        """Early years (nursery or reception): the council's word, else GIAS's, else the age range."""
        if self.has_early_years is not None:
            return self.has_early_years
        if self.gias_nursery:
            return True
        return self.statutory_low_age is not None and self.statutory_low_age <= 4

    @property
    def offers_sixth_form(self) -> bool:
        if self.has_sixth_form is not None:
            return self.has_sixth_form
        if self.gias_sixth_form is not None:
            return self.gias_sixth_form
        return self.statutory_high_age is not None and self.statutory_high_age >= 18

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
