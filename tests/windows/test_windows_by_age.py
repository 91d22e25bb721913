"""A return asked by age (careers: pupils in year 7 or above), end to end over HTTP: the form shows
its rule and asks no phases, the window asks exactly the right schools, a school whose age range is
not recorded is listed for the administrator, and whatever is sent for phases is ignored."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import CollectionWindow
from tests.conftest import csrf_token

RULE = "Open schools with pupils in year 7 or above (a statutory high age of 12 or more), whatever their phase."


@pytest.fixture
def borough(factory):
    return {
        "all-through": factory.school(name="Ash All-through", phase="All-through", statutory_low_age=4, statutory_high_age=16),
        "middle": factory.school(name="Beech Middle", phase="Middle deemed secondary", statutory_low_age=9, statutory_high_age=13),
        "special": factory.school(name="Cherry Special", phase="Not applicable", establishment_type="Community special school", statutory_low_age=11, statutory_high_age=19),
        "primary": factory.school(name="Damson Primary", phase="Primary", statutory_low_age=3, statutory_high_age=11),
        "nursery": factory.school(name="Elder Nursery", phase="Nursery", statutory_low_age=2, statutory_high_age=5),
        "closed": factory.school(name="Fig Secondary", phase="Secondary", statutory_low_age=11, statutory_high_age=18, status="Closed"),
        "unknown": factory.school(name="Gorse Academy", phase="Secondary", statutory_low_age=None, statutory_high_age=None),
        "unknown closed": factory.school(name="Hazel School", phase="Secondary", statutory_low_age=None, statutory_high_age=None, status="Closed"),
    }


def window_data(client, age_type, **overrides):
    data = {
        "return_type": age_type.key,
        "academic_year": "2026/27",
        "period": "annual",
        "title": "Careers, 2026/27",
        "opens_on": ["1", "9", "2026"],
        "due_on": ["16", "10", "2026"],
        "csrf_token": csrf_token(client, f"/admin/windows/new?return_type={age_type.key}"),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def the_window() -> CollectionWindow:
    return db.session.scalar(select(CollectionWindow))


def text(page: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", page)).split())


def test_the_first_question_shows_each_returns_rule(admin_client, age_type):
    page = text(admin_client.get("/admin/windows/new").get_data(as_text=True))
    assert f"Careers (test) {RULE}" in page
    assert "School self-evaluation Open schools of the phases you choose" in page


def test_the_form_for_a_return_asked_by_age_shows_its_rule_and_no_phases(admin_client, age_type):
    page = admin_client.get(f"/admin/windows/new?return_type={age_type.key}").get_data(as_text=True)
    assert RULE in text(page)
    assert "Which phases are asked?" not in page and 'name="phases"' not in page
    assert 'name="include_special"' not in page and 'name="include_alternative_provision"' not in page
    assert f'<input type="hidden" name="return_type" value="{age_type.key}">' in page


def test_a_window_asked_by_age_asks_exactly_the_right_schools(admin_client, age_type, borough):
    response = admin_client.post("/admin/windows/new", data=window_data(admin_client, age_type))
    assert response.status_code == 303, text(response.get_data(as_text=True))[:500]
    window = the_window()
    assert (window.return_type, window.phases, window.include_special, window.include_alternative_provision) == (age_type.key, [], False, False)

    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    asked_table = page[page.index("Schools asked"):page.index("</table>", page.index("Schools asked"))]
    for asked in ("Ash All-through", "Beech Middle", "Cherry Special"):
        assert asked in asked_table
    for not_asked in ("Damson Primary", "Elder Nursery", "Fig Secondary", "Gorse Academy", "Hazel School"):
        assert not_asked not in asked_table
    assert "Schools asked (3)" in page
    assert RULE in text(page)

    # The school with no age range is listed for the administrator, with why and a link to it.
    cannot_place = page[page.index('id="cannot-place"'):]
    assert "Schools we cannot place (1)" in cannot_place
    assert f'href="/schools/{borough["unknown"].id}">Gorse Academy</a>' in cannot_place
    assert "No statutory age range is recorded" in cannot_place
    assert "Hazel School" not in page  # closed: nobody asks it, so there is nothing to decide

    listing = admin_client.get("/admin/windows").get_data(as_text=True)
    assert re.search(r"Careers, 2026/27.*?govuk-table__cell--numeric\">3<", listing, re.S)


def test_the_school_page_linked_shows_what_is_missing(admin_client, age_type, borough):
    page = admin_client.get(f"/schools/{borough['unknown'].id}").get_data(as_text=True)
    assert re.search(r"Age range\s*</dt>\s*<dd[^>]*>\s*Not recorded", page)


@pytest.mark.parametrize(
    "sent",
    [
        {"phases": ["Primary", "Nursery"], "include_special": "y", "include_alternative_provision": "y"},
        {"phases": ["Kindergarten", "<script>alert(1)</script>"]},
        {"phases": "' OR 1=1 --", "include_special": "maybe"},
    ],
)
def test_phases_sent_for_a_return_asked_by_age_are_ignored(admin_client, age_type, borough, sent):
    response = admin_client.post("/admin/windows/new", data=window_data(admin_client, age_type, **sent))
    assert response.status_code == 303
    window = the_window()
    assert (window.phases, window.include_special, window.include_alternative_provision) == ([], False, False)
    assert "Schools asked (3)" in admin_client.get(response.headers["Location"]).get_data(as_text=True)


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"title": "<script>alert(1)</script>" + "x" * 120}, "Title must be 120 characters or fewer"),
        ({"period": "<b>winter</b>"}, "Select the period"),
        ({"due_on": ["16", "10", "2026<script>"]}, "Due date must be a real date"),
        ({"return_type": "<script>alert(1)</script>"}, "Select the return this window collects"),
        ({"return_type": None}, "Select the return this window collects"),
    ],
)
def test_bad_input_for_a_return_asked_by_age_gets_a_clear_message(admin_client, age_type, borough, overrides, message):
    response = admin_client.post("/admin/windows/new", data=window_data(admin_client, age_type, **overrides))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page and "govuk-error-summary" in page
    assert "<script>alert(1)</script>" not in page
    assert db.session.scalar(select(func.count()).select_from(CollectionWindow)) == 0


def test_hostile_title_is_kept_as_text(admin_client, age_type, borough):
    response = admin_client.post("/admin/windows/new", data=window_data(admin_client, age_type, title="<img src=x onerror=alert(1)>"))
    assert response.status_code == 303
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


def test_editing_keeps_the_return_and_asks_no_phases(admin_client, age_type, borough):
    location = admin_client.post("/admin/windows/new", data=window_data(admin_client, age_type)).headers["Location"]
    window = the_window()
    edit = f"/admin/windows/{window.id}/edit"
    form = admin_client.get(edit).get_data(as_text=True)
    assert RULE in text(form) and 'name="phases"' not in form and "?change=" not in form
    # A forged post that would turn the window into another return, with phases, changes neither.
    data = window_data(admin_client, age_type, return_type="sef", phases=["Primary"], due_on=["23", "10", "2026"])
    assert admin_client.post(edit, data=data).status_code == 303
    db.session.refresh(window)
    assert (window.return_type, window.phases, str(window.due_on)) == (age_type.key, [], "2026-10-23")
    assert "Schools asked (3)" in admin_client.get(location).get_data(as_text=True)


def test_a_window_whose_return_is_no_longer_offered_still_shows(admin_client, age_type, borough):
    admin_client.post("/admin/windows/new", data=window_data(admin_client, age_type))
    window = the_window()
    from app.engine import registry

    registry.unregister(age_type.key)  # as when a type leaves RETURN_TYPES; the fixture's own unregister is then a no-op
    assert admin_client.get("/admin/windows").status_code == 200
    page = admin_client.get(f"/admin/windows/{window.id}").get_data(as_text=True)
    assert "no longer offered" in page and "Schools asked (0)" in page
    assert admin_client.get(f"/admin/windows/{window.id}/edit").status_code == 404
