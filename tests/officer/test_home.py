"""The officers' home (issue 16): returns waiting for review with the officer's own first, schools
overdue per open window, returns submitted since the officer last looked (and marking them seen),
each a count linking to its list; a panel another module registers shows without editing the page;
officers land on it; schools are refused; the query count does not grow with the borough."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from app.engine import lifecycle
from app.extensions import db
from app.models import Role
from app.models.monitoring import OfficerMark
from app.officer import home
from app.officer import tracker as tr
from tests.officer.test_tracker import DUE, Borough, at, seed_borough
from tests.returns.test_sef_sections import Browser

NOW = at(DUE + timedelta(days=4))


@pytest.fixture
def borough(factory, monkeypatch):
    monkeypatch.setattr(tr, "now", lambda: NOW)
    found = Borough(factory)
    # Fir submits too, after the due date (its own is later): a return nobody has taken.
    lifecycle.perform(lifecycle.SUBMIT, found.fir, found.heads["Fir Primary"], now=NOW)
    db.session.flush()
    return found


def figure(html: str, href: str) -> int:
    match = re.search(rf'href="{re.escape(href)}"><span class="gt-home-count__figure">(\d+)</span>', html)
    assert match, f"no count linking to {href}"
    return int(match.group(1))


def test_counts_link_to_their_lists_with_mine_first(app, borough):
    officer = Browser(app, borough.officer)
    html = officer.get("/home").get_data(as_text=True)
    assert figure(html, "/home/returns?show=mine") == 1  # Cedar, taken by Sam
    assert figure(html, "/home/returns?show=nobody") == 1  # Fir
    assert figure(html, "/home/returns?show=waiting") == 2
    assert html.index("show=mine") < html.index("show=nobody") < html.index("show=waiting")
    # Overdue per open window: Ash and Beech (Fir is extended, Gorse closed), linking to the filter.
    assert figure(html, f"/tracker/{borough.window.id}?state=overdue") == 2
    assert ">Self-evaluation, autumn 2026<" in html
    # Another officer's own count is theirs.
    other = Browser(app, borough.other_officer).get("/home").get_data(as_text=True)
    assert figure(other, "/home/returns?show=mine") == 0

    def listed(show):
        page = officer.get(f"/home/returns?show={show}").get_data(as_text=True)
        return re.findall(r'<a class="govuk-link" href="/returns/\d+/review">([^<]+)<span', page)

    assert listed("mine") == ["Cedar Primary"]
    assert listed("nobody") == ["Fir Primary"]
    assert listed("waiting") == ["Cedar Primary", "Fir Primary"]
    assert officer.get("/home/returns?show=<script>").status_code == 404


def test_submitted_since_i_last_looked(app, borough):
    db.session.add(OfficerMark(user_id=borough.officer.id, submissions_seen_at=at(DUE - timedelta(days=2))))
    db.session.flush()
    officer = Browser(app, borough.officer)
    assert figure(officer.get("/home").get_data(as_text=True), "/home/returns?show=new") == 3  # Elm, Damson, Fir
    page = officer.get("/home/returns?show=new").get_data(as_text=True)
    assert re.findall(r'href="/returns/\d+/review">([^<]+)<span', page) == ["Elm Secondary", "Damson Primary", "Fir Primary"]
    up_to = re.search(r'name="up_to" value="([^"]+)"', page).group(1)
    response = officer.post("/home/seen", {"up_to": up_to})
    assert response.status_code == 303 and response.headers["Location"] == "/home"
    assert figure(officer.get("/home").get_data(as_text=True), "/home/returns?show=new") == 0
    assert db.session.get(OfficerMark, borough.officer.id).submissions_seen_at == NOW
    # The other officer's mark is their own: never looked, so since their account began (today).
    other = Browser(app, borough.other_officer).get("/home").get_data(as_text=True)
    assert figure(other, "/home/returns?show=new") == 0


@pytest.mark.parametrize("bad", ["", "yesterday", "<script>alert(1)</script>", "2026-10-17T12:00:00", "' OR 1=1 --", "2026-10-17T12:00:00+00:00" + "0" * 50])
def test_marking_seen_with_a_bad_moment_changes_nothing(app, borough, bad):
    officer = Browser(app, borough.officer)
    response = officer.post("/home/seen", {"up_to": bad})
    assert response.status_code == 303 and response.headers["Location"] == "/home/returns?show=new"
    assert db.session.get(OfficerMark, borough.officer.id) is None
    assert "Nothing was marked as seen" in officer.get(response.headers["Location"]).get_data(as_text=True)


def test_marking_seen_needs_the_csrf_token(app, borough):
    officer = Browser(app, borough.officer)
    assert officer.post("/home/seen", {"up_to": NOW.isoformat()}, token="forged").status_code == 400
    assert db.session.get(OfficerMark, borough.officer.id) is None


def test_a_registered_panel_shows_without_editing_the_page(app, borough):
    def visits(user, moment):
        return [home.HomeCount("Visit actions past their date", 4, "/schools?visits=late", urgent=True)]

    home.register_panel(home.HomePanel("visits-test", "Visits", visits, order=15))
    try:
        html = Browser(app, borough.officer).get("/home").get_data(as_text=True)
        assert figure(html, "/schools?visits=late") == 4
        # Between the review counts (10) and the overdue schools (20).
        assert html.index('id="home-reviews"') < html.index('id="home-visits-test"') < html.index('id="home-overdue"')
    finally:
        home.unregister_panel("visits-test")
    assert 'id="home-visits-test"' not in Browser(app, borough.officer).get("/home").get_data(as_text=True)


def test_schools_are_refused_and_officers_land_on_the_home(app, borough, client):
    school = Browser(app, borough.heads["Ash Primary"])
    for path in ("/home", "/home/returns?show=mine", "/home/returns?show=new"):
        assert school.get(path).status_code == 404
    assert school.post("/home/seen", {"up_to": NOW.isoformat()}).status_code == 404
    assert Browser(app, borough.officer).get("/").headers["Location"] == "/home"


def test_query_count_does_not_grow_with_the_borough(app, factory, count_queries, monkeypatch):
    monkeypatch.setattr(tr, "now", lambda: at(date(2027, 6, 5)))
    officer = factory.user(Role.OFFICER)
    head = factory.user(Role.SCHOOL)
    browser = Browser(app, officer)
    counts = []
    for size, period in ((10, "spring"), (2000, "summer")):
        seed_borough(size, officer.id, head.id, period)
        browser.get("/home")
        with count_queries() as counter:
            response = browser.get("/home")
        assert response.status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1], counts
