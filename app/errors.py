"""GOV.UK-styled error pages. They never show a traceback."""

from __future__ import annotations

from flask import Flask, g, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
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
    503: "The service is busy",
}

# SQLite's words when a write waited its whole busy timeout for another to finish.
BUSY_MESSAGES = ("database is locked", "database is busy", "database table is locked")
BUSY_RETRY_AFTER_SECONDS = 5


FALLBACK_500 = (
    "<!DOCTYPE html><html lang='en-GB'><head><meta charset='utf-8'><title>Sorry, there is a problem "
    "with the service</title></head><body><main><h1>Sorry, there is a problem with the service</h1>"
    "<p>Try again later.</p></main></body></html>"
)


def render_error(status: int, *, csrf: bool = False):
    title = ERROR_TITLES.get(status, ERROR_TITLES[500])
    template = "errors/_fragment.html" if is_htmx_request() else "errors/error.html"
    return render_template(template, title=title, status=status, csrf=csrf), status


def is_database_busy(error: BaseException | None) -> bool:
    """Whether the error is SQLite refusing a write because another held the lock too long."""
    if not isinstance(error, OperationalError):
        return False
    return any(words in str(error.orig).lower() for words in BUSY_MESSAGES)


def render_busy():
    """A 503 that says to try again: nothing was changed, and for an autosave, nothing is lost."""
    # The rest of this request only reads (the page's layout, the signed-in user): its next
    # transaction begins deferred, so it does not queue again behind the writer that held it up.
    g.database_busy = True
    db.session.rollback()
    headers = {"Retry-After": str(BUSY_RETRY_AFTER_SECONDS)}
    if is_htmx_request():
        # An autosave's status line, keeping the version the page was loaded at and what it showed
        # (nothing was saved, so they are still the ones to save against).
        version = request.form.get("version", "") if request.method == "POST" else ""
        loaded = request.form.get("loaded", "") if request.method == "POST" else ""
        autosave = request.headers.get("HX-Target") == "autosave-status"
        return render_template("errors/_busy_fragment.html", autosave=autosave, version=version, loaded=loaded), 503, headers
    return render_template("errors/error.html", title=ERROR_TITLES[503], status=503, csrf=False), 503, headers


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(OperationalError)
    def _operational(error: OperationalError):
        if not is_database_busy(error):
            raise error  # any other database failure is a 500, as before
        app.logger.warning("Database busy on %s %s: %s", request.method, request.path, error.orig)
        return render_busy()

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
        if is_database_busy(error.original_exception):
            # Busy at the commit after the view (after_request): the same answer as busy in the view.
            app.logger.warning("Database busy on %s %s: %s", request.method, request.path, error.original_exception.orig)
            try:
                return render_busy()
            except Exception:
                app.logger.exception("The busy page could not be rendered")
        db.session.rollback()
        try:
            return render_error(500)
        except Exception:  # the layout itself failed (e.g. the database is down): plain words, no traceback
            app.logger.exception("The 500 page could not be rendered")
            return FALLBACK_500, 500, {"Content-Type": "text/html; charset=utf-8"}
