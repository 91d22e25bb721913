"""Accepting an invitation, asking for a password reset, and choosing a password from either link.

A link carries its secret in the query string (``/invitation?token=...``), never in the path: the
path is what the access log and the audit trail's ``route`` record. On arrival the secret moves into
the session and the browser is sent to the same address without it, so it is not kept in the
browser's history or sent on as a Referer (as Django's password reset does).
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for

from app.extensions import limiter
from app.forms.onboarding import ForgottenPasswordForm, NewPasswordForm
from app.htmx import redirect_after_post
from app.permissions import public
from app.services import invitations
from app.services.invitations import LinkSpentError, PasswordRuleError

bp = Blueprint("onboarding", __name__)

INVITATION = "invitation"
RESET = "reset"
SESSION_KEYS = {INVITATION: "invitation_token", RESET: "reset_token"}


def _reset_request_limit() -> str:
    return current_app.config["RESET_REQUEST_RATE_LIMIT"]


def _link_expired(kind: str):
    """The same page whether the link was never valid, expired, used or revoked: it says nothing
    about whether an account exists."""
    session.pop(SESSION_KEYS[kind], None)
    return render_template("onboarding/link_expired.html", kind=kind), 404


def _link_from_request(kind: str, find):
    """(live link, None), or (None, a response to return instead)."""
    key = SESSION_KEYS[kind]
    if request.method == "GET" and "token" in request.args:
        secret = request.args.get("token", "")
        if find(secret) is None:
            return None, _link_expired(kind)
        session[key] = secret
        return None, redirect(url_for(request.endpoint), code=303)
    link = find(session.get(key))
    if link is None:
        return None, _link_expired(kind)
    return link, None


def _choose_password(kind: str, find, complete, template: str, banner: str):
    link, response = _link_from_request(kind, find)
    if response is not None:
        return response
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            complete(link, form.password.data)
        except PasswordRuleError as error:
            form.password.errors.append(error.message)
        except LinkSpentError:
            return _link_expired(kind)
        else:
            session.pop(SESSION_KEYS[kind], None)
            flash(banner, "success")
            return redirect_after_post(url_for("auth.sign_in"))
    return render_template(template, form=form, person=link.user), 422 if form.errors else 200


@bp.route("/invitation", methods=["GET", "POST"])
@public
def accept_invitation():
    return _choose_password(
        INVITATION,
        invitations.invitation_link,
        invitations.accept_invitation,
        "onboarding/accept_invitation.html",
        "Your password is set. Sign in to continue",
    )


@bp.route("/forgotten-password", methods=["GET", "POST"])
@public
@limiter.limit(_reset_request_limit, methods=["POST"])
def forgotten_password():
    form = ForgottenPasswordForm()
    if form.validate_on_submit():
        invitations.request_reset(form.email.data)
        # The same page whether or not there is such an account.
        return render_template("onboarding/reset_requested.html")
    return render_template("onboarding/forgotten_password.html", form=form), 422 if form.errors else 200


@bp.route("/reset-password", methods=["GET", "POST"])
@public
def reset_password():
    return _choose_password(
        RESET,
        invitations.reset_link,
        invitations.reset_password,
        "onboarding/reset_password.html",
        "Your password has been changed. Sign in with your new password",
    )
