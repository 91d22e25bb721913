"""The careers return's panel on the school page (through the engine's SchoolPanel contract): each
benchmark's score from the latest accepted return beside the one before, in numbers and words,
and the type left out of a school its scope never asks."""

from __future__ import annotations

import re

from app.models import Role
from tests.conftest import sign_in
from tests.officer.test_careers_view import ENTITLEMENT, Borough, careers, plain


def rows_of(panel: str) -> list[list[str]]:
    return [[plain(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr, re.S)] for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", panel, re.S)]


def panel_of(page: str) -> str:
    start = page.index('id="school-careers"')
    return page[start:page.index("</section>", start)]


def test_the_panel_shows_this_years_scores_beside_last_years_with_the_change(app, factory):
    borough = Borough(app, factory)
    school, approver = borough.school("Ash Academy")
    borough.send(school, approver, careers("partly"), window=borough.old, accept=True)
    latest = borough.send(school, approver, careers({1: "yes", 2: "yes", 3: "partly"}, entitlement_yes=ENTITLEMENT[:4]), accept=True)
    client = app.test_client()
    sign_in(client, borough.officer)
    page = client.get(f"/schools/{school.id}").text
    panel = panel_of(page)
    rows = rows_of(panel)
    assert rows[0] == ["Benchmark", "2026/27", "2025/26", "Change"]
    assert rows[1] == ["Benchmark 1: A stable careers programme", "100%: achieved", "50%: partly met", "Up 50 points"]
    assert rows[3][1:] == ["50%: partly met", "50%: partly met", "No change"]
    assert rows[4][1:] == ["0%: not yet met", "50%: partly met", "Down 50 points"]
    words = plain(panel)
    assert "It achieves 2 of 8 benchmarks and meets 4 of 9 points of the young person's entitlement" in words
    assert f'href="/returns/{latest.id}/review"' in panel
    assert page.index('id="school-wellbeing"') < page.index('id="school-careers"')
    # The school's own staff see the same panel on their school's page, linking to their return.
    head = app.test_client()
    sign_in(head, approver)
    own = panel_of(head.get(f"/schools/{school.id}").text)
    assert f'href="/returns/{latest.id}"' in own and "Up 50 points" in plain(own)


def test_a_school_with_nothing_accepted_is_told_so_and_a_primary_is_never_shown_careers(app, factory):
    borough = Borough(app, factory)
    school, approver = borough.school("Birch Academy")
    borough.send(school, approver, careers("yes"))  # submitted, not accepted
    primary = factory.school(name="Wren Primary", phase="Primary", statutory_low_age=4, statutory_high_age=11)
    unknown = factory.school(name="Kestrel School", phase="Secondary", statutory_low_age=None, statutory_high_age=None)
    client = app.test_client()
    sign_in(client, borough.officer)
    assert "No careers benchmark return from this school has been accepted yet" in plain(panel_of(client.get(f"/schools/{school.id}").text))
    assert 'id="school-careers"' not in client.get(f"/schools/{primary.id}").text
    assert 'id="school-careers"' in client.get(f"/schools/{unknown.id}").text, "a school with no age range might be asked"
    other = factory.user(Role.SCHOOL, school=primary)
    stranger = app.test_client()
    sign_in(stranger, other)
    assert stranger.get(f"/schools/{school.id}").status_code == 404
