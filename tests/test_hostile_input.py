"""Hostile input that once made server errors: ids beyond the database's integer range in a URL, and
row numbers in other scripts' digits in a list section ("priorities-²-title").

Ids: every rule in app.url_map with an integer argument, for every role, by GET and POST (with a
valid CSRF token), with each integer argument in turn out of range and the others naming real
objects: a 404 (the rule does not match), never a 500, and nothing changed. The largest id that
fits (2**31 - 1) still reaches the page, which answers 404 because there is no such object.

Row numbers: WTForms' FieldList took any str.isdigit() index, so "²" failed in int() (a 500) and
"٣" quietly became row 3. Through the full save, the autosave, the field check and the row buttons,
such keys are ignored like any field the form does not have: a clear message when what is left is
not enough, nothing of theirs stored, never a 500.
"""

from __future__ import annotations

import pytest
from flask import url_for
from werkzeug.routing import IntegerConverter

from app.converters import LARGEST_ID
from app.models.returns import SECTION_IN_PROGRESS
from tests.conftest import csrf_token, sign_in
from tests.returns.test_sef_sections import VALID_JSON, World, priority_rows, save, section_path, stored, text, without_row_ids
from tests.test_permissions import database_state

ROLES = ("anonymous", "school", "officer", "admin")
OUT_OF_RANGE = {
    "2**31": str(2**31),
    "10**30": str(10**30),
    "2**63": str(2**63),
    "arabic-indic three": "٣",
    "superscript two": "²",
    "fullwidth twelve": "１２",
}
SENTINEL = 7_777_777  # stands for the argument under test while the URL is built


@pytest.fixture
def world(app, factory) -> World:
    return World(app, factory)


def database_fingerprint() -> dict:
    """Every row of every table but the audit trail, where each refusal rightly records itself."""
    state = database_state()
    state.pop("audit_events", None)
    return state


def real_ids(world: World, ret) -> dict[str, object]:
    """A real object for every kind of argument the rules take."""
    return {
        "return_id": ret.id,
        "window_id": world.window.id,
        "school_id": world.school.id,
        "user_id": world.contributor.id,
        "run_id": 1,
        "number": 1,
        "key": "priorities",
        "step_key": "respond",
        "version_id": 1,
        "return_type": "sef",
        "row_id": "a00000000001",
    }


def int_routes(app) -> list[tuple[object, str, str]]:
    """(rule, method, argument) for every integer argument of every rule, by every method."""
    found = []
    for rule in app.url_map.iter_rules():
        ints = [name for name, converter in rule._converters.items() if isinstance(converter, IntegerConverter)]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.extend((rule, method, name) for name in ints)
    return found


def test_the_walk_covers_every_page_that_loads_an_object_by_id(app):
    endpoints = {rule.endpoint for rule, _method, _name in int_routes(app)}
    # A few that must be there, so a change in how rules are read cannot make this walk empty.
    assert {"schools.school_page", "review.review", "admin.user", "windows.window", "returns.section", "review.submission"} <= endpoints
    assert len(int_routes(app)) >= 35


def client_for(app, world: World, role: str):
    client = app.test_client()
    if role != "anonymous":
        sign_in(client, {"school": world.approver, "officer": world.officer, "admin": world.admin}[role])
    return client, csrf_token(client, "/accessibility")


def url_with(app, rule, argument: str, value: str, ids: dict) -> str:
    values = {name: (SENTINEL if name == argument else ids[name]) for name in rule.arguments}
    with app.test_request_context():
        url = url_for(rule.endpoint, **values)
    assert str(SENTINEL) in url
    return url.replace(str(SENTINEL), value)


@pytest.mark.parametrize("hostile", OUT_OF_RANGE.values(), ids=OUT_OF_RANGE.keys())
@pytest.mark.parametrize("role", ROLES)
def test_an_id_out_of_range_is_a_404_on_every_route_for_every_role(app, world, role, hostile):
    ret = world.start()
    ids = real_ids(world, ret)
    client, token = client_for(app, world, role)
    before = database_fingerprint()
    wrong = []
    for rule, method, argument in int_routes(app):
        url = url_with(app, rule, argument, hostile, ids)
        if method == "GET":
            response = client.get(url)
        else:
            response = client.open(url, method=method, data={"csrf_token": token})
        if response.status_code != 404:
            wrong.append(f"{method} {url}: {response.status_code}")
    assert not wrong, f"{role}: expected 404 for an id out of range:\n" + "\n".join(wrong)
    assert database_fingerprint() == before


@pytest.mark.parametrize("role", ROLES)
def test_the_largest_id_that_fits_reaches_the_page_and_finds_nothing(app, world, role):
    """2**31 - 1 is still an id: the rule matches, the permission gate runs, and there is no such
    object (404); anonymous users are sent to sign in first, as for any id."""
    ret = world.start()
    ids = real_ids(world, ret)
    client, token = client_for(app, world, role)
    before = database_fingerprint()
    wrong = []
    for rule, method, argument in int_routes(app):
        url = url_with(app, rule, argument, str(LARGEST_ID), ids)
        response = client.get(url) if method == "GET" else client.open(url, method=method, data={"csrf_token": token})
        if role == "anonymous":
            ok = response.status_code == 302 and "/sign-in?next=" in response.headers["Location"]
        else:
            ok = response.status_code == 404
        if not ok:
            wrong.append(f"{method} {url}: {response.status_code}")
    assert not wrong, f"{role}: expected {'the sign-in redirect' if role == 'anonymous' else 404} for id {LARGEST_ID}:\n" + "\n".join(wrong)
    assert database_fingerprint() == before


def test_an_id_out_of_range_is_a_404_with_htmx_too(app, world):
    ret = world.start()
    client, token = client_for(app, world, "school")
    for path in (f"/returns/{2**31}/sections/priorities/autosave", f"/returns/{2**31}/sections/priorities/validate?field=priorities-0-title"):
        response = client.post(path, data={"csrf_token": token, "version": "0"}, headers={"HX-Request": "true"})
        assert response.status_code == 404, path
    assert stored(ret, "priorities") is None


# ---------------------------------------------------------------------------------------------
# Row numbers in other scripts' digits

# Each passes str.isdigit(); the first three also fail int() (the 500s), the rest are decimal
# digits of other scripts that int() would have read as a row number.
STRANGE_INDICES = {
    "superscript two": "²",
    "superscript three": "³",
    "zero then superscript": "0²",
    "circled one": "①",
    "arabic-indic three": "٣",
    "devanagari one": "१",
    "fullwidth one": "１",
    "nko one": "߁",
}
HOSTILE_TEXT = "Hostile priority that must not be stored"


def strange(index: str) -> dict:
    return {
        f"priorities-{index}-title": HOSTILE_TEXT,
        f"priorities-{index}-la_priority": "attainment",
        f"priorities-{index}-impact": HOSTILE_TEXT,
    }


def nothing_hostile_stored(ret) -> None:
    row = stored(ret, "priorities")
    assert row is None or HOSTILE_TEXT not in repr(row.answers)


@pytest.fixture
def ret(world):
    return world.start()


@pytest.mark.parametrize("index", STRANGE_INDICES.values(), ids=STRANGE_INDICES.keys())
def test_a_full_save_with_only_strange_rows_says_what_is_missing_and_keeps_none_of_them(world, ret, index):
    response = save(world.browser(), ret, "priorities", strange(index))
    assert response.status_code == 422
    page = text(response)
    assert "Enter at least 3 improvement priorities" in page
    assert 'id="priorities-error"' in page, "the message is beside the list"
    assert HOSTILE_TEXT not in page
    # Kept as what the form read: a draft with no priorities yet, in progress; no strange row in it.
    row = stored(ret, "priorities")
    assert row.answers == {"priorities": []} and row.invalid == {} and row.status == SECTION_IN_PROGRESS


@pytest.mark.parametrize("index", STRANGE_INDICES.values(), ids=STRANGE_INDICES.keys())
def test_a_full_save_ignores_a_strange_row_beside_real_ones(world, ret, index):
    response = save(world.browser(), ret, "priorities", {**priority_rows(3), **strange(index)})
    assert response.status_code == 303
    assert without_row_ids(stored(ret, "priorities").answers) == VALID_JSON["priorities"]


@pytest.mark.parametrize("index", STRANGE_INDICES.values(), ids=STRANGE_INDICES.keys())
def test_the_autosave_ignores_strange_rows(world, ret, index):
    response = save(world.browser(), ret, "priorities", {**priority_rows(3), **strange(index)}, autosave=True)
    assert response.status_code == 200
    assert "Saved at" in text(response)
    assert without_row_ids(stored(ret, "priorities").answers) == VALID_JSON["priorities"]
    # Strange rows alone: a draft with no priorities yet, which is what the form said.
    response = save(world.browser(), ret, "priorities", strange(index), autosave=True)
    assert response.status_code < 500
    nothing_hostile_stored(ret)


@pytest.mark.parametrize("index", STRANGE_INDICES.values(), ids=STRANGE_INDICES.keys())
@pytest.mark.parametrize("part", ["title", "la_priority", "impact"])
def test_checking_a_strange_field_is_a_404(world, ret, index, part):
    browser = world.browser()
    name = f"priorities-{index}-{part}"
    response = browser.post(section_path(ret, "priorities", "validate") + f"?field={name}", {name: "x", **strange(index)}, htmx=True)
    assert response.status_code == 404
    assert stored(ret, "priorities") is None


@pytest.mark.parametrize("index", STRANGE_INDICES.values(), ids=STRANGE_INDICES.keys())
@pytest.mark.parametrize("button", ["add-row", "remove-row", "move-row-up", "move-row-down"])
@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_a_row_button_naming_a_strange_row_changes_nothing(world, ret, index, button, htmx):
    browser = world.browser()
    data = {**priority_rows(4), **strange(index), "version": "0", button: f"priorities-{index}"}
    response = browser.post(section_path(ret, "priorities"), data, htmx=htmx)
    assert response.status_code == 200
    page = text(response)
    shown = [f"Priority number {n}" for n in range(1, 5)]
    assert [page.index(f'value="{title}"') for title in shown] == sorted(page.index(f'value="{title}"') for title in shown), "rows in their order"
    assert 'name="priorities-4-title"' not in page, "no row added"
    assert HOSTILE_TEXT not in page
    assert stored(ret, "priorities") is None


@pytest.mark.parametrize("index", STRANGE_INDICES.values(), ids=STRANGE_INDICES.keys())
def test_a_real_row_button_beside_a_strange_row_acts_on_the_real_rows_only(world, ret, index):
    browser = world.browser()
    data = {**priority_rows(4), **strange(index), "version": "0", "move-row-up": "priorities-1"}
    page = text(browser.post(section_path(ret, "priorities"), data))
    assert page.index('value="Priority number 2"') < page.index('value="Priority number 1"')
    assert HOSTILE_TEXT not in page
    assert stored(ret, "priorities") is None


@pytest.mark.parametrize("value", ["priorities-" + "9" * 5000, "priorities-99999", "priorities-" + "1" * 40])
def test_a_row_number_too_long_for_any_list_changes_nothing(world, ret, value):
    browser = world.browser()
    for button in ("remove-row", "move-row-up", "move-row-down"):
        response = browser.post(section_path(ret, "priorities"), {**priority_rows(4), "version": "0", button: value})
        assert response.status_code == 200
        assert text(response).count('-title"') >= 4
    response = save(browser, ret, "priorities", {**priority_rows(3), f"priorities-{'9' * 5000}-title": HOSTILE_TEXT})
    assert response.status_code == 303
    assert without_row_ids(stored(ret, "priorities").answers) == VALID_JSON["priorities"]
