"""The life of an account around its password: invitations, resets, and an administrator's actions.

Administrators invite people instead of choosing passwords for them. Each invitation or reset is a
one-time link (app.services.tokens): random, stored only as a hash, built from BASE_URL and sent by
mail. An account is sent at most ACCOUNT_MAIL_PER_HOUR links an hour, whoever asks.

Mail is sent last, after every row the request writes has been flushed: a request that fails
half-way has sent nothing that points at rows it never committed.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import IO

from email_validator import EmailNotValidError, validate_email
from flask import current_app, url_for
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app import audit
from app.extensions import db
from app.formatting import govuk_datetime
from app.mail import absolute_url, send_mail
from app.models import AccountToken, Role, School, User
from app.models.schools import OPEN_STATUSES
from app.models.types import utcnow
from app.models.users import ROLE_LABELS
from app.services import mfa, tokens
from app.services.passwords import hash_password, password_problem, service_words
from app.services.users import UserRuleError, _check_role_and_school, end_all_sessions, find_by_email, normalise_email
from app.services.uploads import FileRefusedError, RowProblem


class MailLimitError(UserRuleError):
    """This account has been sent as many links as it may be this hour."""


class PasswordRuleError(UserRuleError):
    """The chosen password breaks the password policy; the message says why."""


class LinkSpentError(Exception):
    """Another request used the link between our reading it and spending it."""


# Limits and lifetimes ---------------------------------------------------------------------------


def _invitation_lifetime() -> timedelta:
    return timedelta(hours=current_app.config["INVITATION_HOURS"])


def _reset_lifetime() -> timedelta:
    return timedelta(minutes=current_app.config["RESET_MINUTES"])


def _in_words(lifetime: timedelta) -> str:
    minutes = int(lifetime.total_seconds() // 60)
    if minutes % 60 == 0:
        hours = minutes // 60
        return "1 hour" if hours == 1 else f"{hours} hours"
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


def mail_limit_reached(user: User) -> bool:
    """True when this account has had ACCOUNT_MAIL_PER_HOUR links in the last hour (invitations and resets)."""
    return tokens.issued_since(user, utcnow() - timedelta(hours=1)) >= current_app.config["ACCOUNT_MAIL_PER_HOUR"]


def _refuse_if_mail_limit_reached(user: User) -> None:
    if mail_limit_reached(user):
        limit = current_app.config["ACCOUNT_MAIL_PER_HOUR"]
        raise MailLimitError(
            f"{user.name} has been sent {limit} {'link' if limit == 1 else 'links'} in the last hour, "
            "which is as many as we send to one account. Try again in an hour"
        )


# What an account's state is, in one place for the list and the user's page -----------------------

INVITED = "invited"
LOCKED = "locked"
ACTIVE = "active"
DEACTIVATED = "deactivated"


def is_invited(user: User) -> bool:
    """Invited and not yet accepted: no password, so they cannot sign in."""
    return user.invited_at is not None and user.password_hash is None


def is_locked(user: User, now: datetime | None = None) -> bool:
    return user.locked_until is not None and user.locked_until > (now or utcnow())


def account_status(user: User, now: datetime | None = None) -> str:
    if not user.active:
        return DEACTIVATED
    if is_invited(user):
        return INVITED
    if is_locked(user, now):
        return LOCKED
    return ACTIVE


# Invitations -----------------------------------------------------------------------------------


def _add_invited_user(*, name: str, email: str, role: str, school: School | None) -> User:
    """The invited path of users.create_user: the same rules, but no password until they accept."""
    email = normalise_email(email)
    _check_role_and_school(role, school)
    if find_by_email(email) is not None:
        raise UserRuleError("An account with this email address already exists", field="email")
    user = User(
        name=" ".join(name.split()),
        email=email,
        role=role,
        school_id=school.id if role == Role.SCHOOL and school else None,
        password_hash=None,
        invited_at=utcnow(),
        active=True,
    )
    try:
        # Two admins inviting the same person at once: the unique index decides, in a savepoint.
        with db.session.begin_nested():
            db.session.add(user)
    except IntegrityError:
        raise UserRuleError("An account with this email address already exists", field="email") from None
    return user


def _issue_invitation(user: User, invited_by: User | None) -> str:
    return tokens.issue(user, tokens.INVITATION, _invitation_lifetime(), created_by=invited_by)


def _mail_invitation(user: User, secret: str, invited_by: User | None) -> None:
    config = current_app.config
    link = absolute_url(url_for("onboarding.accept_invitation", token=secret))
    who = f"{invited_by.name} has" if invited_by is not None else "You have been"
    body = (
        f"Dear {user.name},\n\n"
        f"{who} invited you to {config['SERVICE_NAME']}, where schools send their returns to "
        f"{config['LA_NAME']}'s School Improvement Team.\n\n"
        f"To create your password, open this link:\n\n{link}\n\n"
        f"The link works once and expires in {_in_words(_invitation_lifetime())}. If it has expired, "
        f"ask the School Improvement Team for a new one: {config['SUPPORT_EMAIL']}\n\n"
        "If you were not expecting this email, you can ignore it.\n"
    )
    send_mail(user.email, f"You have been invited to {config['SERVICE_NAME']}", body)


def invite(name: str, email: str, role: str, school: School | None, invited_by: User | None) -> User:
    """Create an account with no password and mail its owner a link to choose one."""
    user = _add_invited_user(name=name, email=email, role=role, school=school)
    secret = _issue_invitation(user, invited_by)
    _mail_invitation(user, secret, invited_by)
    _audit_invited(user, invited_by, created=True)
    return user


def _audit_invited(user: User, invited_by: User | None, *, created: bool) -> None:
    """Recorded last: audit events are written even when the request fails, and must not name an
    account that a failure before this point has rolled back."""
    if created:
        audit.record("user_created", user=invited_by, subject=user, role=user.role, invited=True)
    audit.record("invitation_sent", user=invited_by, subject=user)


def resend_invitation(user: User, invited_by: User | None) -> None:
    """A new link; the old one stops working. Only for someone who has not accepted yet."""
    if not is_invited(user):
        raise UserRuleError(f"{user.name} has already set a password, so there is no invitation to resend")
    if not user.active:
        raise UserRuleError(f"{user.name}'s account is deactivated. Reactivate it before sending an invitation")
    _refuse_if_mail_limit_reached(user)
    secret = _issue_invitation(user, invited_by)  # issue() revokes the previous link
    _mail_invitation(user, secret, invited_by)
    _audit_invited(user, invited_by, created=False)


def pending_invitation(user: User) -> AccountToken | None:
    """The invitation link that would still work, or None."""
    token = tokens.pending_invitation(user)
    if token is None or token.expires_at <= utcnow():
        return None
    return token


def revoke_invitation(user: User) -> None:
    """The link stops working; the account stays, invited but unable to sign in, until a resend."""
    if pending_invitation(user) is None:
        raise UserRuleError(f"{user.name} has no invitation link that still works")
    tokens.revoke_all(user, tokens.INVITATION)
    audit.record("invitation_revoked", subject=user)


@dataclass(frozen=True)
class Link:
    """A live one-time link and the account it is for."""

    token: AccountToken
    user: User


def _live_link(secret: str | None, purpose: str) -> Link | None:
    if not secret or not isinstance(secret, str):
        return None
    token = tokens.find_valid(secret, purpose)
    if token is None:
        return None
    user = db.session.get(User, token.user_id)
    if user is None or not user.active:
        return None
    # An invitation is for someone with no password yet; a reset for someone who has one.
    if (purpose == tokens.INVITATION) != is_invited(user):
        return None
    return Link(token=token, user=user)


def invitation_link(secret: str | None) -> Link | None:
    return _live_link(secret, tokens.INVITATION)


def reset_link(secret: str | None) -> Link | None:
    return _live_link(secret, tokens.RESET)


def password_problem_for(user: User, password: str) -> str | None:
    return password_problem(password, email=user.email, context_words=service_words(current_app.config))


def _set_password(link: Link, password: str) -> User:
    user = link.user
    problem = password_problem_for(user, password)
    if problem:
        raise PasswordRuleError(problem, field="password")
    if not tokens.use(link.token):
        raise LinkSpentError()
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    db.session.flush()
    return user


def accept_invitation(link: Link, password: str) -> User:
    """Set the first password. invited_at stays, as history. They sign in as anyone else does."""
    user = _set_password(link, password)
    audit.record("invitation_accepted", user=user, subject=user)
    return user


# Password resets -------------------------------------------------------------------------------


def request_reset(email: str) -> None:
    """Mail a reset link if, and only if, the account exists, is active, has a password and is under
    the per-account limit. The caller shows the same page whatever happened here."""
    user = find_by_email(email)
    if user is None:
        audit.record("password_reset_requested", email=email.strip(), sent=False)
        return
    reason = None
    if not user.active:
        reason = "deactivated"
    elif is_invited(user) or user.password_hash is None:
        reason = "invitation not accepted"
    elif mail_limit_reached(user):
        reason = "account mail limit"
    if reason:
        audit.record("password_reset_requested", subject=user, sent=False, reason=reason)
        return
    secret = tokens.issue(user, tokens.RESET, _reset_lifetime())
    config = current_app.config
    link = absolute_url(url_for("onboarding.reset_password", token=secret))
    body = (
        f"Dear {user.name},\n\n"
        f"Someone asked to reset the password of your {config['SERVICE_NAME']} account. "
        f"To choose a new password, open this link:\n\n{link}\n\n"
        f"The link works once and expires in {_in_words(_reset_lifetime())}.\n\n"
        "If you did not ask for this, you can ignore this email: your password has not changed. "
        f"If you keep getting these emails, tell the School Improvement Team: {config['SUPPORT_EMAIL']}\n"
    )
    send_mail(user.email, f"Reset your {config['SERVICE_NAME']} password", body)
    audit.record("password_reset_requested", subject=user, sent=True)


def reset_password(link: Link, password: str) -> User:
    """A new password: every session ends, the lockout is lifted, the owner is told by mail.

    Two-step verification is untouched: the next sign-in asks for a code as before.
    """
    user = _set_password(link, password)
    tokens.revoke_all(user, tokens.RESET)
    user.failed_sign_ins = 0
    user.first_failed_at = None
    user.locked_until = None
    end_all_sessions(user)
    config = current_app.config
    body = (
        f"Dear {user.name},\n\n"
        f"The password of your {config['SERVICE_NAME']} account was changed on "
        f"{govuk_datetime(user.password_changed_at)} using a reset link sent to this address. "
        "Everywhere you were signed in has been signed out.\n\n"
        f"If this was not you, tell the School Improvement Team at once: {config['SUPPORT_EMAIL']}\n\n"
        f"Sign in: {absolute_url(url_for('auth.sign_in'))}\n"
    )
    send_mail(user.email, f"Your {config['SERVICE_NAME']} password was changed", body)
    audit.record("password_reset", user=user, subject=user)  # last: written even if the request fails
    return user


# An administrator's actions on an account --------------------------------------------------------


def unlock(user: User) -> None:
    user.failed_sign_ins = 0
    user.first_failed_at = None
    user.locked_until = None
    db.session.flush()
    audit.record("unlocked", subject=user)


def sign_out_everywhere(user: User) -> None:
    end_all_sessions(user)
    audit.record("signed_out_everywhere", subject=user)


def reset_mfa(user: User) -> None:
    if not user.mfa_enabled:
        raise UserRuleError(f"{user.name} has not set up two-step verification")
    mfa.reset(user)
    audit.record("mfa_reset", subject=user)


# Inviting many people from a CSV file ------------------------------------------------------------

CSV_COLUMNS = ("name", "email", "role", "school_urn")
MAX_ROWS = 500
MAX_PROBLEMS_SHOWN = 100
# The role column takes the role's key or its label, in any case.
ROLE_WORDS = {**{role.value: role.value for role in Role}, **{label.lower(): role.value for role, label in ROLE_LABELS.items()}}


class InvitationFileError(FileRefusedError):
    """The file as a whole cannot be read; nothing was created."""


@dataclass(frozen=True)
class Invitee:
    line: int
    name: str
    email: str
    role: str
    school: School | None


@dataclass
class InvitationFile:
    invitees: list[Invitee]
    problems: list[RowProblem]
    problem_count: int

    @property
    def ok(self) -> bool:
        return self.problem_count == 0


def _quote(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return f"‘{text[:limit]}…’" if len(text) > limit else f"‘{text}’"


def _csv_text(data: bytes) -> str:
    """The file as text, refusing what is plainly not a UTF-8 CSV (as the GIAS importer does)."""
    if not data.strip():
        raise InvitationFileError("The selected file is empty")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or (len(data) > 1 and data[1:2] == b"\x00"):
        raise InvitationFileError("The selected file is UTF-16 text. Save it from your spreadsheet as ‘CSV UTF-8’")
    if data.startswith(b"PK\x03\x04"):
        raise InvitationFileError("The selected file is a spreadsheet (.xlsx), not a CSV. Save it from your spreadsheet as ‘CSV UTF-8’")
    if b"\x00" in data:
        raise InvitationFileError("The selected file is not a CSV file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvitationFileError("The selected file is not UTF-8 text. Save it from your spreadsheet as ‘CSV UTF-8’") from None


def _email_problem(email: str) -> str | None:
    if not email:
        return "Enter an email address"
    if len(email) > 254:
        return "Email address must be 254 characters or fewer"
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return f"{_quote(email)} is not an email address in the correct format, like name@example.org"
    return None


def read_invitation_file(binary: IO[bytes]) -> InvitationFile:
    """Every row checked, against the file and the database, before anything is created.

    Columns (header row required, any order): name, email, role, school_urn. The school URN is
    required for school staff, must be an open school on the register, and must be left empty for
    council officers and administrators (a URN there usually means the wrong role was typed).
    """
    text = _csv_text(binary.read())
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        raise InvitationFileError(f"The selected file could not be read as CSV ({error})") from None
    lines = _line_numbers(text, len(rows))
    header = [cell.strip().lower() for cell in rows[0]] if rows else []
    while header and not header[-1]:  # spreadsheets often save empty columns at the end
        header.pop()
    if sorted(header) != sorted(CSV_COLUMNS):
        raise InvitationFileError(
            "The first row of the file must be the column names: " + ",".join(CSV_COLUMNS)
        )
    positions = {column: header.index(column) for column in CSV_COLUMNS}
    data_rows = [(lines[index], row) for index, row in enumerate(rows) if index > 0 and any(cell.strip() for cell in row)]
    if not data_rows:
        raise InvitationFileError("The selected file has no one to invite: it has only the row of column names")
    if len(data_rows) > MAX_ROWS:
        raise InvitationFileError(
            f"The selected file has {len(data_rows)} people in it. Invite {MAX_ROWS} or fewer at a time: split the file"
        )

    parsed = []
    for line, row in data_rows:
        cells = {column: (row[index] if index < len(row) else "") for column, index in positions.items()}
        too_wide = any(cell.strip() for cell in row[len(header):])
        parsed.append((line, too_wide, {key: value.strip() for key, value in cells.items()}))

    emails = {normalise_email(cells["email"]) for _, _, cells in parsed if cells["email"]}
    taken = set(db.session.scalars(select(User.email).where(User.email.in_(emails)))) if emails else set()
    urns = {cells["school_urn"] for _, _, cells in parsed if cells["school_urn"]}
    schools = (
        {school.urn: school for school in db.session.scalars(select(School).where(School.urn.in_(urns)))} if urns else {}
    )

    problems: list[RowProblem] = []
    invitees: list[Invitee] = []
    first_line_of: dict[str, int] = {}
    for line, too_wide, cells in parsed:
        row_problems = []
        if too_wide:
            row_problems.append("This row has more columns than the first row")
        name = " ".join(cells["name"].split())
        if not name:
            row_problems.append("Enter the person's full name")
        elif len(name) > 120:
            row_problems.append("Full name must be 120 characters or fewer")
        email = normalise_email(cells["email"])
        email_problem = _email_problem(email)
        if email_problem:
            row_problems.append(email_problem)
        elif email in first_line_of:
            row_problems.append(f"{_quote(email)} is also on line {first_line_of[email]}")
        elif email in taken:
            row_problems.append(f"An account with {_quote(email)} already exists")
        if email and not email_problem:
            first_line_of.setdefault(email, line)
        role = ROLE_WORDS.get(" ".join(cells["role"].lower().split()))
        if not cells["role"]:
            row_problems.append("Enter a role: school, officer or admin")
        elif role is None:
            row_problems.append(f"Role must be school, officer or admin, not {_quote(cells['role'], 30)}")
        urn = cells["school_urn"]
        school = None
        if role == Role.SCHOOL:
            if not urn:
                row_problems.append("Enter the school's URN: school staff need a school")
            elif not (urn.isdigit() and 6 <= len(urn) <= 7):
                row_problems.append(f"School URN must be 6 or 7 digits, not {_quote(urn, 20)}")
            elif urn not in schools:
                row_problems.append(f"No school with URN {urn} is on the register")
            elif schools[urn].status not in OPEN_STATUSES:
                row_problems.append(f"{schools[urn].name} (URN {urn}) is closed")
            else:
                school = schools[urn]
        elif role is not None and urn:
            row_problems.append("Leave school_urn empty for council officers and administrators")
        if row_problems:
            problems.extend(RowProblem(line, problem) for problem in row_problems)
        else:
            invitees.append(Invitee(line=line, name=name, email=email, role=role, school=school))
    return InvitationFile(
        invitees=invitees if not problems else [],
        problems=problems[:MAX_PROBLEMS_SHOWN],
        problem_count=len(problems),
    )


def _line_numbers(text: str, count: int) -> list[int]:
    """The line each CSV record starts on (a quoted field may hold line breaks)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    starts, previous_end = [], 0
    for _ in range(count):
        next(reader)
        starts.append(previous_end + 1)
        previous_end = reader.line_num
    return starts


def invite_many(invitees: Sequence[Invitee], invited_by: User | None) -> list[User]:
    """Everyone created and given a link first, then every mail sent: a failure while creating sends nothing."""
    created = []
    for invitee in invitees:
        try:
            user = _add_invited_user(name=invitee.name, email=invitee.email, role=invitee.role, school=invitee.school)
        except UserRuleError as error:
            raise UserRuleError(f"Line {invitee.line}: {error.message}", field="people") from None
        created.append((user, _issue_invitation(user, invited_by)))
    for user, secret in created:
        _mail_invitation(user, secret, invited_by)
    for user, _ in created:
        _audit_invited(user, invited_by, created=True)
    return [user for user, _ in created]
