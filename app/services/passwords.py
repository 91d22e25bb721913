"""Password hashing. One place, so the algorithm and its cost are set once."""

from __future__ import annotations

from functools import lru_cache

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

# Compared against when no such user exists, so a wrong email costs as long as a wrong password.
_DUMMY_HASHES: dict[str, str] = {}


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        burn_time(password)
        return False
    return check_password_hash(password_hash, password)


def burn_time(password: str) -> None:
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in _DUMMY_HASHES:
        _DUMMY_HASHES[method] = generate_password_hash("not a real password", method=method)
    check_password_hash(_DUMMY_HASHES[method], password)


# Password policy (NCSC guidance, OWASP ASVS 5.0 section 6.2): length, not composition.
MIN_LENGTH = 12
MAX_LENGTH = 128


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The 30,000 most common passwords, shipped inside the zxcvbn package (nothing fetched)."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def _squash(text: str) -> str:
    """Lower case, letters and digits only: "Golden-Thread 2026" and "goldenthread2026" compare alike."""
    return "".join(character for character in text.casefold() if character.isalnum())


def password_problem(password: str, *, email: str | None = None, context_words: tuple[str, ...] = ()) -> str | None:
    """Why this password cannot be used, in words for the person choosing it, or None if it can.

    Any character is allowed, spaces and emoji included; there are no composition rules and no expiry.
    """
    if len(password) < MIN_LENGTH:
        return f"Password must be {MIN_LENGTH} characters or more"
    if len(password) > MAX_LENGTH:
        return f"Password must be {MAX_LENGTH} characters or fewer"
    squashed = _squash(password)
    if password.casefold() in common_passwords() or squashed in common_passwords() or len(set(password)) < 4:
        return "This password is too common and easy to guess. Choose a different one, for example three random words"
    words = [word for word in context_words if len(_squash(word)) >= 4]
    if email:
        local = email.split("@", 1)[0]
        words += [email, local] if len(_squash(local)) >= 4 else [email]
    for word in words:
        if _squash(word) and _squash(word) in squashed:
            return "Your password must not contain your email address or the name of this service or the council"
    return None


def service_words(config) -> tuple[str, ...]:
    """Names an attacker would try first against this service."""
    council = config["LA_NAME"]
    short = council.replace("Borough Council", "").replace("County Council", "").replace("Council", "").strip()
    return (config["SERVICE_NAME"], council, short)
