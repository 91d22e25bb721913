"""One-time links for invitations and password resets.

The secret is 32 random bytes, sent once in a mail and kept only as its SHA-256 hash. A link
works once, until it expires; issuing a new one of the same purpose revokes the old.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from app.extensions import db
from app.models import AccountToken, User
from app.models.types import utcnow

INVITATION = "invitation"
RESET = "reset"


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue(user: User, purpose: str, lifetime: timedelta, *, created_by: User | None = None) -> str:
    """A new link secret for this user and purpose; any earlier unused one stops working."""
    now = utcnow()
    db.session.execute(
        update(AccountToken)
        .where(
            AccountToken.user_id == user.id,
            AccountToken.purpose == purpose,
            AccountToken.used_at.is_(None),
            AccountToken.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    secret = secrets.token_urlsafe(32)
    db.session.add(
        AccountToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=_hash(secret),
            created_at=now,
            expires_at=now + lifetime,
            created_by_id=created_by.id if created_by else None,
        )
    )
    db.session.flush()
    return secret


def issued_since(user: User, since: datetime) -> int:
    """How many links this account was sent since then (the per-account mail limit)."""
    return db.session.scalar(
        select(func.count()).select_from(AccountToken).where(AccountToken.user_id == user.id, AccountToken.created_at >= since)
    )


def find_valid(secret: str, purpose: str) -> AccountToken | None:
    """The live token for this secret, or None if unknown, used, revoked, expired or for another purpose."""
    if not secret or len(secret) > 100:
        return None
    token = db.session.scalar(select(AccountToken).where(AccountToken.token_hash == _hash(secret)))
    if token is None or token.purpose != purpose or token.used_at or token.revoked_at or token.expires_at <= utcnow():
        return None
    return token


def use(token: AccountToken) -> bool:
    """Spend the token. False if another request spent it first (a conditional update, not a read)."""
    spent = db.session.execute(
        update(AccountToken).where(AccountToken.id == token.id, AccountToken.used_at.is_(None)).values(used_at=utcnow())
    ).rowcount
    return spent == 1


def revoke_all(user: User, purpose: str) -> int:
    return db.session.execute(
        update(AccountToken)
        .where(AccountToken.user_id == user.id, AccountToken.purpose == purpose, AccountToken.used_at.is_(None), AccountToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    ).rowcount


def pending_invitation(user: User) -> AccountToken | None:
    return db.session.scalar(
        select(AccountToken)
        .where(
            AccountToken.user_id == user.id,
            AccountToken.purpose == INVITATION,
            AccountToken.used_at.is_(None),
            AccountToken.revoked_at.is_(None),
        )
        .order_by(AccountToken.id.desc())
    )
