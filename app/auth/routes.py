"""Signing in and out."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from app.auth_session import home_url_for, safe_next_path
from app.extensions import limiter
from app.forms.auth import SignInForm
from app.permissions import EVERY_ROLE, allow, public
from app.services import users as user_service

bp = Blueprint("auth", __name__)

WRONG_DETAILS = "Your email address or password is wrong"


def _sign_in_limit() -> str:
    return current_app.config["SIGN_IN_RATE_LIMIT"]


@bp.route("/sign-in", methods=["GET", "POST"])
@public
@limiter.limit(_sign_in_limit, methods=["POST"])
def sign_in():
    next_path = safe_next_path(request.values.get("next"))
    if current_user.is_authenticated:
        return redirect(next_path or home_url_for(current_user))
    form = SignInForm()
    if form.validate_on_submit():
        user = user_service.authenticate(form.email.data, form.password.data)
        if user is not None:
            # A fresh session on sign-in: nothing set before it survives (no session fixation).
            session.clear()
            session.permanent = True
            login_user(user, remember=False)
            user_service.record_sign_in(user)
            return redirect(next_path or home_url_for(user), code=303)
        form.email.errors.append(WRONG_DETAILS)
        current_app.logger.info("Failed sign-in from %s", request.remote_addr)
    status = 422 if form.errors else 200
    return render_template("auth/sign_in.html", form=form, next_path=next_path), status


@bp.route("/sign-out", methods=["POST"])
@allow(*EVERY_ROLE)
def sign_out():
    user_service.end_all_sessions(current_user)
    logout_user()
    session.clear()
    response = redirect(url_for("auth.signed_out"), code=303)
    return response


@bp.route("/signed-out")
@public
def signed_out():
    return render_template("auth/signed_out.html")
