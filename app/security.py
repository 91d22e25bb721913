"""Response headers and per-request nonces. Written out in the README under "Security headers"."""

from __future__ import annotations

import logging
import secrets

from flask import Flask, Response, current_app, g, request
from flask_login import current_user


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def content_security_policy(nonce: str) -> str:
    # No 'unsafe-inline' or 'unsafe-eval', no wildcards. The one inline script the GOV.UK
    # template needs (the js-enabled class) carries the nonce.
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "object-src 'none'",
        ]
    )


def add_security_headers(response: Response, hsts: bool) -> Response:
    headers = response.headers
    headers["Content-Security-Policy"] = content_security_policy(csp_nonce())
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    # Not no-referrer: Flask-WTF's HTTPS referrer check needs the origin.
    headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
    if hsts:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    # Signed-in pages hold schools' private returns: never keep them in a shared or browser cache.
    if current_user.is_authenticated and request.endpoint != "static":
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"
    return response


def init_security(app: Flask) -> None:
    hsts = app.config["HSTS_ENABLED"]
    for logger in (app.logger, logging.getLogger("werkzeug")):
        if not any(isinstance(existing, EscapeControlCharacters) for existing in logger.filters):
            logger.addFilter(EscapeControlCharacters())

    @app.after_request
    def _headers(response: Response) -> Response:
        return add_security_headers(response, hsts)

    @app.context_processor
    def _nonce() -> dict:
        return {"cspNonce": csp_nonce()}


BODY_LIMIT_ATTRIBUTE = "golden_thread_body_limit"


def body_limit(config_key: str):
    """Let one route take a larger body than MAX_CONTENT_LENGTH (the GIAS import takes whole files)."""

    def decorator(view):
        setattr(view, BODY_LIMIT_ATTRIBUTE, config_key)
        return view

    return decorator


def apply_body_limit() -> None:
    """before_request, registered before CSRF checking (which reads the body) so the cap applies to it."""
    view = current_app.view_functions.get(request.endpoint or "")
    config_key = getattr(view, BODY_LIMIT_ATTRIBUTE, None)
    if config_key:
        request.max_content_length = current_app.config[config_key]


class EscapeControlCharacters(logging.Filter):
    """User-supplied text in a log line cannot forge a second line or hide in terminal escapes."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_escape(arg) if isinstance(arg, str) else arg for arg in record.args)
        if isinstance(record.msg, str):
            record.msg = _escape(record.msg)
        return True


def _escape(text: str) -> str:
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)
