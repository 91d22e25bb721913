"""Password hashing. One place, so the algorithm and its cost are set once."""

from __future__ import annotations

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
