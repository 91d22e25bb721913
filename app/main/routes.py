"""The front door, the service's own information pages and the health check."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.auth_session import home_url_for
from app.extensions import db, limiter
from app.permissions import public

bp = Blueprint("main", __name__)


@bp.route("/")
@public
def index():
    if current_user.is_authenticated:
        return redirect(home_url_for(current_user))
    return redirect(url_for("auth.sign_in"))


@bp.route("/accessibility")
@public
def accessibility():
    return render_template("main/accessibility.html")


@bp.route("/privacy")
@public
def privacy():
    return render_template("main/privacy.html")


@bp.route("/cookies")
@public
def cookies():
    return render_template("main/cookies.html")


@bp.route("/.well-known/security.txt")
@public
def security_txt():
    """RFC 9116: how to report a vulnerability, and until when this file holds."""
    config = current_app.config
    body = "\n".join(
        [
            f"Contact: {config['SECURITY_CONTACT']}",
            f"Expires: {config['SECURITY_TXT_EXPIRES']}",
            "Preferred-Languages: en",
            f"Canonical: {config['BASE_URL']}/.well-known/security.txt",
            "",
        ]
    )
    return Response(body, mimetype="text/plain")


@bp.route("/healthz")
@public
@limiter.exempt
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
