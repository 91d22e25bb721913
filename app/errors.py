"""GOV.UK-styled error pages. They never show a traceback."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from app.extensions import db
from app.htmx import is_htmx_request

ERROR_TITLES = {
    400: "Sorry, there is a problem with your request",
    403: "You cannot do that",
    404: "Page not found",
    405: "Page not found",
    413: "The file or form you sent is too large",
    429: "Too many attempts",
    500: "Sorry, there is a problem with the service",
}


FALLBACK_500 = (
    "<!DOCTYPE html><html lang='en-GB'><head><meta charset='utf-8'><title>Sorry, there is a problem "
    "with the service</title></head><body><main><h1>Sorry, there is a problem with the service</h1>"
    "<p>Try again later.</p></main></body></html>"
)


def render_error(status: int, *, csrf: bool = False):
    title = ERROR_TITLES.get(status, ERROR_TITLES[500])
    template = "errors/_fragment.html" if is_htmx_request() else "errors/error.html"
    return render_template(template, title=title, status=status, csrf=csrf), status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError):
        app.logger.warning("CSRF refused on %s %s: %s", request.method, request.path, error.description)
        from app import audit

        audit.record("csrf_failed", reason=error.description)
        return render_error(400, csrf=True)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        status = error.code or 500
        if status not in ERROR_TITLES:
            return error
        return render_error(status)

    @app.errorhandler(InternalServerError)
    def _server_error(error: InternalServerError):
        db.session.rollback()
        try:
            return render_error(500)
        except Exception:  # the layout itself failed (e.g. the database is down): plain words, no traceback
            app.logger.exception("The 500 page could not be rendered")
            return FALLBACK_500, 500, {"Content-Type": "text/html; charset=utf-8"}
