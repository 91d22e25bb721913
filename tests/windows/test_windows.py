"""Collection windows: set-up, validation, which schools are asked, one school's exceptions, due times."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import CollectionWindow, WindowException
from app.services import windows as window_service
from app.services.windows import due_at, is_past_due
from tests.conftest import csrf_token


def window_data(client, **overrides):
    data = {
        "return_type": "sef",
        "academic_year": "2026/27",
        "period": "autumn",
        "title": "Self-evaluation, autumn 2026",
        "opens_on": ["1", "9", "2026"],
        "due_on": ["16", "10", "2026"],
        "phases": ["Primary", "Secondary"],
        "include_special": "y",
        "csrf_token": csrf_token(client, "/admin/windows/new"),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def windows_count() -> int:
    return db.session.scalar(select(func.count()).select_from(CollectionWindow))


@pytest.fixture
def schools(factory):
    return {
        "primary": factory.school(name="Alder Primary", phase="Primary"),
        "secondary": factory.school(name="Birch Academy", phase="Secondary", statutory_low_age=11, statutory_high_age=18),
        "nursery": factory.school(name="Cedar Nursery", phase="Nursery"),
        "special": factory.school(name="Dale School", phase="Not applicable", establishment_type="Community special school"),
        "ap": factory.school(name="Elm Centre", phase="Not applicable", establishment_type="Academy alternative provision converter"),
        "closed": factory.school(name="Fir Primary", phase="Primary", status="Closed"),
    }


def create(admin_client, **overrides):
    return admin_client.post("/admin/windows/new", data=window_data(admin_client, **overrides))


def test_create_a_window_and_see_who_is_asked(admin_client, schools):
    response = create(admin_client)
    assert response.status_code == 303
    window = db.session.scalar(select(CollectionWindow))
    assert (window.return_type, window.opens_on, window.due_on) == ("sef", date(2026, 9, 1), date(2026, 10, 16))
    assert window.include_special and not window.include_alternative_provision
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    for asked in ("Alder Primary", "Birch Academy", "Dale School"):
        assert asked in page
    for not_asked in ("Cedar Nursery", "Elm Centre", "Fir Primary"):
        assert not_asked not in page
    assert "Schools asked (3)" in page
    listing = admin_client.get("/admin/windows").get_data(as_text=True)
    assert "Self-evaluation, autumn 2026" in listing


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"due_on": ["31", "8", "2026"]}, "due_on", "The due date must be the same as or after the opening date"),
        ({"title": ""}, "title", "Enter a title"),
        ({"title": "x" * 121}, "title", "Title must be 120 characters or fewer"),
        ({"return_type": None}, "return_type", "Select the return this window collects"),
        ({"return_type": "tax-return"}, "return_type", "Select the return this window collects"),
        ({"period": "winter"}, "period", "Select the period"),
        ({"academic_year": "1999/00"}, "academic_year", "Select an academic year from the list"),
        ({"phases": None}, "phases", "Select at least one phase of school"),
        ({"phases": ["Primary", "Kindergarten"]}, "phases", "Select phases from the list"),
        ({"opens_on": None}, "opens_on", "Enter the opening date"),
        ({"opens_on": ["31", "2", "2027"]}, "opens_on", "Opening date must be a real date"),
        ({"opens_on": ["1", "9"]}, "opens_on", "Opening date must be a real date"),
        ({"opens_on": ["1"]}, "opens_on", "Opening date must be a real date"),
        ({"opens_on": ["1", "9", "2026", "7"]}, "opens_on", "Opening date must be a real date"),
        ({"opens_on": ["one", "9", "2026"]}, "opens_on", "Opening date must be a real date"),
        ({"opens_on": ["1", "9", "26"]}, "opens_on", "Opening date must be a real date"),
        ({"due_on": ["16", "10", "2026' OR 1=1"]}, "due_on", "Due date must be a real date"),
    ],
)
def test_bad_input_is_refused_beside_the_field(admin_client, schools, overrides, field, message):
    response = create(admin_client, **overrides)
    page = response.get_data(as_text=True)
    assert response.status_code == 422, page[:300]
    assert message in page and "govuk-error-summary" in page
    assert f'id="{field}-error"' in page or f'{field}-error' in page
    assert windows_count() == 0


def test_a_second_window_for_the_same_return_and_period_is_refused(admin_client, schools):
    assert create(admin_client).status_code == 303
    response = create(admin_client, title="Another one")
    assert response.status_code == 422
    assert "There is already a school self-evaluation window for autumn 2026/27" in response.get_data(as_text=True)
    assert windows_count() == 1
    assert create(admin_client, period="spring", title="Spring").status_code == 303


def test_hostile_text_comes_back_escaped(admin_client, schools):
    response = create(admin_client, title="<script>alert(1)</script>")
    assert response.status_code == 303
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_forged_csrf_creates_nothing(admin_client, schools):
    assert create(admin_client, csrf_token="forged").status_code == 400
    assert windows_count() == 0


def test_edit_close_and_reopen(admin_client, schools):
    location = create(admin_client).headers["Location"]
    window = db.session.scalar(select(CollectionWindow))
    token = csrf_token(admin_client, location)
    data = window_data(admin_client, due_on=["23", "10", "2026"], include_alternative_provision="y")
    assert admin_client.post(f"/admin/windows/{window.id}/edit", data=data).status_code == 303
    db.session.refresh(window)
    assert window.due_on == date(2026, 10, 23)
    assert "Elm Centre" in admin_client.get(location).get_data(as_text=True)
    # Closing asks first: a post without the confirmation shows the question and changes nothing.
    asked = admin_client.post(f"/admin/windows/{window.id}/close", data={"csrf_token": token})
    assert asked.status_code == 200 and "Close this window early for everyone?" in asked.get_data(as_text=True)
    db.session.refresh(window)
    assert window.closed_at is None
    assert admin_client.post(f"/admin/windows/{window.id}/close", data={"csrf_token": token, "confirm": "yes"}).status_code == 303
    db.session.refresh(window)
    assert window.closed_at is not None
    assert "Closed early on" in admin_client.get(location).get_data(as_text=True)
    assert admin_client.post(f"/admin/windows/{window.id}/reopen", data={"csrf_token": token}).status_code == 303
    db.session.refresh(window)
    assert window.closed_at is None


class TestOneSchool:
    def setup_window(self, admin_client):
        location = create(admin_client).headers["Location"]
        return db.session.scalar(select(CollectionWindow)), csrf_token(admin_client, location)

    def test_extend_for_one_school(self, admin_client, schools):
        window, token = self.setup_window(admin_client)
        response = admin_client.post(
            f"/admin/windows/{window.id}/exceptions",
            data={"school_id": str(schools["primary"].id), "due_on": ["30", "10", "2026"], "reason": "New head started", "csrf_token": token},
        )
        assert response.status_code == 303
        exception = db.session.scalar(select(WindowException))
        assert (exception.school_id, exception.due_on, exception.closed_at) == (schools["primary"].id, date(2026, 10, 30), None)
        page = admin_client.get(f"/admin/windows/{window.id}").get_data(as_text=True)
        assert "30 October 2026" in page and "New head started" in page
        removed = admin_client.post(f"/admin/windows/{window.id}/exceptions/{schools['primary'].id}/remove", data={"csrf_token": token})
        assert removed.status_code == 303
        assert db.session.scalar(select(func.count()).select_from(WindowException)) == 0

    def test_close_for_one_school(self, admin_client, schools):
        window, token = self.setup_window(admin_client)
        response = admin_client.post(
            f"/admin/windows/{window.id}/exceptions",
            data={"school_id": str(schools["secondary"].id), "close": "y", "csrf_token": token},
        )
        assert response.status_code == 303
        assert db.session.scalar(select(WindowException.closed_at)) is not None

    @pytest.mark.parametrize(
        "data, message",
        [
            ({"school_id": ""}, "Select a school from the list"),
            ({"school_id": "999999", "due_on": ["30", "10", "2026"]}, "Select a school from the list"),
            ({"school_id": "PRIMARY"}, "Enter a new due date, or choose to close the window for this school"),
            ({"school_id": "PRIMARY", "due_on": ["1", "1", "2026"]}, "on or after the window&#39;s opening date"),
            ({"school_id": "PRIMARY", "due_on": ["30", "10"]}, "must be a real date"),
            ({"school_id": "PRIMARY", "due_on": ["30", "10", "2026"], "reason": "x" * 501}, "Reason must be 500 characters or fewer"),
        ],
    )
    def test_bad_input(self, admin_client, schools, data, message):
        window, token = self.setup_window(admin_client)
        if data.get("school_id") == "PRIMARY":
            data = {**data, "school_id": str(schools["primary"].id)}
        response = admin_client.post(f"/admin/windows/{window.id}/exceptions", data={**data, "csrf_token": token})
        assert response.status_code == 422
        assert message in response.get_data(as_text=True)
        assert db.session.scalar(select(func.count()).select_from(WindowException)) == 0

    def test_a_school_not_asked_cannot_be_given_an_exception(self, admin_client, schools):
        window, token = self.setup_window(admin_client)
        response = admin_client.post(
            f"/admin/windows/{window.id}/exceptions",
            data={"school_id": str(schools["nursery"].id), "due_on": ["30", "10", "2026"], "csrf_token": token},
        )
        assert response.status_code == 422


class TestDueTime:
    """Due by 23:59 Europe/London on the due date, on either side of a clock change."""

    @pytest.mark.parametrize(
        "due_on, last_minute_utc",
        [
            (date(2026, 10, 24), datetime(2026, 10, 24, 22, 59, tzinfo=timezone.utc)),  # still BST
            (date(2026, 10, 25), datetime(2026, 10, 25, 23, 59, tzinfo=timezone.utc)),  # clocks went back that morning
            (date(2027, 3, 28), datetime(2027, 3, 28, 22, 59, tzinfo=timezone.utc)),  # clocks went forward that morning
        ],
    )
    def test_23_59_is_on_time_and_midnight_is_late(self, due_on, last_minute_utc):
        assert due_at(due_on).astimezone(timezone.utc).replace(second=0, microsecond=0) == last_minute_utc
        assert not is_past_due(due_on, last_minute_utc)
        assert not is_past_due(due_on, last_minute_utc.replace(second=59))
        midnight = last_minute_utc + timedelta(minutes=1)
        assert is_past_due(due_on, midnight)


def test_the_first_question_is_the_return_with_each_rule_beside_it(admin_client):
    page = admin_client.get("/admin/windows/new").get_data(as_text=True)
    assert re.search(r'<legend class="govuk-fieldset__legend[^"]*">\s*<h1 class="govuk-fieldset__heading">\s*Which return does this window collect\?', page)
    assert re.search(r'School self-evaluation\s*</label>\s*<div id="return_type(?:-\d+)?-item-hint" class="govuk-hint govuk-radios__hint">\s*Open schools of the phases you choose', page)
    assert '<form method="get" action="/admin/windows/new"' in page


def test_every_question_on_the_form_has_its_legend(admin_client):
    page = admin_client.get("/admin/windows/new?return_type=sef").get_data(as_text=True)
    for legend in ("Period", "Opening date", "Due date", "Which phases are asked?"):
        assert re.search(r'<legend class="govuk-fieldset__legend[^"]*">\s*' + re.escape(legend), page), legend
    # A new window starts with every phase its return asks by default.
    for phase in ("Nursery", "Primary", "Secondary", "16 plus", "All-through"):
        assert re.search(r'value="' + re.escape(phase) + r'" checked', page), phase


def test_change_goes_back_to_the_first_question_with_the_return_chosen(admin_client):
    page = admin_client.get("/admin/windows/new?return_type=sef").get_data(as_text=True)
    assert 'href="/admin/windows/new?change=sef"' in page
    first = admin_client.get("/admin/windows/new?change=sef").get_data(as_text=True)
    assert 'value="sef" checked' in first


@pytest.mark.parametrize("chosen", ["", "tax-return", '"><script>alert(1)</script>'])
def test_an_unknown_return_on_the_first_question_is_asked_again(admin_client, chosen):
    response = admin_client.get("/admin/windows/new", query_string={"return_type": chosen})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Select the return this window collects" in page and "govuk-error-summary" in page
    assert "<script>alert(1)</script>" not in page


def test_continue_with_no_return_chosen_asks_for_one(admin_client):
    response = admin_client.get("/admin/windows/new?continue=1")
    assert response.status_code == 422
    assert "Select the return this window collects" in response.get_data(as_text=True)


def test_a_new_window_starts_with_its_returns_default_phases(admin_client):
    from app.engine import registry
    from app.engine.registry import ReturnType
    from app.engine.scope import PhaseScope

    secondary_only = ReturnType(key="phase_test", title="Secondary return (test)", summary="Only in the tests", scope=PhaseScope(["Secondary", "All-through"]))
    registry.register(secondary_only)
    try:
        page = admin_client.get("/admin/windows/new?return_type=phase_test").get_data(as_text=True)
    finally:
        registry.unregister(secondary_only.key)
    checked = re.findall(r'name="phases" type="checkbox" value="([^"]+)" checked', page)
    assert checked == ["Secondary", "All-through"]
    assert "Which phases are asked?" in page


def test_closing_early_names_the_schools_still_working_and_needs_confirming(admin_client, schools, factory):
    from app.engine import lifecycle
    from app.models import Role

    location = create(admin_client).headers["Location"]
    window = db.session.scalar(select(CollectionWindow))
    asked = [school for school, _ in window_service.schools_in_scope(window)]
    heads = [factory.user(Role.SCHOOL, school=school, approver=True) for school in asked[:2]]
    for head, school in zip(heads, asked[:2]):
        lifecycle.start(head, window, school)
    page = admin_client.get(f"/admin/windows/{window.id}/close")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "2 schools have a return open that they are still working on" in text
    assert re.search(r'<button value="yes" type="submit" name="confirm"', text) and f'href="{location}"' in text.replace("http://localhost", "")
    token = csrf_token(admin_client, location)
    for data in ({"csrf_token": token}, {"csrf_token": token, "confirm": "no"}, {"csrf_token": token, "confirm": "<script>"}):
        assert admin_client.post(f"/admin/windows/{window.id}/close", data=data).status_code == 200
        db.session.refresh(window)
        assert window.closed_at is None
    assert admin_client.post(f"/admin/windows/{window.id}/close", data={"confirm": "yes"}).status_code == 400, "no token, no change"
    db.session.refresh(window)
    assert window.closed_at is None
    assert admin_client.post(f"/admin/windows/{window.id}/close", data={"csrf_token": token, "confirm": "yes"}).status_code == 303
    db.session.refresh(window)
    assert window.closed_at is not None
    # Once closed, the page does not ask again.
    assert admin_client.get(f"/admin/windows/{window.id}/close").status_code == 303
