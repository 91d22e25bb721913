"""The scope rule is written twice, as SQL (schools_in_scope, for lists) and in Python (asks, for one
school already loaded): the two must agree on every kind of school and window."""

from __future__ import annotations

from datetime import date
from itertools import product

from app.extensions import db
from app.models import CollectionWindow
from app.services import windows as window_service

KINDS = [
    {"phase": "Primary", "establishment_type": "Community school"},
    {"phase": "Secondary", "establishment_type": "Academy converter"},
    {"phase": "All-through", "establishment_type": "Free schools"},
    {"phase": "Not applicable", "establishment_type": "Community special school"},
    {"phase": "Not applicable", "establishment_type": "Academy alternative provision converter"},
    {"phase": "Not applicable", "establishment_type": "Pupil referral unit"},
    {"phase": "Primary", "establishment_type": "Community school", "status": "Closed"},
]


def test_asks_agrees_with_schools_in_scope(factory):
    schools = [factory.school(**kind) for kind in KINDS]
    for number, (phases, special, alternative) in enumerate(product((["Primary"], ["Secondary", "All-through"], []), (True, False), (True, False))):
        window = CollectionWindow(
            return_type="sef", academic_year="2026/27", period=f"p{number}", title=f"Window {number}",
            opens_on=date(2026, 9, 1), due_on=date(2026, 10, 16), phases=phases,
            include_special=special, include_alternative_provision=alternative,
        )
        db.session.add(window)
        db.session.flush()
        in_sql = {school.id for school, _exception in window_service.schools_in_scope(window)}
        for school in schools:
            assert window_service.asks(window, school) == (school.id in in_sql), (school.phase, school.establishment_type, phases, special, alternative)
