"""Accounts: who may sign in, with which role, for which school."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import Role, School, User
from app.models.types import utcnow
from app.services.passwords import hash_password, verify_password


class UserRuleError(Exception):
    """A change that would break a rule about accounts; ``field`` names the form field to blame."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def escape_like(text: str) -> str:
    """Searches match what was typed: % and _ are not wildcards to our users."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or None. Never says which part was wrong."""
    user = find_by_email(email)
    if user is None:
        verify_password(None, password)
        return None
    if not verify_password(user.password_hash, password) or not user.active:
        return None
    return user


def record_sign_in(user: User) -> None:
    user.last_signed_in_at = utcnow()
    db.session.flush()


def end_all_sessions(user: User) -> None:
    """Every copy of this user's session cookie stops working on its next request."""
    user.session_version = User.session_version + 1
    db.session.flush()
    db.session.refresh(user, ["session_version"])


def _check_role_and_school(role: str, school: School | None) -> None:
    if role not in {r.value for r in Role}:
        raise UserRuleError("Select a role", field="role")
    if role == Role.SCHOOL and school is None:
        raise UserRuleError("Select the school this person works at", field="school_id")


def create_user(*, name: str, email: str, role: str, school: School | None, password: str) -> User:
    email = normalise_email(email)
    _check_role_and_school(role, school)
    if find_by_email(email) is not None:
        raise UserRuleError("An account with this email address already exists", field="email")
    user = User(
        name=name.strip(),
        email=email,
        role=role,
        school_id=school.id if role == Role.SCHOOL and school else None,
        password_hash=hash_password(password),
        active=True,
    )
    try:
        # Two admins adding the same person at once: the unique index decides, in a savepoint,
        # and the loser gets the same message as above instead of a server error.
        with db.session.begin_nested():
            db.session.add(user)
    except IntegrityError:
        raise UserRuleError("An account with this email address already exists", field="email") from None
    return user


def _other_active_admins(user: User) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(User)
        .where(User.role == Role.ADMIN, User.active.is_(True), User.id != user.id)
    )


def change_role(user: User, *, role: str, school: School | None) -> User:
    _check_role_and_school(role, school)
    if user.role == Role.ADMIN and role != Role.ADMIN and user.active and not _other_active_admins(user):
        raise UserRuleError(
            "This is the only active administrator. Make someone else an administrator first",
            field="role",
        )
    user.role = role
    user.school_id = school.id if role == Role.SCHOOL and school else None
    db.session.flush()
    return user


def deactivate(user: User) -> User:
    if user.role == Role.ADMIN and user.active and not _other_active_admins(user):
        raise UserRuleError(
            "This is the only active administrator and cannot be deactivated. "
            "Make someone else an administrator first"
        )
    user.active = False
    end_all_sessions(user)
    return user


def reactivate(user: User) -> User:
    user.active = True
    db.session.flush()
    return user


@dataclass(frozen=True)
class UserPage:
    users: list[User]
    total: int
    page: int
    pages: int


def search_users(query: str = "", *, page: int = 1, per_page: int = 25) -> UserPage:
    """Users whose name, email or school name matches, in a fixed number of queries."""
    stmt = select(User).outerjoin(School, User.school_id == School.id)
    query = query.strip()
    if query:
        like = "%" + escape_like(query.lower()) + "%"
        stmt = stmt.where(
            or_(
                func.lower(User.name).like(like, escape="\\"),
                User.email.like(like, escape="\\"),
                func.lower(School.name).like(like, escape="\\"),
            )
        )
    total = db.session.scalar(stmt.with_only_columns(func.count(User.id)).order_by(None))
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    users = db.session.scalars(
        stmt.options(joinedload(User.school))
        .order_by(func.lower(User.name), User.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return UserPage(users=list(users), total=total, page=page, pages=pages)


def counts_by_role() -> dict[str, int]:
    rows = db.session.execute(
        select(User.role, func.count()).where(User.active.is_(True)).group_by(User.role)
    ).all()
    counts = {role.value: 0 for role in Role}
    counts.update({role: count for role, count in rows})
    return counts


def set_approver(user: User, approver: bool) -> User:
    """Let a school user sign returns off for their school (or stop them)."""
    if approver and user.role != Role.SCHOOL:
        raise UserRuleError("Only school staff sign off their school's returns")
    user.approver = approver
    db.session.flush()
    return user
