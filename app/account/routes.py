"""Your account: details and recent sign-ins, changing the password, two-step verification, and
(for officers) whether a school's submission is mailed to them.

Every change to how someone signs in needs proof that it is still the account's owner at the
keyboard: the current password (or, for someone sent here straight after signing in to enrol, the
sign-in they just made). Choosing which mail to get does not.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from flask import Blueprint, abort, current_app, flash, render_template, request, session, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user
from sqlalchemy import or_, select

from app import audit
from app.extensions import db, limiter
from app.formatting import govuk_datetime
from app.forms.account import (
    WRONG_CODE,
    WRONG_PASSWORD,
    ChangePasswordForm,
    EnrolmentForm,
    EnrolmentWithoutPasswordForm,
    RecoveryCodesForm,
    SubmissionNoticesForm,
    TurnOffForm,
    normalise_code,
)
from app.htmx import redirect_after_post
from app.mail import send_mail
from app.models import AuditEvent, Role, School, User
from app.models.types import utcnow
from app.permissions import EVERY_ROLE, allow
from app.services import mfa
from app.services.passwords import hash_password, password_problem, service_words, verify_password
from app.services.users import end_all_sessions

bp = Blueprint("account", __name__, url_prefix="/account")

# Set by sign-in when this person must enrol before doing anything else; the gate lets them reach
# only the set-up page until it is gone.
ENROLMENT_REQUIRED = "mfa_enrolment_required"
# A random nonce, not the TOTP secret: the session cookie is signed but readable, so the secret
# being set up is derived from this and SECRET_KEY on the server (see pending_secret).
ENROLMENT_NONCE = "mfa_enrolment_nonce"

RECENT_SIGN_INS = 10
SIGN_IN_EVENTS = ("sign_in", "sign_in_failed")


# Rate limits -----------------------------------------------------------------------------------


def _per_account() -> str:
    """Guesses are counted per account (a whole school may share one address), else per address."""
    if current_user.is_authenticated:
        return f"account:{current_user.id}"
    return get_remote_address()


def _refused(response) -> bool:
    """Only refused attempts use up the allowance: a person who gets it right is never held up."""
    return response.status_code >= 400


def _reauthentication_limit() -> str:
    return current_app.config["MFA_CODE_RATE_LIMIT"]


# One allowance shared by every form here that checks the password or a code, so an attacker
# holding a stolen session cannot get more guesses by moving between forms.
guarded = limiter.shared_limit(
    _reauthentication_limit,
    scope="account-reauthentication",
    key_func=_per_account,
    methods=["POST"],
    deduct_when=_refused,
)


# Helpers ----------------------------------------------------------------------------------------


def _me() -> User:
    return current_user._get_current_object()


def recent_sign_ins(user: User, limit: int = RECENT_SIGN_INS) -> list[AuditEvent]:
    """This person's latest sign-ins and failed attempts at their account, newest first."""
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.event.in_(SIGN_IN_EVENTS),
                or_(AuditEvent.user_id == user.id, AuditEvent.subject_user_id == user.id),
            )
            .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
            .limit(limit)
        )
    )


def pending_secret(user: User) -> str:
    """The TOTP secret being set up in this session, the same on every request until enrolment.

    Only a nonce sits in the (readable) session cookie; the secret is an HMAC of it under
    SECRET_KEY, bound to this user, so a copy of the cookie does not give away the secret.
    """
    nonce = session.get(ENROLMENT_NONCE)
    if not isinstance(nonce, str) or len(nonce) < 20:
        nonce = secrets.token_urlsafe(24)
        session[ENROLMENT_NONCE] = nonce
    key = current_app.config["SECRET_KEY"]
    key = key if isinstance(key, bytes) else key.encode()
    digest = hmac.new(key, f"mfa-enrolment:{user.id}:{nonce}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest[:20]).decode()  # 160 bits, as RFC 4226 recommends


def grouped(text: str, size: int = 4) -> str:
    return " ".join(text[i : i + size] for i in range(0, len(text), size))


def _password_is_right(user: User, field) -> bool:
    """Checks a re-authentication field that passed its own validators; marks it when wrong."""
    if field.errors:
        return False
    if verify_password(user.password_hash, field.data or ""):
        return True
    field.errors.append(WRONG_PASSWORD)
    return False


def _end_other_sessions(user: User) -> None:
    """Every other copy of this person's session ends; this browser stays signed in.

    login_user only rewrites the user id in the session, so the sign-in time and last activity
    the session carries (absolute and idle timeouts) are left as they were.
    """
    end_all_sessions(user)
    login_user(user, remember=False)


def _notify(user: User, subject: str, what_happened: str) -> None:
    """Tell the owner their sign-in details changed, in case it was not them. A mail that cannot
    be sent is logged, not allowed to undo the change."""
    config = current_app.config
    body = (
        f"Hello {user.name},\n\n"
        f"{what_happened} on {govuk_datetime(utcnow())} (UK time).\n\n"
        "If this was you, you do not need to do anything.\n\n"
        f"If it was not you, contact the School Improvement Team straight away at {config['SUPPORT_EMAIL']}. "
        "Someone else may know your password.\n\n"
        f"{config['SERVICE_NAME']}\n{config['LA_NAME']}\n"
    )
    try:
        send_mail(user.email, subject, body)
    except Exception:  # noqa: BLE001 - the change stands; the failure is logged for the team
        current_app.logger.exception("Could not send the %r notice to user %s", subject, user.id)


# Your account -----------------------------------------------------------------------------------


@bp.route("")
@allow(*EVERY_ROLE)
def index():
    user = _me()
    school = db.session.get(School, user.school_id) if user.school_id else None
    return render_template(
        "account/index.html",
        user=user,
        school=school,
        sign_ins=recent_sign_ins(user),
        codes_left=mfa.recovery_codes_left(user) if user.mfa_enabled else None,
    )


@bp.route("/password", methods=["GET", "POST"])
@allow(*EVERY_ROLE)
@guarded
def change_password():
    user = _me()
    form = ChangePasswordForm()
    if request.method == "POST":
        form.validate()
        current_ok = _password_is_right(user, form.current_password)
        if not form.new_password.errors:
            problem = password_problem(
                form.new_password.data,
                email=user.email,
                context_words=service_words(current_app.config),
            )
            if problem:
                form.new_password.errors.append(problem)
            elif current_ok and form.new_password.data == form.current_password.data:
                form.new_password.errors.append("Your new password must be different from your current password")
        if not form.confirm_password.errors and not form.new_password.errors:
            if form.confirm_password.data != form.new_password.data:
                form.confirm_password.errors.append("The passwords do not match. Type your new password again")
        if not form.errors:
            user.password_hash = hash_password(form.new_password.data)
            user.password_changed_at = utcnow()
            _end_other_sessions(user)
            audit.record("password_changed", user=user, subject=user)
            _notify(user, f"Your {current_app.config['SERVICE_NAME']} password has been changed", "Your password was changed")
            flash("Your password has been changed. You have been signed out on every other device.", "success")
            return redirect_after_post(url_for("account.index"))
    return render_template("account/password.html", form=form), 422 if form.errors else 200


# Mail about submissions -------------------------------------------------------------------------


@bp.route("/notices", methods=["GET", "POST"])
@allow(Role.OFFICER)
def notices():
    """An officer's choice to be mailed when a school submits a return nobody has taken. Only
    officers have it: administrators are not mailed about submissions, and schools get receipts."""
    user = _me()
    form = SubmissionNoticesForm()
    if request.method == "GET":
        form.submission_notices.data = "yes" if user.submission_notices else "no"
    elif form.validate():
        wanted = form.submission_notices.data == "yes"
        if wanted != user.submission_notices:
            user.submission_notices = wanted
            audit.record("notice_setting_changed", user=user, subject=user, submission_notices=wanted)
        flash(
            "You will be emailed when a school submits a return."
            if wanted
            else "You will not be emailed when a school submits a return, unless it is assigned to you.",
            "success",
        )
        return redirect_after_post(url_for("account.index"))
    return render_template("account/notices.html", form=form), 422 if form.errors else 200


# Two-step verification --------------------------------------------------------------------------


def _recovery_codes_page(codes: list[str], *, just_enrolled: bool):
    return render_template("account/recovery_codes.html", codes=codes, just_enrolled=just_enrolled)


def _manage_page(user: User, codes_form=None, off_form=None, status: int = 200):
    codes_form = codes_form or RecoveryCodesForm(prefix="codes", formdata=None)
    off_form = off_form or TurnOffForm(prefix="off", formdata=None)
    with_errors = codes_form if codes_form.errors else off_form if off_form.errors else None
    return (
        render_template(
            "account/mfa_manage.html",
            user=user,
            form=with_errors,
            codes_form=codes_form,
            off_form=off_form,
            codes_left=mfa.recovery_codes_left(user),
            required=mfa.required_for(user, current_app.config),
        ),
        status,
    )


@bp.route("/two-step-verification", methods=["GET", "POST"])
@allow(*EVERY_ROLE)
@limiter.limit(
    lambda: current_app.config["MFA_CODE_RATE_LIMIT"],
    methods=["POST"],
    key_func=_per_account,
    deduct_when=_refused,
)
@guarded
def mfa_setup():
    user = _me()
    if user.mfa_enabled:
        if request.method == "POST":
            return redirect_after_post(url_for("account.mfa_setup"))
        return _manage_page(user)

    required_now = bool(session.get(ENROLMENT_REQUIRED))
    # Sent here straight from signing in: the password was given a moment ago.
    form = EnrolmentWithoutPasswordForm() if required_now else EnrolmentForm()
    secret = pending_secret(user)
    if request.method == "POST":
        form.validate()
        password_ok = required_now or _password_is_right(user, form.password)
        if password_ok and form.code.data and form.code.errors:
            audit.record("mfa_failed", user=user, subject=user, stage="enrolment", reason="format")
        elif password_ok and not form.errors:
            if mfa.confirm_enrolment(user, secret, normalise_code(form.code.data)):
                codes = mfa.new_recovery_codes(user)
                session.pop(ENROLMENT_REQUIRED, None)
                session.pop(ENROLMENT_NONCE, None)
                # Sessions elsewhere signed in with the password alone: they end now.
                _end_other_sessions(user)
                audit.record("mfa_enrolled", user=user, subject=user)
                _notify(
                    user,
                    f"Two-step verification is on for your {current_app.config['SERVICE_NAME']} account",
                    "Two-step verification was turned on for your account",
                )
                return _recovery_codes_page(codes, just_enrolled=True)
            form.code.errors.append(WRONG_CODE)
            audit.record("mfa_failed", user=user, subject=user, stage="enrolment", reason="wrong")

    uri = mfa.provisioning_uri(secret, user.email, current_app.config["MFA_ISSUER"])
    return (
        render_template(
            "account/mfa_setup.html",
            form=form,
            required_now=required_now,
            qr_code=mfa.qr_code_data_uri(uri),
            setup_key=grouped(secret),
        ),
        422 if form.errors else 200,
    )


@bp.route("/two-step-verification/recovery-codes", methods=["POST"])
@allow(*EVERY_ROLE)
@guarded
def recovery_codes():
    user = _me()
    if not user.mfa_enabled:
        return redirect_after_post(url_for("account.mfa_setup"))
    form = RecoveryCodesForm(prefix="codes")
    form.validate()
    if _password_is_right(user, form.password) and not form.errors:
        codes = mfa.new_recovery_codes(user)
        _end_other_sessions(user)
        audit.record("recovery_codes_renewed", user=user, subject=user)
        _notify(
            user,
            f"New recovery codes for your {current_app.config['SERVICE_NAME']} account",
            "New recovery codes were made for your account and the old ones stopped working",
        )
        return _recovery_codes_page(codes, just_enrolled=False)
    return _manage_page(user, codes_form=form, status=422)


@bp.route("/two-step-verification/turn-off", methods=["POST"])
@allow(*EVERY_ROLE)
@guarded
def turn_off_mfa():
    user = _me()
    if not user.mfa_enabled:
        return redirect_after_post(url_for("account.mfa_setup"))
    if mfa.required_for(user, current_app.config):
        abort(403)  # the page never offers it to these roles
    form = TurnOffForm(prefix="off")
    form.validate()
    if _password_is_right(user, form.password) and not form.errors:
        mfa.reset(user)
        _end_other_sessions(user)
        audit.record("mfa_reset", user=user, subject=user)
        _notify(
            user,
            f"Two-step verification is off for your {current_app.config['SERVICE_NAME']} account",
            "Two-step verification was turned off for your account",
        )
        flash("Two-step verification is off. You can sign in with your password alone.", "success")
        return redirect_after_post(url_for("account.index"))
    return _manage_page(user, off_form=form, status=422)
