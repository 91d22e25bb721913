"""Signing in (password, then a code when two-step verification is on) and out."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from app import audit
from app import auth_session
from app.auth_session import activity_deadline, home_url_for, mark_activity, safe_next_path
from app.extensions import db, limiter
from app.forms.auth import SignInCodeForm, SignInForm
from app.mail import send_mail
from app.models import User
from app.permissions import EVERY_ROLE, allow, public
from app.services import mfa
from app.services import signin as signin_service
from app.services import users as user_service
from app.services.passwords import burn_time

bp = Blueprint("auth", __name__)

WRONG_DETAILS = "Your email address or password is wrong"
WRONG_CODE = "The code is wrong or has expired. Enter the latest 6-digit code from your authenticator app, or a recovery code"
# A password step left unfinished is forgotten after this long.
PENDING_SECONDS = 300


def _sign_in_limit() -> str:
    return current_app.config["SIGN_IN_RATE_LIMIT"]


def _code_limit() -> str:
    return current_app.config["MFA_CODE_RATE_LIMIT"]


def _lockout_settings() -> dict:
    config = current_app.config
    return {
        "threshold": config["LOCKOUT_THRESHOLD"],
        "window": timedelta(minutes=config["LOCKOUT_WINDOW_MINUTES"]),
        "lock_for": timedelta(minutes=config["LOCKOUT_MINUTES"]),
    }


def _failed_attempt(user: User) -> None:
    """Count it against the account; the attempt that locks it tells the owner by mail."""
    if signin_service.register_failure(user, **_lockout_settings()):
        audit.record("locked_out", user=user, subject=user)
        send_mail(
            user.email,
            "Your Golden Thread account has been locked for a while",
            f"Someone tried to sign in to your Golden Thread account with the wrong details "
            f"{current_app.config['LOCKOUT_THRESHOLD']} times, so it is locked for "
            f"{current_app.config['LOCKOUT_MINUTES']} minutes.\n\n"
            "If it was you, wait and try again, or reset your password from the sign-in page. "
            f"If it was not you, tell the School Improvement Team: {current_app.config['SUPPORT_EMAIL']}.\n",
        )


def complete_sign_in(user: User, next_path: str | None):
    """A fresh session for a user who has proved who they are."""
    session.clear()  # nothing from before sign-in survives (no session fixation)
    session.permanent = True
    login_user(user, remember=False)
    now = auth_session.now()
    session["signed_in_at"] = now
    mark_activity(now)
    if mfa.required_for(user, current_app.config) and not user.mfa_enabled:
        session["mfa_enrolment_required"] = True
    signin_service.clear_failures(user)
    user_service.record_sign_in(user)
    audit.record("sign_in", user=user, subject=user, mfa=user.mfa_enabled)
    if session.get("mfa_enrolment_required"):
        return redirect(url_for("account.mfa_setup"), code=303)
    return redirect(next_path or home_url_for(user), code=303)


@bp.route("/sign-in", methods=["GET", "POST"])
@public
@limiter.limit(_sign_in_limit, methods=["POST"])
def sign_in():
    next_path = safe_next_path(request.values.get("next"))
    if current_user.is_authenticated:
        return redirect(next_path or home_url_for(current_user))
    form = SignInForm()
    if form.validate_on_submit():
        user = user_service.find_by_email(form.email.data)
        if user is not None and signin_service.is_locked(user):
            # Same words and the same cost as a wrong password: nobody learns the account exists.
            burn_time(form.password.data)
            audit.record("sign_in_failed", subject=user, email=form.email.data, reason="locked")
        elif (verified := user_service.authenticate(form.email.data, form.password.data)) is not None:
            if verified.mfa_enabled:
                session.clear()
                session["mfa_pending"] = f"{verified.id}.{verified.session_version}"
                session["mfa_pending_since"] = auth_session.now()
                if next_path:
                    session["mfa_next"] = next_path
                return redirect(url_for("auth.sign_in_code"), code=303)
            return complete_sign_in(verified, next_path)
        else:
            if user is not None and user.active:
                _failed_attempt(user)
            audit.record("sign_in_failed", subject=user, email=form.email.data, reason="wrong details")
        form.email.errors.append(WRONG_DETAILS)
        # The failure counts even though this response is an error (which rolls a request back).
        db.session.commit()
    status = 422 if form.errors else 200
    return render_template("auth/sign_in.html", form=form, next_path=next_path), status


def _pending_user() -> User | None:
    marker = session.get("mfa_pending", "")
    user_id, _, version = marker.partition(".")
    if not user_id.isdigit() or auth_session.now() - session.get("mfa_pending_since", 0) > PENDING_SECONDS:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or str(user.session_version) != version or not user.mfa_enabled:
        return None
    return user


@bp.route("/sign-in/code", methods=["GET", "POST"])
@public
@limiter.limit(_code_limit, methods=["POST"])
def sign_in_code():
    user = _pending_user()
    if user is None:
        session.pop("mfa_pending", None)
        return redirect(url_for("auth.sign_in"))
    form = SignInCodeForm()
    if form.validate_on_submit():
        code = form.code.data
        if signin_service.is_locked(user):
            audit.record("mfa_failed", user=user, subject=user, reason="locked")
        elif mfa.verify_code(user, code):
            return complete_sign_in(user, safe_next_path(session.get("mfa_next")))
        elif mfa.use_recovery_code(user, code):
            audit.record("mfa_recovery_code_used", user=user, subject=user, left=mfa.recovery_codes_left(user))
            return complete_sign_in(user, safe_next_path(session.get("mfa_next")))
        else:
            _failed_attempt(user)
            audit.record("mfa_failed", user=user, subject=user)
        form.code.errors.append(WRONG_CODE)
        db.session.commit()
    status = 422 if form.errors else 200
    return render_template("auth/sign_in_code.html", form=form), status


@bp.route("/sign-out", methods=["POST"])
@allow(*EVERY_ROLE)
def sign_out():
    audit.record("sign_out")
    user_service.end_all_sessions(current_user)
    logout_user()
    session.clear()
    response = redirect(url_for("auth.signed_out"), code=303)
    # Whatever this browser kept for the service goes too.
    response.headers["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    return response


@bp.route("/signed-out")
@public
def signed_out():
    return render_template("auth/signed_out.html", timed_out=request.args.get("timeout") == "1")


@bp.route("/session")
@allow(*EVERY_ROLE)
def session_status():
    """Seconds left before the idle timeout. Asked by the timeout warning; it does not count as activity."""
    return jsonify(seconds_left=max(0, int(activity_deadline() - auth_session.now())))


@bp.route("/session/keep-alive", methods=["POST"])
@allow(*EVERY_ROLE)
def keep_alive():
    """"Stay signed in" on the timeout warning: the person is here, so this is activity."""
    mark_activity(auth_session.now())
    if request.headers.get("HX-Request") == "true" or request.accept_mimetypes.best == "application/json":
        return jsonify(seconds_left=int(activity_deadline() - auth_session.now()))
    return redirect(safe_next_path(request.form.get("next")) or home_url_for(current_user), code=303)
