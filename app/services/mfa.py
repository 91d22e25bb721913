"""Two-step verification with time-based one-time passwords (TOTP, RFC 6238) and recovery codes."""

from __future__ import annotations

import hashlib
import hmac
import secrets

import pyotp
import segno
from sqlalchemy import delete, select, update

from app.extensions import db
from app.models import RecoveryCode, User
from app.models.types import utcnow

RECOVERY_CODE_COUNT = 10
# Accept the code of the current 30-second step or the one before (a slow typist), nothing older.
VALID_WINDOW = 1


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, email: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=issuer)


def qr_code_data_uri(uri: str) -> str:
    """The QR code as an SVG data URI (allowed by our CSP's img-src 'self' data:)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def _normalise(code: str) -> str:
    return "".join(code.split()).replace("-", "")


def matching_timestep(secret: str, code: str, *, at=None) -> int | None:
    """The 30-second step this code belongs to (now or one step ago), or None."""
    code = _normalise(code)
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    now = at or utcnow()
    step = totp.timecode(now)
    for offset in range(0, VALID_WINDOW + 1):
        candidate = step - offset
        if hmac.compare_digest(totp.generate_otp(candidate), code):
            return candidate
    return None


def confirm_enrolment(user: User, secret: str, code: str) -> bool:
    """Turn on two-step verification once the user proves their app has the secret."""
    step = matching_timestep(secret, code)
    if step is None:
        return False
    user.mfa_secret = secret
    user.mfa_enabled_at = utcnow()
    user.mfa_last_timestep = step
    db.session.flush()
    return True


def verify_code(user: User, code: str) -> bool:
    """True once per code: a replayed or older code fails (the step must move forward)."""
    if not user.mfa_secret:
        return False
    step = matching_timestep(user.mfa_secret, code)
    if step is None or (user.mfa_last_timestep is not None and step <= user.mfa_last_timestep):
        return False
    # Conditional update: two requests racing with the same code cannot both pass.
    moved = db.session.execute(
        update(User)
        .where(User.id == user.id, (User.mfa_last_timestep.is_(None)) | (User.mfa_last_timestep < step))
        .values(mfa_last_timestep=step)
    ).rowcount
    db.session.refresh(user, ["mfa_last_timestep"])
    return moved == 1


def _hash_code(code: str) -> str:
    return hashlib.sha256(_normalise(code).lower().encode()).hexdigest()


def new_recovery_codes(user: User) -> list[str]:
    """Replace this user's recovery codes; the plain codes are returned to show once, never stored."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODE_COUNT)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash_code(code)) for code in codes)
    db.session.flush()
    return codes


def use_recovery_code(user: User, code: str) -> bool:
    if not code or len(code) > 40:
        return False
    spent = db.session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash_code(code), RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow())
    ).rowcount
    return spent == 1


def recovery_codes_left(user: User) -> int:
    return len(
        db.session.scalars(
            select(RecoveryCode.id).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
        ).all()
    )


def reset(user: User) -> None:
    """Turn two-step verification off (an admin, for someone who lost their phone and codes)."""
    user.mfa_secret = None
    user.mfa_enabled_at = None
    user.mfa_last_timestep = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.flush()


def required_for(user: User, config) -> bool:
    if user.is_school_user:
        return bool(config["MFA_REQUIRED_FOR_SCHOOLS"])
    return bool(config["MFA_REQUIRED"])
