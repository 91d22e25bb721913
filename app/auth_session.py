"""Who is signed in: the user is read from the database on every request."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, redirect, request, url_for
from sqlalchemy import select

from app.extensions import db, login_manager
from app.htmx import is_htmx_request
from app.models import Role, User


def load_user(session_id: str) -> User | None:
    """The session stores "<id>.<version>"; a bumped version means this cookie has been ended."""
    user_id, _, version = session_id.partition(".")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.scalar(select(User).where(User.id == int(user_id)))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


def safe_next_path(target: str | None) -> str | None:
    """A same-site path to go on to after signing in, or None. Never another site."""
    if not target or len(target) > 2000:
        return None
    target = target.strip()
    if "\\" in target or any(ord(c) < 32 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def home_url_for(user: User) -> str:
    if user.role == Role.SCHOOL:
        return url_for("schools.home")
    if user.role == Role.OFFICER:
        return url_for("schools.review_overview")
    return url_for("admin.index")


def unauthorized() -> Response:
    if is_htmx_request():
        # Swapping the sign-in page into a fragment would lose the user's work silently.
        current = urlsplit(request.headers.get("HX-Current-URL", ""))
        back = safe_next_path(current.path + (f"?{current.query}" if current.query else "")) if current.path else None
        response = Response(status=401)
        response.headers["HX-Redirect"] = url_for("auth.sign_in", next=back)
        return response
    next_path = request.full_path if request.query_string else request.path
    return redirect(url_for("auth.sign_in", next=next_path))


def init_app(app: Flask) -> None:
    login_manager.user_loader(load_user)
    login_manager.unauthorized_handler(unauthorized)
    login_manager.session_protection = "basic"
