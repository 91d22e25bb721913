"""The page checks themselves: each catches the problem it is there for (so a green run means something)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import check_page

pytestmark = pytest.mark.browser


def _cookies_page(page):
    response = page.goto("/cookies")
    assert response is not None and response.status == 200


def test_check_page_catches_a_csp_violation(page):
    _cookies_page(page)
    # An inline script added after load: the CSP refuses it and reports the violation.
    page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "window.ranInline = true";
            document.body.append(script);
        }"""
    )
    page.wait_for_function("() => window.__cspViolations.length > 0")
    assert not page.evaluate("window.ranInline === true")
    with pytest.raises(AssertionError, match="CSP"):
        check_page(page, "selfcheck-csp")


def test_check_page_catches_an_accessibility_problem(page):
    _cookies_page(page)
    page.evaluate(
        """() => {
            const image = document.createElement("img");
            image.src = "/static/dist/favicon.svg";
            document.querySelector("main").append(image);
        }"""
    )
    with pytest.raises(AssertionError, match=r"image-alt"):
        check_page(page, "selfcheck-axe")


def test_check_page_catches_sideways_scrolling(page):
    _cookies_page(page)
    page.evaluate(
        """() => {
            const wide = document.createElement("p");
            wide.className = "govuk-body";
            wide.style.width = "600px";  // set through the CSSOM, which the CSP allows
            wide.textContent = "Too wide for a phone";
            document.querySelector("main").append(wide);
        }"""
    )
    with pytest.raises(pytest.fail.Exception, match="scrolls sideways"):
        check_page(page, "selfcheck-reflow")
