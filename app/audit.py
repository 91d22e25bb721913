"""The security audit trail: record() an event; it is written even when the request fails.

Events wait in ``g`` until the request ends. The request's own changes commit only when it
succeeded, but its audit events are written either way (a failed sign-in is itself the event),
in the same transaction as a success or in a fresh one after a rollback.
"""

from __future__ import annotations

from flask import g, has_request_context, request
from flask_login import current_user

from sqlalchemy import insert

from app.extensions import db
from app.models import AuditEvent, User
from app.models.types import utcnow

# The events, and how the admin page names them.
EVENTS = {
    "sign_in": "Signed in",
    "sign_in_failed": "Sign-in failed",
    "sign_out": "Signed out",
    "locked_out": "Account locked",
    "unlocked": "Account unlocked",
    "mfa_enrolled": "Two-step verification set up",
    "mfa_failed": "Two-step verification code refused",
    "mfa_recovery_code_used": "Recovery code used",
    "mfa_reset": "Two-step verification reset",
    "recovery_codes_renewed": "Recovery codes renewed",
    "password_changed": "Password changed",
    "password_reset_requested": "Password reset requested",
    "password_reset": "Password reset",
    "invitation_sent": "Invitation sent",
    "invitation_revoked": "Invitation revoked",
    "invitation_accepted": "Invitation accepted",
    "user_created": "Account created",
    "role_changed": "Role changed",
    "approver_changed": "Sign-off rights changed",
    "sign_off_requested": "Sign-off asked for",
    "notice_setting_changed": "Submission notices changed",
    "deactivated": "Account deactivated",
    "reactivated": "Account reactivated",
    "signed_out_everywhere": "Signed out everywhere",
    "session_expired": "Session expired",
    "permission_refused": "Permission refused",
    "csrf_failed": "Form refused (CSRF)",
    "return_read": "Return opened",
}

# Never written to the trail, whatever a caller passes in ``detail``.
SECRET_KEYS = {"password", "token", "code", "secret", "recovery_code", "csrf_token"}


def record(event: str, *, user: User | None = None, subject: User | None = None, email: str | None = None, **detail) -> None:
    if event not in EVENTS:
        raise ValueError(f"unknown audit event {event!r}")
    actor = user
    if actor is None and has_request_context() and current_user and current_user.is_authenticated:
        actor = current_user
    values = {
        "event": event,
        "user_id": actor.id if actor is not None else None,
        "subject_user_id": subject.id if subject is not None else None,
        "email": (email or "")[:254] or None,
        "detail": {key: value for key, value in detail.items() if key not in SECRET_KEYS},
        "address": None,
        "route": None,
    }
    if has_request_context():
        values["address"] = (request.remote_addr or "")[:64] or None
        values["route"] = f"{request.method} {request.path}"[:200]
        g.setdefault("audit_events", []).append(values)
    else:
        db.session.add(AuditEvent(**values))
        db.session.flush()


def write_pending() -> None:
    """Called as the request's transaction ends: adds this request's events to the session."""
    events = g.pop("audit_events", [])
    if events:
        # One statement however many: a page that shows words from many plans records a read of
        # each, and its query count must not grow with them.
        now = utcnow()
        db.session.execute(insert(AuditEvent), [{"occurred_at": now, **values} for values in events])
