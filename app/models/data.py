"""DfE's published school data: each file imported, and each value read from it, keyed by URN.

A value is a number or a status saying why there is no number (withheld, not applicable ...): a
check constraint keeps the two apart, so a withheld figure can never be read as a zero.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime, utcnow
from app.models.users import User


class ValueStatus(enum.StrEnum):
    """What a cell of a DfE file says: a figure, or which kind of absence of one."""

    VALUE = "value"
    WITHHELD = "withheld"
    NOT_APPLICABLE = "not_applicable"
    NOT_AVAILABLE = "not_available"
    NOT_PUBLISHED = "not_published"
    NO_ENTRIES = "no_entries"
    LOW_COVERAGE = "low_coverage"
    LOW_RELIABILITY = "low_reliability"
    ROUNDS_TO_ZERO = "rounds_to_zero"

    @property
    def meaning(self) -> str:
        return STATUS_MEANINGS[self]


STATUS_MEANINGS = {
    ValueStatus.VALUE: "A published figure",
    ValueStatus.WITHHELD: "Withheld to protect confidentiality (too few pupils)",
    ValueStatus.NOT_APPLICABLE: "Not applicable to this school",
    ValueStatus.NOT_AVAILABLE: "Not available",
    ValueStatus.NOT_PUBLISHED: "Not published by DfE",
    ValueStatus.NO_ENTRIES: "No pupils were entered",
    ValueStatus.LOW_COVERAGE: "Low coverage: too few pupils are included for a reliable figure",
    ValueStatus.LOW_RELIABILITY: "Low reliability",
    ValueStatus.ROUNDS_TO_ZERO: "A positive figure that rounds to zero",
}


class AreaLevel(enum.StrEnum):
    SCHOOL = "school"
    LA = "la"
    ENGLAND = "england"


class DataImport(db.Model):
    """One DfE file imported for one kind of data and one academic year, and what it changed."""

    __tablename__ = "data_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # the catalogue's kind: "ks2", "ks4", "absence" ...
    source_format: Mapped[str] = mapped_column(String(24))  # "performance_tables" or "ees"
    academic_year: Mapped[str] = mapped_column(String(7))  # "2024-25"
    filename: Mapped[str] = mapped_column(String(255))
    catalogue_version: Mapped[int]
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    rows_read: Mapped[int] = mapped_column(default=0)
    schools: Mapped[int] = mapped_column(default=0)
    not_in_register: Mapped[int] = mapped_column(default=0)
    comparators: Mapped[int] = mapped_column(default=0)
    rows_skipped: Mapped[int] = mapped_column(default=0)
    values_added: Mapped[int] = mapped_column(default=0)
    values_changed: Mapped[int] = mapped_column(default=0)
    values_unchanged: Mapped[int] = mapped_column(default=0)
    values_removed: Mapped[int] = mapped_column(default=0)

    imported_by: Mapped[User | None] = relationship(lazy="raise")

    @property
    def values_changed_in_all(self) -> int:
        """Added, changed and removed together: what "how many changed" means to the person importing."""
        return self.values_added + self.values_changed + self.values_removed


class MeasureValue(db.Model):
    """One measure, for one group of pupils, one year and one school (or an LA or England as comparators).

    Keyed as DfE keys it, by URN (or LA code, or England's code): the school is the register's school
    with that URN, and the import a value came from is the latest import of its kind and year, since
    an import replaces everything held for its kind and year. No surrogate id and no foreign keys: a
    national file is some 200,000 values, and with two foreign keys checked on each and a school index
    PostgreSQL took 1.8s to write them, against 0.5s keyed so (migration 0017).
    """

    __tablename__ = "measure_values"
    __table_args__ = (
        CheckConstraint(
            "(status = 'value' AND value IS NOT NULL) OR (status <> 'value' AND value IS NULL)",
            name="value_or_status",
        ),
        # SQLite keeps the rows in the key's order, as PostgreSQL keeps its index: a file, read in
        # URN order, is written as appends to one year's run of the key.
        {"sqlite_with_rowid": False},
    )

    # Year and kind, then place: an import replaces one kind of one year, a run of the key written
    # in the file's order; a school's history is a few places in each year and kind.
    academic_year: Mapped[str] = mapped_column(String(7), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)  # the catalogue's kind, as on the import
    area_code: Mapped[str] = mapped_column(String(9), primary_key=True)  # the URN, the LA code or E92000001
    measure: Mapped[str] = mapped_column(String(48), primary_key=True)  # a key of the catalogue
    pupil_group: Mapped[str] = mapped_column(String(16), primary_key=True)  # "all", "disadvantaged", "other"
    level: Mapped[str] = mapped_column(String(8), primary_key=True)  # AreaLevel
    value: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16))  # ValueStatus
    source_code: Mapped[str | None] = mapped_column(String(10))  # the code as DfE wrote it: SUPP, c, low ...
