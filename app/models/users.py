"""People who sign in, and what they may do."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.schools import School
from app.models.types import UTCDateTime, utcnow


class Role(StrEnum):
    SCHOOL = "school"
    OFFICER = "officer"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.SCHOOL: "School staff",
    Role.OFFICER: "Council officer",
    Role.ADMIN: "Administrator",
}


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role in ('school', 'officer', 'admin')", name="role_known"),
        # A school user belongs to exactly one school; council staff to none.
        CheckConstraint(
            "(role = 'school' and school_id is not null) or (role <> 'school' and school_id is null)",
            name="school_matches_role",
        ),
        # Emails are stored lower-cased, so this unique index is case-insensitive.
        CheckConstraint("email = lower(email)", name="email_lower_case"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    # Signs returns off for their school (the head teacher, or a senior leader they name).
    approver: Mapped[bool] = mapped_column(default=False)
    # An officer's choice to be mailed when a school submits a return nobody has taken yet (on
    # unless they turn it off under Your account); a return assigned to them always tells them.
    submission_notices: Mapped[bool] = mapped_column(default=True, server_default=true())
    # Bumped to end every session of this user (sign-out, deactivation, role change).
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_signed_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Invited but not yet accepted: no password, cannot sign in.
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Lockout, counted here so every worker and instance shares it.
    failed_sign_ins: Mapped[int] = mapped_column(default=0)
    first_failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # TOTP: the shared secret, when it was confirmed, and the last time-step used (no replays).
    mfa_secret: Mapped[str | None] = mapped_column(String(64))
    mfa_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    mfa_last_timestep: Mapped[int | None]

    # Pages that need the school load it explicitly (joinedload); a lazy load is a bug.
    school: Mapped[School | None] = relationship(lazy="raise")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        # The session holds id and version: bumping the version ends every copy of the cookie.
        return f"{self.id}.{self.session_version}"

    @property
    def mfa_enabled(self) -> bool:
        return self.mfa_enabled_at is not None

    @property
    def has_accepted_invitation(self) -> bool:
        return self.password_hash is not None

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_officer(self) -> bool:
        return self.role == Role.OFFICER

    @property
    def is_school_user(self) -> bool:
        return self.role == Role.SCHOOL

    @property
    def is_council_staff(self) -> bool:
        return self.role in (Role.OFFICER, Role.ADMIN)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"
