"""The permission matrix (tests/test_permissions.py) for every return type the app loads: every
route that takes a return, a section, a submission or a return type, in every role, answers for a
return of each type exactly as the matrix says, and a refused request changes nothing. Parametrised
over the settings' list of types (tests/returns/test_return_engine.py checks that list against the
registry), each type's first section and its demo answers standing in for the self-evaluation's
"context": a new type is covered by adding it to the list."""

from __future__ import annotations

import random
from datetime import date

import pytest

from app.extensions import db
from app.models import CollectionWindow, Role, SectionVersion
from tests.returns.test_return_engine import CONFIGURED
from tests.test_permissions import CASES, CHANGES, ROLES, SIGN_IN, changed_tables, database_state, request_as

RETURN_CASES = [case for case in CASES if case.target and ("return" in case.target or case.target.endswith("_sef") or "submission" in case.target)]


def _kept_version(ret, key: str, answers: dict) -> int:
    version = SectionVersion(return_id=ret.id, key=key, number=0, answers=answers, invalid={}, saved_at=ret.created_at)
    db.session.add(version)
    db.session.flush()
    return version.id


@pytest.fixture(params=CONFIGURED)
def world(request, factory):
    from app.engine import lifecycle, registry

    key = request.param
    kind = registry.get(key)
    own = factory.school(name="Own School")
    other = factory.school(name="Other School")
    people = {"school": factory.user(Role.SCHOOL, school=own), "officer": factory.user(Role.OFFICER), "admin": factory.user(Role.ADMIN)}
    window = CollectionWindow(return_type=key, academic_year="2026/27", period="spring", title=f"{kind.title}, spring 2027",
                              opens_on=date(2026, 9, 1), due_on=date(2027, 3, 16), phases=["Primary"])
    db.session.add(window)
    db.session.flush()
    section = kind.sections_for(kind.form_version, own)[0].key
    answers = kind.demo.answers(own, random.Random(key), 2026)[section]
    field = next(iter(answers))
    own_return = lifecycle.start(people["school"], window, own, answers={section: answers})
    other_head = factory.user(Role.SCHOOL, school=other, approver=True)
    other_return = lifecycle.start(other_head, window, other, answers={section: answers})
    lifecycle.perform(lifecycle.SUBMIT, other_return, other_head)
    own_version, other_version = _kept_version(own_return, section, answers), _kept_version(other_return, section, answers)
    own_id, other_id = own_return.id, other_return.id
    targets = {
        "own_return": {"return_id": own_id},
        "other_return": {"return_id": other_id},
        "missing_return": {"return_id": 999999},
        "own_return_section": {"return_id": own_id, "key": section},
        "other_return_section": {"return_id": other_id, "key": section},
        "own_return_missing_section": {"return_id": own_id, "key": "no-such-section"},
        "own_return_version": {"return_id": own_id, "key": section, "version_id": own_version},
        "own_return_version_current": {"return_id": own_id, "key": section, "version_id": own_version},
        "other_return_version": {"return_id": other_id, "key": section, "version_id": other_version},
        "own_return_others_version": {"return_id": own_id, "key": section, "version_id": other_version},
        "own_return_missing_version": {"return_id": own_id, "key": section, "version_id": 999999},
        "own_return_field": {"return_id": own_id, "key": section, "field": field},
        "other_return_field": {"return_id": other_id, "key": section, "field": field},
        "own_return_step": {"return_id": own_id, "step_key": "respond"},
        "other_return_step": {"return_id": other_id, "step_key": "respond"},
        "own_submission": {"return_id": own_id, "number": 1},
        "other_submission": {"return_id": other_id, "number": 1},
        "own_school_sef": {"school_id": own.id, "return_type": key},
        "other_school_sef": {"school_id": other.id, "return_type": key},
        "missing_school_sef": {"school_id": 999999, "return_type": key},
        "own_school_no_such_type": {"school_id": own.id, "return_type": "no-such-type"},
        # Neither return is accepted, so neither has a living plan: its pages are 404 to everyone.
        "own_return_plan_row": {"return_id": own_id, "row_id": "a00000000001"},
        "other_return_plan_row": {"return_id": other_id, "row_id": "a00000000001"},
    }
    return people, targets


@pytest.mark.parametrize("case", RETURN_CASES, ids=lambda c: f"{c.method} {c.endpoint} {c.target or ''}".strip())
@pytest.mark.parametrize("role_index", range(4), ids=ROLES)
def test_every_type_answers_every_role_as_the_matrix_says(app, world, case, role_index):
    people, targets = world
    role = ROLES[role_index]
    url, response, before = request_as(app, people, targets, case, role)
    expected = case.expect[role_index]
    assert response.status_code == expected, f"{role} {case.method} {url}: expected {expected}, got {response.status_code}"
    if expected == SIGN_IN and role == "anonymous":
        assert "/sign-in?next=" in response.headers["Location"]
    if role not in CHANGES.get((case.endpoint, case.method, case.target), set()):
        changed = changed_tables(before, database_state(), people.get(role))
        # A type may audit its reads: an allowed read adds a "return_read" row and nothing else.
        changed = [table for table in changed if not (table == "audit_events" and _only_reads(before, role, people))]
        assert not changed, f"{role} {case.method} {url} ({response.status_code}) changed {changed}"


def _only_reads(before: dict, role: str, people: dict) -> bool:
    from sqlalchemy import select

    from app.models import AuditEvent

    old = len(before[AuditEvent.__tablename__])
    added = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id).offset(old)).all()
    user = people.get(role)
    return bool(added) and all(event.event in ("return_read", "permission_refused") and user is not None and event.user_id == user.id for event in added)
