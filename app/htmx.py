"""Deciding "fragment or whole page" in one place, never by the id of the triggering element."""

from __future__ import annotations

from flask import Response, redirect, render_template, request


def is_htmx_request() -> bool:
    # A history restore wants the whole page, even though htmx sent the request.
    return request.headers.get("HX-Request") == "true" and not request.headers.get(
        "HX-History-Restore-Request"
    )


def render_page_or_fragment(page: str, fragment: str, **context) -> Response:
    """One URL answers a full page or, for htmx, only the fragment the page includes."""
    template = fragment if is_htmx_request() else page
    response = Response(render_template(template, **context))
    response.vary.add("HX-Request")
    return response


def redirect_after_post(location: str) -> Response:
    """Post/Redirect/Get without JavaScript; HX-Redirect for htmx, which would swap a 302's target."""
    if is_htmx_request():
        response = Response(status=204)
        response.headers["HX-Redirect"] = location
        return response
    return redirect(location, code=303)
