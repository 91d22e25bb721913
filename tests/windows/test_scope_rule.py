"""Each scope is written twice, as SQL (schools_in_scope and the counts, for lists) and in Python
(asks, for one school already loaded): the two must agree on every kind of school and window. So
must the two answers to "which schools can the rule not place?", and such a school is never asked."""

from __future__ import annotations

from datetime import date
from itertools import product

import pytest

from app.engine.scope import ASKABLE_PHASES, AgeScope, PhaseScope
from app.extensions import db
from app.models import CollectionWindow
from app.models.schools import PHASES
from app.services import windows as window_service

MAINSTREAM = "Academy converter"
# Every phase GIAS has, as a mainstream school, a special school and alternative provision; then
# the age ranges that decide an age rule, the records that cannot be placed, and closed schools.
KINDS = [
    *({"phase": phase, "establishment_type": MAINSTREAM} for phase in PHASES),
    *({"phase": phase, "establishment_type": "Community special school", "statutory_low_age": 2, "statutory_high_age": 19} for phase in ("Not applicable", "Secondary")),
    {"phase": "Not applicable", "establishment_type": "Academy alternative provision converter", "statutory_low_age": 11, "statutory_high_age": 16},
    {"phase": "Not applicable", "establishment_type": "Pupil referral unit", "statutory_low_age": 5, "statutory_high_age": 11},
    {"phase": "Not applicable", "establishment_type": "FOUNDATION SPECIAL SCHOOL", "statutory_low_age": 11, "statutory_high_age": 19},
    {"phase": "All-through", "establishment_type": "Free schools", "statutory_low_age": 4, "statutory_high_age": 16},
    {"phase": "Middle deemed secondary", "establishment_type": MAINSTREAM, "statutory_low_age": 9, "statutory_high_age": 13},
    {"phase": "Middle deemed primary", "establishment_type": MAINSTREAM, "statutory_low_age": 8, "statutory_high_age": 12},
    {"phase": "Primary", "establishment_type": "Community school", "statutory_low_age": 3, "statutory_high_age": 11},
    {"phase": "Nursery", "establishment_type": "Local authority nursery school", "statutory_low_age": 2, "statutory_high_age": 5},
    {"phase": "Secondary", "establishment_type": MAINSTREAM, "statutory_low_age": 11, "statutory_high_age": 18},
    {"phase": "16 plus", "establishment_type": "Further education", "statutory_low_age": 16, "statutory_high_age": 19},
    # What the register may lack: no age range, or only half of it; no phase; a phase in the wrong case.
    {"phase": "Secondary", "establishment_type": MAINSTREAM, "statutory_low_age": None, "statutory_high_age": None},
    {"phase": "Primary", "establishment_type": MAINSTREAM, "statutory_low_age": 4, "statutory_high_age": None},
    {"phase": "Not applicable", "establishment_type": "Community special school", "statutory_low_age": None, "statutory_high_age": None},
    {"phase": "", "establishment_type": MAINSTREAM},
    {"phase": "", "establishment_type": "Academy special converter"},
    {"phase": "primary", "establishment_type": MAINSTREAM},
    {"phase": "Not applicable", "establishment_type": "Other independent school", "statutory_low_age": 3, "statutory_high_age": 18},
    # Closed and soon-to-close schools of several kinds.
    {"phase": "Primary", "establishment_type": "Community school", "status": "Closed"},
    {"phase": "Secondary", "establishment_type": MAINSTREAM, "statutory_low_age": 11, "statutory_high_age": 16, "status": "Closed"},
    {"phase": "Secondary", "establishment_type": MAINSTREAM, "statutory_low_age": None, "statutory_high_age": None, "status": "Closed"},
    {"phase": "", "establishment_type": MAINSTREAM, "status": "Closed"},
    {"phase": "Not applicable", "establishment_type": "Community special school", "status": "Closed"},
    {"phase": "Secondary", "establishment_type": MAINSTREAM, "status": "Open, but proposed to close", "statutory_low_age": 11, "statutory_high_age": 16},
    {"phase": "Primary", "establishment_type": MAINSTREAM, "status": "Proposed to open"},
]

PHASE_SETTINGS = list(product((["Primary"], ["Secondary", "All-through"], list(ASKABLE_PHASES), []), (True, False), (True, False)))


@pytest.fixture
def schools(factory):
    return [factory.school(name=f"Kind {number}", **kind) for number, kind in enumerate(KINDS)]


def make_window(return_type: str, number: int, phases=(), special=False, alternative=False) -> CollectionWindow:
    window = CollectionWindow(
        return_type=return_type, academic_year="2026/27", period=f"p{number}", title=f"Window {number}",
        opens_on=date(2026, 9, 1), due_on=date(2026, 10, 16), phases=list(phases),
        include_special=special, include_alternative_provision=alternative,
    )
    db.session.add(window)
    db.session.flush()
    return window


def check_sql_and_python_agree(window, schools) -> set[int]:
    scope = window_service.scope_of(window)
    asked = {school.id for school, _exception in window_service.schools_in_scope(window)}
    undecided = {school.id: why for school, why in window_service.undecided_schools(window)}
    assert window_service.scope_count(window) == len(asked)
    for school in schools:
        described = (school.phase, school.establishment_type, school.statutory_high_age, school.status)
        assert window_service.asks(window, school) == (school.id in asked), described
        why = scope.why_undecided(window, school)
        assert (school.is_open and why is not None) == (school.id in undecided), described
        if school.id in undecided:
            assert undecided[school.id] == why and why, described
            assert school.id not in asked, described  # never asked and undecided at once
    return asked


@pytest.mark.parametrize("phases, special, alternative", PHASE_SETTINGS)
def test_the_phase_rule_agrees_with_itself(schools, phases, special, alternative):
    window = make_window("sef", 0, phases, special, alternative)
    asked = check_sql_and_python_agree(window, schools)
    assert all(school.is_open for school in schools if school.id in asked)


@pytest.mark.parametrize("phases, special, alternative", PHASE_SETTINGS[:4])
def test_the_age_rule_agrees_with_itself_whatever_the_window_says_of_phases(age_type, schools, phases, special, alternative):
    window = make_window(age_type.key, 0, phases, special, alternative)
    check_sql_and_python_agree(window, schools)


def test_the_age_rule_asks_year_7_and_above(age_type, factory):
    asked = {
        "all-through 4-16": factory.school(phase="All-through", statutory_low_age=4, statutory_high_age=16),
        "middle 9-13": factory.school(phase="Middle deemed secondary", statutory_low_age=9, statutory_high_age=13),
        "middle 8-12": factory.school(phase="Middle deemed primary", statutory_low_age=8, statutory_high_age=12),
        "special 11-19": factory.school(phase="Not applicable", establishment_type="Community special school", statutory_low_age=11, statutory_high_age=19),
        "secondary 11-16, proposed to close": factory.school(phase="Secondary", statutory_low_age=11, statutory_high_age=16, status="Open, but proposed to close"),
    }
    not_asked = {
        "primary 3-11": factory.school(phase="Primary", statutory_low_age=3, statutory_high_age=11),
        "nursery 2-5": factory.school(phase="Nursery", statutory_low_age=2, statutory_high_age=5),
        "closed secondary": factory.school(phase="Secondary", statutory_low_age=11, statutory_high_age=18, status="Closed"),
        "closed, no age range": factory.school(phase="Secondary", statutory_low_age=None, statutory_high_age=None, status="Closed"),
    }
    unknown = factory.school(phase="Secondary", statutory_low_age=None, statutory_high_age=None)
    window = make_window(age_type.key, 1)
    in_scope = {school.id for school, _ in window_service.schools_in_scope(window)}
    assert in_scope == {school.id for school in asked.values()}
    assert window_service.undecided_schools(window) == [(unknown, "No statutory age range is recorded")]
    for name, school in {**asked, **not_asked}.items():
        assert window_service.asks(window, school) == (name in asked), name


def test_the_phase_rule_lists_schools_it_cannot_place(factory):
    placed = [
        factory.school(phase=phase) for phase in ASKABLE_PHASES
    ] + [factory.school(phase="Not applicable", establishment_type="Community special school")]
    no_phase = factory.school(name="Blank", phase="")
    independent = factory.school(name="Independent", phase="Not applicable", establishment_type="Other independent school")
    factory.school(name="Closed blank", phase="", status="Closed")
    window = make_window("sef", 2, ASKABLE_PHASES, True, True)
    undecided = window_service.undecided_schools(window)
    assert [school for school, _ in undecided] == [no_phase, independent]
    assert undecided[0][1] == "No phase of education is recorded"
    assert "Not applicable" in undecided[1][1] and "Other independent school" in undecided[1][1]
    assert {school.id for school, _ in window_service.schools_in_scope(window)} == {school.id for school in placed}


def test_a_window_whose_return_is_no_longer_offered_asks_nobody(schools):
    window = make_window("withdrawn", 3, ASKABLE_PHASES, True, True)
    assert window_service.schools_in_scope(window) == [] and window_service.undecided_schools(window) == []
    assert not any(window_service.asks(window, school) for school in schools)
    assert window_service.all_windows() == [(window, 0)]


def test_phase_scope_defaults():
    assert PhaseScope().default_phases == ASKABLE_PHASES
    assert PhaseScope(["Secondary", "All-through"]).default_phases == ("Secondary", "All-through")
    with pytest.raises(ValueError):
        PhaseScope(["Not applicable"])  # a window cannot ask it: its schools go by their kind


def test_each_rule_describes_itself():
    assert "phases you choose" in PhaseScope().describe(None)
    window = CollectionWindow(phases=["Primary", "Secondary"], include_special=True, include_alternative_provision=False)
    assert PhaseScope().describe(window) == "Open schools of these phases: primary, secondary; and special schools."
    age = AgeScope(12, "with pupils in year 7 or above")
    assert age.describe(None) == age.describe(window) == (
        "Open schools with pupils in year 7 or above (a statutory high age of 12 or more), whatever their phase."
    )
