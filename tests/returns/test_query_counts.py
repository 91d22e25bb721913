"""A return's pages load in the same number of queries whether the borough has 5 schools with returns or 200.

(The officers' review queue and review page are counted in tests/review.)"""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Return, Role, User
from app.engine import lifecycle
from tests.returns.test_sef_sections import VALID_JSON, World


@pytest.fixture
def world(app, factory) -> World:
    return World(app, factory)


def add_schools_with_returns(world: World, count: int) -> None:
    """Schools asked by the same window, each with a return whose every section is saved; half submitted."""
    for n in range(count):
        school = world.factory.school(phase="All-through", statutory_low_age=3, statutory_high_age=18, has_early_years=True, has_sixth_form=True)
        head = User(email=f"head{school.id}@example.org", name=f"Head {n}", role=Role.SCHOOL.value, school_id=school.id, approver=True, password_hash="x", active=True)
        db.session.add(head)
        db.session.flush()
        ret = lifecycle.start(head, world.window, school, answers=VALID_JSON)
        if n % 2:
            world.complete(ret)
            lifecycle.perform(lifecycle.SUBMIT, ret, head)
    db.session.flush()


def pages(ret: Return) -> dict[str, tuple[str, str]]:
    return {
        "task list (school)": ("approver", f"/returns/{ret.id}"),
        "task list (officer)": ("officer", f"/returns/{ret.id}"),
        "check your answers": ("approver", f"/returns/{ret.id}/check"),
        "section": ("approver", f"/returns/{ret.id}/sections/priorities"),
        "school home": ("approver", "/school"),
    }


def counts(world: World, ret: Return, count_queries) -> dict[str, int]:
    found = {}
    for name, (who, path) in pages(ret).items():
        browser = world.browser(who)
        browser.get(path)  # warm: the first request of a client may load what later ones reuse
        with count_queries() as counter:
            response = browser.get(path)
        assert response.status_code == 200, (name, response.status_code)
        found[name] = counter.count
    return found


def test_a_returns_pages_do_not_grow_with_the_number_of_schools(world, count_queries):
    # The school's own return has a history: submitted, returned for changes, sections saved since.
    ret = world.in_state("returned")
    add_schools_with_returns(world, 4)
    with_five = counts(world, ret, count_queries)
    add_schools_with_returns(world, 195)
    assert db.session.query(Return).count() == 200
    with_two_hundred = counts(world, ret, count_queries)
    assert with_two_hundred == with_five, (with_five, with_two_hundred)
    assert all(count < 40 for count in with_five.values()), with_five
