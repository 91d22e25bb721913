"""Who is signed in: the user is read from the database on every request."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, redirect, request, session, url_for
from flask_login import current_user, logout_user
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
        return url_for("monitoring.home")
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


def now() -> float:
    """The clock sessions are timed by (tests move it)."""
    return time.time()


# Requests that are not a person doing something: they must not keep a session alive.
BACKGROUND_ENDPOINTS = {"auth.session_status", "static", "main.healthz"}
BACKGROUND_HEADER = "X-Golden-Thread-Background"


def mark_activity(now: float) -> None:
    session["last_active_at"] = now


def activity_deadline() -> float:
    """When this session ends if nothing more happens: the idle limit, capped by the absolute one."""
    config = current_app.config
    idle_end = session.get("last_active_at", 0) + config["SESSION_IDLE_MINUTES"] * 60
    absolute_end = session.get("signed_in_at", 0) + config["SESSION_ABSOLUTE_HOURS"] * 3600
    return min(idle_end, absolute_end)


def enforce_session_limits():
    """before_request: end a session left idle too long or kept too long; count real activity."""
    if not current_user.is_authenticated:
        return None
    moment = now()
    if "signed_in_at" not in session or moment >= activity_deadline():
        from app import audit

        audit.record("session_expired", user=current_user, subject=current_user)
        logout_user()
        session.clear()
        return unauthorized()
    if request.endpoint not in BACKGROUND_ENDPOINTS and not request.headers.get(BACKGROUND_HEADER):
        mark_activity(moment)
    return None


# Pages a user who must still set up two-step verification can reach.
ENROLMENT_ENDPOINTS = {"account.mfa_setup", "auth.sign_out", "auth.session_status", "auth.keep_alive", "static"}


def require_mfa_enrolment():
    """before_request: someone signed in who must set up two-step verification does that first."""
    if not session.get("mfa_enrolment_required") or not current_user.is_authenticated:
        return None
    from app.permissions import PUBLIC, access_of

    view = current_app.view_functions.get(request.endpoint or "")
    if request.endpoint in ENROLMENT_ENDPOINTS or (view is not None and access_of(view) == PUBLIC):
        return None
    if request.headers.get("HX-Request") == "true":
        response = Response(status=204)
        response.headers["HX-Redirect"] = url_for("account.mfa_setup")
        return response
    return redirect(url_for("account.mfa_setup"))


def init_app(app: Flask) -> None:
    login_manager.user_loader(load_user)
    login_manager.unauthorized_handler(unauthorized)
    login_manager.session_protection = "basic"
    app.before_request(enforce_session_limits)
    app.before_request(require_mfa_enrolment)
