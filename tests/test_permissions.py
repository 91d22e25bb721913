"""The permission matrix: every route and method in app.url_map, for every role, with real ids.

A route missing from the matrix fails the test, so no page can be added without deciding who may
reach it. Refused requests must change nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, CollectionWindow, ImportRun, Role, User
from app.permissions import access_of
from tests.conftest import csrf_token, sign_in

ROLES = ("anonymous", "school", "officer", "admin")
SIGN_IN = 302  # anonymous users are sent to sign in


@dataclass(frozen=True)
class Case:
    endpoint: str
    method: str
    target: str | None  # which real object the URL names
    expect: tuple[int, int, int, int]  # anonymous, school, officer, admin
    data: tuple = ()


CASES = [
    Case("main.index", "GET", None, (302, 302, 302, 302)),
    Case("main.accessibility", "GET", None, (200, 200, 200, 200)),
    Case("main.privacy", "GET", None, (200, 200, 200, 200)),
    Case("main.cookies", "GET", None, (200, 200, 200, 200)),
    Case("main.healthz", "GET", None, (200, 200, 200, 200)),
    Case("main.security_txt", "GET", None, (200, 200, 200, 200)),
    Case("account.index", "GET", None, (SIGN_IN, 200, 200, 200)),
    Case("account.change_password", "GET", None, (SIGN_IN, 200, 200, 200)),
    Case("account.change_password", "POST", None, (SIGN_IN, 422, 422, 422)),
    # Mail about submissions is an officer's setting; posted with no choice, the page's error.
    Case("account.notices", "GET", None, (SIGN_IN, 404, 200, 404)),
    Case("account.notices", "POST", None, (SIGN_IN, 404, 422, 404)),
    Case("account.mfa_setup", "GET", None, (SIGN_IN, 200, 200, 200)),
    Case("account.mfa_setup", "POST", None, (SIGN_IN, 422, 422, 422)),
    # Not enrolled: nothing to renew or turn off, sent back to the set-up page.
    Case("account.recovery_codes", "POST", None, (SIGN_IN, 303, 303, 303)),
    Case("account.turn_off_mfa", "POST", None, (SIGN_IN, 303, 303, 303)),
    Case("audit_log.events", "GET", None, (SIGN_IN, 404, 404, 200)),
    Case("audit_log.export", "GET", None, (SIGN_IN, 404, 404, 200)),
    Case("audit_log.export_xlsx", "GET", None, (SIGN_IN, 404, 404, 200)),
    Case("auth.sign_in", "GET", None, (200, 302, 302, 302)),
    # A signed-in user posting the sign-in form is sent home; anonymous with no details gets errors.
    Case("auth.sign_in", "POST", None, (422, 302, 302, 302)),
    Case("auth.signed_out", "GET", None, (200, 200, 200, 200)),
    # With no password step pending, the code page sends everyone back to sign in.
    Case("auth.sign_in_code", "GET", None, (302, 302, 302, 302)),
    Case("auth.sign_in_code", "POST", None, (302, 302, 302, 302)),
    Case("auth.session_status", "GET", None, (SIGN_IN, 200, 200, 200)),
    Case("auth.keep_alive", "POST", None, (SIGN_IN, 303, 303, 303)),
    Case("auth.sign_out", "POST", None, (SIGN_IN, 303, 303, 303)),
    Case("schools.home", "GET", None, (SIGN_IN, 200, 404, 404)),
    Case("schools.school_page", "GET", "own_school", (SIGN_IN, 200, 200, 200)),
    Case("schools.school_page", "GET", "other_school", (SIGN_IN, 404, 200, 200)),
    Case("schools.school_page", "GET", "missing_school", (SIGN_IN, 404, 404, 404)),
    Case("schools.schools", "GET", None, (SIGN_IN, 404, 200, 200)),
    Case("schools.export_schools", "GET", None, (SIGN_IN, 404, 200, 200)),
    Case("schools.export_schools_xlsx", "GET", None, (SIGN_IN, 404, 200, 200)),
    Case("officer.wellbeing", "GET", None, (SIGN_IN, 404, 200, 200)),
    # The collection tracker (issue 16): council staff only. Reminding with no school chosen is the
    # preview's error (422) or, posted, a message back on the tracker (303) that sends nothing.
    Case("monitoring.windows", "GET", None, (SIGN_IN, 404, 200, 200)),
    Case("monitoring.tracker", "GET", "window", (SIGN_IN, 404, 200, 200)),
    Case("monitoring.tracker", "GET", "missing_window", (SIGN_IN, 404, 404, 404)),
    Case("monitoring.remind", "GET", "window", (SIGN_IN, 404, 422, 422)),
    Case("monitoring.remind", "GET", "missing_window", (SIGN_IN, 404, 404, 404)),
    Case("monitoring.remind", "POST", "window", (SIGN_IN, 404, 303, 303)),
    Case("monitoring.remind", "POST", "missing_window", (SIGN_IN, 404, 404, 404)),
    # The officers' home and its lists; marking new submissions seen with no moment changes nothing.
    Case("monitoring.home", "GET", None, (SIGN_IN, 404, 200, 200)),
    Case("monitoring.returns_list", "GET", None, (SIGN_IN, 404, 200, 200)),
    Case("monitoring.mark_seen", "POST", None, (SIGN_IN, 404, 303, 303)),
    # Acknowledging an alert (tests/officer/test_alerts.py acknowledges a real one).
    Case("monitoring.acknowledge_alert", "POST", "missing_alert", (SIGN_IN, 404, 404, 404)),
    Case("officer.careers", "GET", None, (SIGN_IN, 404, 200, 200)),
    # Support categories: the criteria are published to everyone signed in; officers set categories.
    Case("support.criteria", "GET", None, (SIGN_IN, 200, 200, 200)),
    Case("support.criteria_version", "GET", "criteria_version", (SIGN_IN, 200, 200, 200)),
    Case("support.criteria_version", "GET", "missing_criteria_version", (SIGN_IN, 404, 404, 404)),
    Case("support.set_category", "GET", "own_school", (SIGN_IN, 404, 200, 200)),
    Case("support.set_category", "GET", "other_school", (SIGN_IN, 404, 200, 200)),
    Case("support.set_category", "GET", "missing_school", (SIGN_IN, 404, 404, 404)),
    Case("support.set_category", "POST", "own_school", (SIGN_IN, 404, 422, 422)),
    Case("support.set_category", "POST", "other_school", (SIGN_IN, 404, 422, 422)),
    Case("support.set_category", "POST", "missing_school", (SIGN_IN, 404, 404, 404)),
    Case("support.reviews_due", "GET", None, (SIGN_IN, 404, 200, 200)),
    Case("support.change_criteria", "GET", None, (SIGN_IN, 404, 404, 200)),
    Case("support.change_criteria", "POST", None, (SIGN_IN, 404, 404, 422)),
    Case("admin.import_schools", "GET", None, (SIGN_IN, 404, 404, 200)),
    # Posted with no file: the admin gets the form's errors; nobody else gets anywhere.
    Case("admin.import_schools_upload", "POST", None, (SIGN_IN, 404, 404, 422)),
    Case("admin.import_links_upload", "POST", None, (SIGN_IN, 404, 404, 422)),
    Case("admin.import_run", "GET", "import_run", (SIGN_IN, 404, 404, 200)),
    Case("admin.import_run", "GET", "missing_import_run", (SIGN_IN, 404, 404, 404)),
    # The DfE data import: administrators only; posted with no file, the admin gets the form's errors.
    Case("data.import_page", "GET", None, (SIGN_IN, 404, 404, 200)),
    Case("data.upload", "POST", None, (SIGN_IN, 404, 404, 422)),
    Case("data.import_result", "GET", "data_import", (SIGN_IN, 404, 404, 200)),
    Case("data.import_result", "GET", "missing_data_import", (SIGN_IN, 404, 404, 404)),
    Case("data.measures", "GET", None, (SIGN_IN, 404, 200, 200)),
    Case("admin.edit_school_details", "POST", "other_school", (SIGN_IN, 404, 404, 422)),
    Case("admin.edit_school_details", "POST", "own_school", (SIGN_IN, 404, 404, 422)),
    Case("admin.edit_school_details", "POST", "missing_school", (SIGN_IN, 404, 404, 404)),
    Case("admin.link_school_successor", "POST", "other_school", (SIGN_IN, 404, 404, 422)),
    Case("admin.link_school_successor", "POST", "missing_school", (SIGN_IN, 404, 404, 404)),
    Case("admin.invite_many", "GET", None, (SIGN_IN, 404, 404, 200)),
    # Posted with no file: the admin gets the form's error.
    Case("admin.invite_many", "POST", None, (SIGN_IN, 404, 404, 422)),
    # other_school_user has a password and no MFA: nothing to resend, revoke or reset (422).
    Case("admin.resend_invitation", "POST", "other_school_user", (SIGN_IN, 404, 404, 422)),
    Case("admin.resend_invitation", "POST", "missing_user", (SIGN_IN, 404, 404, 404)),
    Case("admin.revoke_invitation", "POST", "other_school_user", (SIGN_IN, 404, 404, 422)),
    Case("admin.revoke_invitation", "POST", "missing_user", (SIGN_IN, 404, 404, 404)),
    # Posted with no choice: the page's error.
    Case("admin.set_approver", "POST", "other_school_user", (SIGN_IN, 404, 404, 422)),
    Case("admin.set_approver", "POST", "missing_user", (SIGN_IN, 404, 404, 404)),
    Case("admin.unlock_user", "POST", "other_school_user", (SIGN_IN, 404, 404, 303)),
    Case("admin.unlock_user", "POST", "missing_user", (SIGN_IN, 404, 404, 404)),
    Case("admin.sign_out_everywhere", "POST", "other_school_user", (SIGN_IN, 404, 404, 303)),
    Case("admin.sign_out_everywhere", "POST", "missing_user", (SIGN_IN, 404, 404, 404)),
    Case("admin.reset_mfa", "POST", "other_school_user", (SIGN_IN, 404, 404, 422)),
    Case("admin.reset_mfa", "POST", "missing_user", (SIGN_IN, 404, 404, 404)),
    # Link pages: the secret comes as ?token= and moves into the session; without one, "link expired" (404).
    Case("onboarding.accept_invitation", "GET", None, (404, 404, 404, 404)),
    Case("onboarding.accept_invitation", "POST", None, (404, 404, 404, 404)),
    Case("onboarding.reset_password", "GET", None, (404, 404, 404, 404)),
    Case("onboarding.reset_password", "POST", None, (404, 404, 404, 404)),
    Case("onboarding.forgotten_password", "GET", None, (200, 200, 200, 200)),
    # Posted with no email address: the field's error, for anyone.
    Case("onboarding.forgotten_password", "POST", None, (422, 422, 422, 422)),
    Case("windows.list_windows", "GET", None, (SIGN_IN, 404, 404, 200)),
    Case("windows.new_window", "GET", None, (SIGN_IN, 404, 404, 200)),
    Case("windows.new_window", "POST", None, (SIGN_IN, 404, 404, 422)),
    Case("windows.window", "GET", "window", (SIGN_IN, 404, 404, 200)),
    Case("windows.window", "GET", "missing_window", (SIGN_IN, 404, 404, 404)),
    Case("windows.edit_window", "GET", "window", (SIGN_IN, 404, 404, 200)),
    Case("windows.edit_window", "POST", "window", (SIGN_IN, 404, 404, 422)),
    # Closing early asks first (the page names the schools with drafts open); confirmed, it closes.
    Case("windows.close_window", "GET", "window", (SIGN_IN, 404, 404, 200)),
    Case("windows.close_window", "POST", "window", (SIGN_IN, 404, 404, 303), data=(("confirm", "yes"),)),
    Case("windows.close_window", "POST", "missing_window", (SIGN_IN, 404, 404, 404)),
    Case("windows.reopen_window", "POST", "window", (SIGN_IN, 404, 404, 303)),
    Case("windows.set_exception", "POST", "window", (SIGN_IN, 404, 404, 422)),
    Case("windows.remove_exception", "POST", "window_own_school", (SIGN_IN, 404, 404, 303)),
    Case("windows.remove_exception", "POST", "window_missing_school", (SIGN_IN, 404, 404, 404)),
    # Returns: the school works on its own; officers read every school's but never edit answers.
    Case("returns.start_page", "GET", "window", (SIGN_IN, 200, 404, 404)),
    Case("returns.start_page", "GET", "missing_window", (SIGN_IN, 404, 404, 404)),
    Case("returns.start_page", "POST", "window", (SIGN_IN, 303, 404, 404)),
    Case("returns.overview", "GET", "own_return", (SIGN_IN, 200, 200, 200)),
    Case("returns.overview", "GET", "other_return", (SIGN_IN, 404, 200, 200)),
    Case("returns.overview", "GET", "missing_return", (SIGN_IN, 404, 404, 404)),
    # A living plan's pages (app/engine/living_routes.py): the self-evaluation has no living list,
    # so nobody reaches them on its returns (tests/engine/test_living.py tests a type that has one).
    Case("returns.living_plan", "GET", "own_return", (SIGN_IN, 404, 404, 404)),
    Case("returns.living_plan", "GET", "other_return", (SIGN_IN, 404, 404, 404)),
    Case("returns.living_plan", "GET", "missing_return", (SIGN_IN, 404, 404, 404)),
    Case("returns.living_row", "GET", "own_return_plan_row", (SIGN_IN, 404, 404, 404)),
    Case("returns.living_row", "POST", "own_return_plan_row", (SIGN_IN, 404, 404, 404), data=(("status", "complete"),)),
    Case("returns.living_row", "POST", "other_return_plan_row", (SIGN_IN, 404, 404, 404), data=(("status", "complete"),)),
    Case("returns.section", "GET", "own_return_section", (SIGN_IN, 200, 404, 404)),
    Case("returns.section", "GET", "other_return_section", (SIGN_IN, 404, 404, 404)),
    Case("returns.section", "GET", "own_return_missing_section", (SIGN_IN, 404, 404, 404)),
    # Posted with no version: the page's error, and nothing saved.
    # A post with no version (nor anything else) is shown as a conflict with what is saved: nothing stored.
    Case("returns.section", "POST", "own_return_section", (SIGN_IN, 409, 404, 404)),
    Case("returns.section", "POST", "other_return_section", (SIGN_IN, 404, 404, 404)),
    Case("returns.autosave", "POST", "own_return_section", (SIGN_IN, 409, 404, 404)),
    Case("returns.autosave", "POST", "other_return_section", (SIGN_IN, 404, 404, 404)),
    Case("returns.validate_field", "POST", "own_return_field", (SIGN_IN, 200, 404, 404)),
    Case("returns.validate_field", "POST", "other_return_field", (SIGN_IN, 404, 404, 404)),
    # A section's versions: the school's editors read them; a restore from a page that carries no
    # section version is refused as out of date (409), and with the current one it is made (303).
    Case("returns.versions", "GET", "own_return_section", (SIGN_IN, 200, 404, 404)),
    Case("returns.versions", "GET", "other_return_section", (SIGN_IN, 404, 404, 404)),
    Case("returns.versions", "GET", "own_return_missing_section", (SIGN_IN, 404, 404, 404)),
    Case("returns.version", "GET", "own_return_version", (SIGN_IN, 200, 404, 404)),
    Case("returns.version", "GET", "other_return_version", (SIGN_IN, 404, 404, 404)),
    Case("returns.version", "GET", "own_return_others_version", (SIGN_IN, 404, 404, 404)),
    Case("returns.version", "GET", "own_return_missing_version", (SIGN_IN, 404, 404, 404)),
    Case("returns.restore_version", "POST", "own_return_version", (SIGN_IN, 409, 404, 404)),
    Case("returns.restore_version", "POST", "own_return_version_current", (SIGN_IN, 303, 404, 404), data=(("version", "1"),)),
    Case("returns.restore_version", "POST", "other_return_version", (SIGN_IN, 404, 404, 404), data=(("version", "1"),)),
    Case("returns.restore_version", "POST", "own_return_others_version", (SIGN_IN, 404, 404, 404), data=(("version", "1"),)),
    Case("returns.restore_version", "POST", "own_return_missing_version", (SIGN_IN, 404, 404, 404), data=(("version", "1"),)),
    Case("returns.check", "GET", "own_return", (SIGN_IN, 200, 404, 404)),
    Case("returns.check", "GET", "other_return", (SIGN_IN, 404, 404, 404)),
    # Posted without the declaration: the page's error.
    Case("returns.check", "POST", "own_return", (SIGN_IN, 422, 404, 404)),
    Case("returns.check", "POST", "other_return", (SIGN_IN, 404, 404, 404)),
    # A draft cannot be withdrawn: the school is told so on its return's page.
    Case("returns.withdraw", "POST", "own_return", (SIGN_IN, 303, 404, 404)),
    Case("returns.withdraw", "POST", "other_return", (SIGN_IN, 404, 404, 404)),
    # Asking the approvers to sign off: the contributor is told the draft is not complete yet.
    Case("returns.ask_for_sign_off", "POST", "own_return", (SIGN_IN, 303, 404, 404)),
    Case("returns.ask_for_sign_off", "POST", "other_return", (SIGN_IN, 404, 404, 404)),
    Case("returns.ask_for_sign_off", "POST", "missing_return", (SIGN_IN, 404, 404, 404)),
    # The self-evaluation has no steps after submission: there is no step page to reach.
    Case("returns.step", "GET", "own_return_step", (SIGN_IN, 404, 404, 404)),
    Case("returns.step", "POST", "own_return_step", (SIGN_IN, 404, 404, 404)),
    Case("returns.step", "GET", "other_return_step", (SIGN_IN, 404, 404, 404)),
    # Officers' review: school staff never reach it; a draft has nothing to review yet.
    Case("review.queue", "GET", None, (SIGN_IN, 404, 200, 200)),
    Case("review.take", "POST", "other_return", (SIGN_IN, 404, 303, 303)),
    Case("review.take", "POST", "missing_return", (SIGN_IN, 404, 404, 404)),
    # Posted with no colleague chosen: the page's error.
    Case("review.assign", "POST", "other_return", (SIGN_IN, 404, 422, 422)),
    Case("review.assign", "POST", "missing_return", (SIGN_IN, 404, 404, 404)),
    Case("review.review", "GET", "other_return", (SIGN_IN, 404, 200, 200)),
    Case("review.review", "GET", "own_return", (SIGN_IN, 404, 200, 200)),
    Case("review.review", "GET", "missing_return", (SIGN_IN, 404, 404, 404)),
    Case("review.review", "POST", "other_return", (SIGN_IN, 404, 303, 303)),
    Case("review.review", "POST", "missing_return", (SIGN_IN, 404, 404, 404)),
    # Only an accepted return can be reopened: others send the officer back to the review page.
    Case("review.reopen", "GET", "other_return", (SIGN_IN, 404, 303, 303)),
    Case("review.reopen", "POST", "other_return", (SIGN_IN, 404, 303, 303)),
    Case("review.reopen", "POST", "missing_return", (SIGN_IN, 404, 404, 404)),
    Case("review.submission", "GET", "other_submission", (SIGN_IN, 404, 200, 200)),
    Case("review.submission", "GET", "own_submission", (SIGN_IN, 404, 404, 404)),
    Case("review.compare", "GET", "other_return", (SIGN_IN, 404, 200, 200)),
    Case("review.compare", "GET", "own_return", (SIGN_IN, 200, 200, 200)),
    Case("review.compare", "GET", "missing_return", (SIGN_IN, 404, 404, 404)),
    # This year's return against last year's: a school's own, or any school's for council staff.
    Case("review.compare_years", "GET", "own_school_sef", (SIGN_IN, 200, 200, 200)),
    Case("review.compare_years", "GET", "other_school_sef", (SIGN_IN, 404, 200, 200)),
    Case("review.compare_years", "GET", "missing_school_sef", (SIGN_IN, 404, 404, 404)),
    Case("review.compare_years", "GET", "own_school_no_such_type", (SIGN_IN, 404, 404, 404)),
    # Naming approvers: school staff see their colleagues; only an approver changes them (403 for this contributor).
    Case("team.approvers", "GET", None, (SIGN_IN, 200, 404, 404)),
    Case("team.set_approver", "POST", "colleague", (SIGN_IN, 403, 404, 404)),
    Case("team.set_approver", "POST", "other_school_user", (SIGN_IN, 404, 404, 404)),
    Case("team.set_approver", "POST", "missing_user", (SIGN_IN, 404, 404, 404)),
    Case("admin.index", "GET", None, (SIGN_IN, 404, 404, 200)),
    Case("admin.users", "GET", None, (SIGN_IN, 404, 404, 200)),
    Case("admin.new_user", "GET", None, (SIGN_IN, 404, 404, 200)),
    Case("admin.new_user", "POST", None, (SIGN_IN, 404, 404, 422)),
    Case("admin.user", "GET", "colleague", (SIGN_IN, 404, 404, 200)),
    Case("admin.user", "GET", "other_school_user", (SIGN_IN, 404, 404, 200)),
    Case("admin.user", "GET", "missing_user", (SIGN_IN, 404, 404, 404)),
    Case("admin.change_role", "POST", "other_school_user", (SIGN_IN, 404, 404, 422)),
    Case("admin.change_role", "POST", "missing_user", (SIGN_IN, 404, 404, 404)),
    Case("admin.deactivate_user", "POST", "other_school_user", (SIGN_IN, 404, 404, 303)),
    Case("admin.deactivate_user", "POST", "missing_user", (SIGN_IN, 404, 404, 404)),
    Case("admin.reactivate_user", "POST", "other_school_user", (SIGN_IN, 404, 404, 303)),
    Case("admin.reactivate_user", "POST", "missing_user", (SIGN_IN, 404, 404, 404)),
]


# The requests in CASES that do what their route is for, and by whom: only these may change the
# database. Every other request, refused with whatever status (a 303 back to the page with a
# message is as much a refusal as a 404) or a plain read, must change nothing at all.
CHANGES = {
    ("auth.sign_out", "POST", None): {"school", "officer", "admin"},
    ("returns.start_page", "POST", "window"): {"school"},
    ("returns.restore_version", "POST", "own_return_version_current"): {"school"},
    ("review.take", "POST", "other_return"): {"officer", "admin"},
    ("windows.close_window", "POST", "window"): {"admin"},
    ("admin.unlock_user", "POST", "other_school_user"): {"admin"},
    ("admin.sign_out_everywhere", "POST", "other_school_user"): {"admin"},
    ("admin.deactivate_user", "POST", "other_school_user"): {"admin"},
    ("admin.reactivate_user", "POST", "other_school_user"): {"admin"},
}


def routes_in_app(app) -> set[tuple[str, str]]:
    return {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_every_route_is_in_the_matrix(app):
    covered = {(case.endpoint, case.method) for case in CASES}
    missing = routes_in_app(app) - covered
    assert not missing, f"routes with no entry in the permission matrix: {sorted(missing)}"
    stale = covered - routes_in_app(app)
    assert not stale, f"matrix entries for routes that no longer exist: {sorted(stale)}"


def test_every_request_allowed_to_change_the_database_is_in_the_matrix():
    cases = {(case.endpoint, case.method, case.target) for case in CASES}
    assert CHANGES, "no request may change anything: the matrix would never see a success"
    assert not set(CHANGES) - cases, f"CHANGES names requests the matrix does not make: {sorted(set(CHANGES) - cases, key=str)}"


def test_every_view_declares_its_access(app):
    undeclared = [
        endpoint
        for endpoint, view in app.view_functions.items()
        if endpoint != "static" and access_of(view) is None
    ]
    assert not undeclared, f"views with no @public or @allow: {undeclared}"


def test_a_view_without_a_declaration_is_refused(app):
    """Deny by default: a route someone forgot to protect answers 404 to everybody."""
    from app import create_app

    other = create_app("test", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])
    other.add_url_rule("/forgotten", "forgotten", lambda: "secret")
    response = other.test_client().get("/forgotten")
    assert response.status_code == 404
    assert "secret" not in response.get_data(as_text=True)


def database_state() -> dict[str, list]:
    """Every row of every table: users, schools, windows and their exceptions, returns, sections,
    moves, submissions, comments, notes, step answers, sent notices, tokens, imports, audit events,
    and any table added later."""
    db.session.expire_all()
    return {
        table.name: db.session.execute(select(table).order_by(*table.primary_key.columns)).all()
        for table in db.metadata.sorted_tables
    }


def changed_tables(before: dict[str, list], after: dict[str, list], user: User | None) -> list[str]:
    """The tables a request changed, not counting the one record a refusal keeps of itself: a single
    permission_refused audit event by the signed-in user who was refused."""
    changed = [name for name in after if after[name] != before.get(name)]
    audit = AuditEvent.__tablename__
    old, new = before[audit], after[audit]
    added = new[len(old):]
    if (
        audit in changed
        and user is not None
        and new[: len(old)] == old
        and [(row.event, row.user_id) for row in added] == [("permission_refused", user.id)]
    ):
        changed.remove(audit)
    return changed


def _import_run(admin) -> int:
    run = ImportRun(kind="gias", filename="edubasealldata20261101.csv", la_code="883", imported_by_id=admin.id)
    db.session.add(run)
    db.session.flush()
    return run.id


def _data_import(admin) -> int:
    from app.models import DataImport

    run = DataImport(kind="ks2", source_format="performance_tables", academic_year="2024-25", filename="england_ks2final.csv",
                     catalogue_version=1, imported_by_id=admin.id)
    db.session.add(run)
    db.session.flush()
    return run.id


def _window(factory) -> int:
    from datetime import date

    window = CollectionWindow(return_type="sef", academic_year="2026/27", period="autumn", title="Self-evaluation, autumn 2026",
                              opens_on=date(2026, 9, 1), due_on=date(2026, 10, 16), phases=["Primary"])
    db.session.add(window)
    db.session.flush()
    return window.id


def _returns(factory, own, other, people) -> dict[str, int]:
    """A draft of the own school's and a submitted return of the other school's, in a spring window."""
    from datetime import date

    from app.engine import lifecycle

    window = CollectionWindow(return_type="sef", academic_year="2026/27", period="spring", title="Self-evaluation, spring 2027",
                              opens_on=date(2026, 9, 1), due_on=date(2027, 3, 16), phases=["Primary"])
    db.session.add(window)
    db.session.flush()
    own_return = lifecycle.start(people["school"], window, own, answers={"context": {"pupils_on_roll": 210}})
    other_head = factory.user(Role.SCHOOL, school=other, approver=True)
    other_return = lifecycle.start(other_head, window, other, answers={"context": {"pupils_on_roll": 320}})
    lifecycle.perform(lifecycle.SUBMIT, other_return, other_head)
    return {"own": own_return.id, "other": other_return.id, "own_version": _kept_version(own_return), "other_version": _kept_version(other_return)}


def _kept_version(ret) -> int:
    """An earlier version of the return's school context section, as a colleague's save keeps it."""
    from app.models import SectionVersion

    version = SectionVersion(return_id=ret.id, key="context", number=0, answers={"pupils_on_roll": 200}, invalid={}, saved_at=ret.created_at)
    db.session.add(version)
    db.session.flush()
    return version.id


@pytest.fixture
def world(factory):
    own = factory.school(name="Own School")
    other = factory.school(name="Other School")
    window_id = _window(factory)
    people = {
        "school": factory.user(Role.SCHOOL, school=own),
        "officer": factory.user(Role.OFFICER),
        "admin": factory.user(Role.ADMIN),
    }
    targets = {
        "own_school": {"school_id": own.id},
        "other_school": {"school_id": other.id},
        "missing_school": {"school_id": 999999},
        "criteria_version": {"number": 1},
        "missing_criteria_version": {"number": 999999},
        "colleague": {"user_id": factory.user(Role.SCHOOL, school=own).id},
        "other_school_user": {"user_id": factory.user(Role.SCHOOL, school=other).id},
        "missing_user": {"user_id": 999999},
        "import_run": {"run_id": _import_run(people["admin"])},
        "missing_import_run": {"run_id": 999999},
        "data_import": {"import_id": _data_import(people["admin"])},
        "missing_data_import": {"import_id": 999999},
        "window": {"window_id": window_id},
        "missing_window": {"window_id": 999999},
        "missing_alert": {"alert_id": 999999},
        "window_own_school": {"window_id": window_id, "school_id": own.id},
        "window_missing_school": {"window_id": window_id, "school_id": 999999},
    }
    returns = _returns(factory, own, other, people)
    targets.update(
        {
            "own_return": {"return_id": returns["own"]},
            "other_return": {"return_id": returns["other"]},
            "missing_return": {"return_id": 999999},
            "own_return_section": {"return_id": returns["own"], "key": "context"},
            "other_return_section": {"return_id": returns["other"], "key": "context"},
            "own_return_missing_section": {"return_id": returns["own"], "key": "no-such-section"},
            "own_return_version": {"return_id": returns["own"], "key": "context", "version_id": returns["own_version"]},
            "own_return_version_current": {"return_id": returns["own"], "key": "context", "version_id": returns["own_version"]},
            "other_return_version": {"return_id": returns["other"], "key": "context", "version_id": returns["other_version"]},
            "own_return_others_version": {"return_id": returns["own"], "key": "context", "version_id": returns["other_version"]},
            "own_return_missing_version": {"return_id": returns["own"], "key": "context", "version_id": 999999},
            "own_return_field": {"return_id": returns["own"], "key": "context", "field": "pupils_on_roll"},
            "other_return_field": {"return_id": returns["other"], "key": "context", "field": "pupils_on_roll"},
            "own_return_step": {"return_id": returns["own"], "step_key": "respond"},
            "own_return_plan_row": {"return_id": returns["own"], "row_id": "a00000000001"},
            "other_return_plan_row": {"return_id": returns["other"], "row_id": "a00000000001"},
            "other_return_step": {"return_id": returns["other"], "step_key": "respond"},
            "own_submission": {"return_id": returns["own"], "number": 1},
            "own_school_sef": {"school_id": own.id, "return_type": "sef"},
            "other_school_sef": {"school_id": other.id, "return_type": "sef"},
            "missing_school_sef": {"school_id": 999999, "return_type": "sef"},
            "own_school_no_such_type": {"school_id": own.id, "return_type": "no-such-type"},
            "other_submission": {"return_id": returns["other"], "number": 1},
        }
    )
    return people, targets


def request_as(app, people, targets, case, role):
    """One case of the matrix made by one role: (url, response, the database before it)."""
    client = app.test_client()
    if role != "anonymous":
        sign_in(client, people[role])
    with app.test_request_context():
        from flask import url_for

        url = url_for(case.endpoint, **(targets[case.target] if case.target else {}))
    before = database_state()
    if case.method == "GET":
        response = client.get(url)
    else:
        token = csrf_token(client, "/accessibility")
        response = client.open(url, method=case.method, data={"csrf_token": token, **dict(case.data)})
    return url, response, before


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.method} {c.endpoint} {c.target or ''}".strip())
@pytest.mark.parametrize("role_index", range(4), ids=ROLES)
def test_permission_matrix(app, world, case, role_index):
    people, targets = world
    role = ROLES[role_index]
    url, response, before = request_as(app, people, targets, case, role)
    expected = case.expect[role_index]
    assert response.status_code == expected, (
        f"{role} {case.method} {url}: expected {expected}, got {response.status_code}"
    )
    if expected == SIGN_IN and role == "anonymous" and case.endpoint not in {"main.index", "auth.sign_in", "auth.sign_in_code"}:
        assert "/sign-in?next=" in response.headers["Location"]
    if role not in CHANGES.get((case.endpoint, case.method, case.target), set()):
        changed = changed_tables(before, database_state(), people.get(role))
        assert not changed, f"{role} {case.method} {url} ({response.status_code}) changed {changed}"
