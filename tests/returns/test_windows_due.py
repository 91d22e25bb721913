"""Late or on time, as recorded on the submission: 23:59:59 London on the due date is on time and
midnight is late, on either side of the clock changes; one school's extension moves only its own due time.

(tests/windows checks due_at/is_past_due themselves; these check what a submission records.)"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from app.extensions import db
from app.models import Role, WindowException
from app.engine import lifecycle
from app.engine.history import submissions_of
from tests.returns.test_sef_sections import World, make_window

UTC = timezone.utc

# (due date, the last second that is on time, in UTC)
EDGES = [
    (date(2026, 10, 24), datetime(2026, 10, 24, 22, 59, 59, tzinfo=UTC)),  # the day before the clocks go back: BST
    (date(2026, 10, 25), datetime(2026, 10, 25, 23, 59, 59, tzinfo=UTC)),  # the clocks went back at 02:00: GMT
    (date(2027, 3, 27), datetime(2027, 3, 27, 23, 59, 59, tzinfo=UTC)),  # the day before the clocks go forward: GMT
    (date(2027, 3, 28), datetime(2027, 3, 28, 22, 59, 59, tzinfo=UTC)),  # the clocks went forward at 01:00: BST
]


@pytest.fixture
def world(app, factory) -> World:
    return World(app, factory)


def submitted_at(world: World, school, approver, moment: datetime, window=None):
    ret = lifecycle.start(approver, window or world.window, school)
    world.complete(ret)
    lifecycle.perform(lifecycle.SUBMIT, ret, approver, now=moment)
    db.session.flush()
    return ret


@pytest.mark.parametrize("due_on, last_second", EDGES, ids=[str(due_on) for due_on, _ in EDGES])
def test_the_last_second_of_the_due_date_in_london_is_on_time_and_midnight_is_late(world, due_on, last_second):
    window = make_window(academic_year="2030/31", opens_on=min(date.today(), due_on) - timedelta(days=30), due_on=due_on)
    late_school = world.factory.school(phase="All-through", has_early_years=True, has_sixth_form=True)
    late_head = world.factory.user(Role.SCHOOL, school=late_school, approver=True)

    on_time = submitted_at(world, world.school, world.approver, last_second, window)
    late = submitted_at(world, late_school, late_head, last_second + timedelta(seconds=1), window)

    assert (on_time.late, [row.submission for row in submissions_of(on_time)][0].late) == (False, False)
    assert (late.late, [row.submission for row in submissions_of(late)][0].late) == (True, True)
    midnight_in_london = (last_second + timedelta(seconds=1)).astimezone(ZoneInfo("Europe/London"))
    assert (midnight_in_london.hour, midnight_in_london.minute, midnight_in_london.date()) == (0, 0, due_on + timedelta(days=1))
    # Overdue turns on at the same moment for a school that has not submitted.
    assert not lifecycle.is_overdue(None, window, world.other_school.id, last_second)
    assert lifecycle.is_overdue(None, window, world.other_school.id, last_second + timedelta(seconds=1))


def test_one_schools_extension_makes_only_its_submission_on_time(world):
    due_on, last_second = EDGES[1]
    window = make_window(academic_year="2030/31", opens_on=min(date.today(), due_on) - timedelta(days=30), due_on=due_on)
    extended = world.factory.school(phase="All-through", has_early_years=True, has_sixth_form=True)
    extended_head = world.factory.user(Role.SCHOOL, school=extended, approver=True)
    db.session.add(WindowException(window_id=window.id, school_id=extended.id, due_on=due_on + timedelta(days=7), reason="Flooding"))
    db.session.flush()

    a_day_late = last_second + timedelta(days=1)
    assert submitted_at(world, extended, extended_head, a_day_late, window).late is False
    assert submitted_at(world, world.school, world.approver, a_day_late, window).late is True
    # The extension ends at 23:59:59 London on its own date.
    assert not lifecycle.is_overdue(None, window, extended.id, last_second + timedelta(days=7))
    assert lifecycle.is_overdue(None, window, extended.id, last_second + timedelta(days=7, seconds=1))
