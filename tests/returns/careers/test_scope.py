"""Which schools a careers window asks: those with pupils in year 7 or above (a statutory high age of
12 or more), whatever their phase or kind. Checked for every kind of school in the demo borough,
with the window's SQL and the one-school check agreeing; a school with no age range recorded is
listed for the administrator, never dropped. And the year groups each of them is asked about."""

from __future__ import annotations

import pytest

from app.demo import DEMO_SCHOOLS
from app.returns.careers.forms import phases_taught, years_taught
from app.services import windows as window_service
from tests.returns.test_sef_sections import make_window

ASKED = {
    "Thornwick First and Middle School", "Ridgeway Middle School", "Fenmoor Academy", "Castlebrook High School",
    "St Hilda's Church of England High School", "Northmarsh School", "Eastwater Academy", "Fenmoor Sixth Form College",
    "Harbourside All-Through School", "Meadowview School", "Brambleside School", "The Lantern Centre",
}


@pytest.fixture
def borough(factory):
    schools = [
        factory.school(name=demo.name, phase=demo.phase, establishment_type=demo.kind, statutory_low_age=demo.ages[0], statutory_high_age=demo.ages[1])
        for demo in DEMO_SCHOOLS
    ]
    unknown = factory.school(name="Gorse Academy", phase="Secondary", statutory_low_age=None, statutory_high_age=None)
    closed = factory.school(name="Fig Secondary", phase="Secondary", statutory_low_age=11, statutory_high_age=18, status="Closed")
    return schools, unknown, closed


def test_the_window_asks_every_demo_school_with_year_7_or_above_and_no_other(borough):
    schools, unknown, closed = borough
    window = make_window(return_type="careers", title="Careers benchmark return, autumn 2026", phases=[])
    by_sql = {school.name for school, _ in window_service.schools_in_scope(window)}
    assert by_sql == ASKED
    by_python = {school.name for school in [*schools, unknown, closed] if window_service.asks(window, school)}
    assert by_python == by_sql
    assert {school.name for school, why in window_service.undecided_schools(window)} == {"Gorse Academy"}
    assert "No statutory age range is recorded" in [why for _, why in window_service.undecided_schools(window)]


@pytest.mark.parametrize(
    "ages, years, phases",
    [
        ((4, 11), (), ()),
        ((2, 5), (), ()),
        ((4, 12), (7,), ()),
        ((9, 13), (7, 8), ((8, 9),)),
        ((11, 16), (7, 8, 9, 10, 11), ((8, 9), (10, 11))),
        ((11, 18), (7, 8, 9, 10, 11, 12, 13), ((8, 9), (10, 11), (12, 13))),
        ((16, 19), (12, 13), ((12, 13),)),
        ((2, 19), (7, 8, 9, 10, 11, 12, 13), ((8, 9), (10, 11), (12, 13))),
        ((None, None), (), ()),
    ],
)
def test_the_year_groups_and_key_phases_each_age_range_is_asked(ages, years, phases):
    assert years_taught(*ages) == years
    assert phases_taught(years) == phases
