"""What every page's layout needs: navigation by role and htmx's settings."""

from __future__ import annotations

from flask import Flask, request, url_for
from flask_login import current_user

from app.models import Role

# htmx 2 settings, read from a <meta> tag so no inline script is needed. Mental-health plans must
# not sit in browser storage (no history cache); no eval or script tags (our CSP forbids them);
# 4xx fragments with field errors (422), conflicts (409) and CSRF failures (400) are swapped.
HTMX_CONFIG = {
    "historyCacheSize": 0,
    "refreshOnHistoryMiss": True,
    "allowEval": False,
    "allowScriptTags": False,
    "includeIndicatorStyles": False,
    "selfRequestsOnly": True,
    # htmx's settle step copies "style" attributes between old and new elements, which a CSP
    # without 'unsafe-inline' blocks (and reports). We style nothing inline.
    "attributesToSettle": ["class", "width", "height"],
    "responseHandling": [
        {"code": "204", "swap": False},
        {"code": "[23]..", "swap": True},
        {"code": "400", "swap": True, "error": True},
        # A conflict or a field error is an answer the page shows, not a failure to log.
        {"code": "409", "swap": True, "error": False},
        {"code": "422", "swap": True, "error": False},
        # The embedded database was busy: the fragment says nothing was saved and keeps the version.
        {"code": "503", "swap": True, "error": False},
        {"code": "[45]..", "swap": False, "error": True},
    ],
}

# (endpoint, text, roles, endpoints that count as "here")
NAVIGATION = (
    ("schools.home", "Your school", {Role.SCHOOL}, ("schools.home", "schools.school_page")),
    ("monitoring.home", "Home", {Role.OFFICER, Role.ADMIN}, ("monitoring.home", "monitoring.returns_list", "monitoring.windows", "monitoring.tracker", "monitoring.remind")),
    ("review.queue", "Returns to review", {Role.OFFICER, Role.ADMIN}, ("review.queue", "review.review", "review.reopen", "review.compare", "review.submission")),
    ("schools.schools", "Schools", {Role.OFFICER, Role.ADMIN}, ("schools.schools", "schools.school_page", "admin.import_schools", "admin.import_run")),
    ("officer.wellbeing", "Mental health", {Role.OFFICER, Role.ADMIN}, ("officer.wellbeing",)),
    ("officer.careers", "Careers", {Role.OFFICER, Role.ADMIN}, ("officer.careers",)),
    ("support.reviews_due", "Support categories", {Role.OFFICER, Role.ADMIN}, ("support.reviews_due", "support.set_category", "support.criteria", "support.criteria_version", "support.change_criteria")),
    ("admin.index", "Administration", {Role.ADMIN}, ("admin.index", "audit_log.events", "windows.list_windows", "windows.new_window", "windows.window", "windows.edit_window")),
    ("admin.users", "Users", {Role.ADMIN}, ("admin.users", "admin.new_user", "admin.user", "admin.invite_many")),
    ("account.index", "Your account", {Role.SCHOOL, Role.OFFICER, Role.ADMIN}, ("account.index", "account.change_password", "account.mfa_setup", "account.recovery_codes", "account.turn_off_mfa")),
)


def navigation_items() -> list[dict]:
    if not current_user.is_authenticated:
        return []
    items = []
    for endpoint, text, roles, here in NAVIGATION:
        if current_user.role in roles:
            items.append({"href": url_for(endpoint), "text": text, "active": request.endpoint in here})
    return items


def session_seconds_left() -> int:
    from app.auth_session import activity_deadline, now

    return max(0, int(activity_deadline() - now()))


def init_layout(app: Flask) -> None:
    @app.context_processor
    def _layout() -> dict:
        return {"navigation_items": navigation_items, "htmx_config": HTMX_CONFIG, "session_seconds_left": session_seconds_left}
