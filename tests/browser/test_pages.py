"""The officer's school page, a not-found page while signed in, and the public information pages."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_page, sign_in

pytestmark = pytest.mark.browser


def test_an_officer_opens_a_school_page(page, live):
    sign_in(page, "officer@example.org")
    school = live.school("990103")  # an apostrophe in its name: St Aidan's Church of England Primary School
    response = page.goto(f"/schools/{school.id}")
    assert response is not None and response.status == 200
    expect(page.get_by_role("heading", level=1, name=school.name, exact=True)).to_be_visible()
    expect(page.locator(".govuk-caption-l")).to_have_text(f"URN {school.urn}")
    expect(page.locator(".govuk-back-link")).to_be_visible()
    check_page(page, "school")


def test_a_missing_page_while_signed_in(page):
    sign_in(page, "officer@example.org")
    response = page.goto("/no-such-page")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1, name="Page not found", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()  # still the signed-in layout
    check_page(page, "not-found")


@pytest.mark.parametrize(
    "path, heading, name",
    [
        ("/accessibility", re.compile(r"^Accessibility statement"), "accessibility"),
        ("/privacy", re.compile(r"^Privacy"), "privacy"),
        ("/cookies", re.compile(r"^Cookies"), "cookies"),
    ],
    ids=["accessibility", "privacy", "cookies"],
)
def test_public_pages(page, path, heading, name):
    response = page.goto(path)
    assert response is not None and response.status == 200
    expect(page.get_by_role("heading", level=1, name=heading)).to_be_visible()
    check_page(page, name)
