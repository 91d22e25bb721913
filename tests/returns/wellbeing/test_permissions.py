"""The permission matrix (tests/test_permissions.py) for the action plan: every route that takes a
return, a section or a return type, in every role, answers for a plan exactly as it does for a
self-evaluation, and a refused request changes nothing."""

from __future__ import annotations

from datetime import date

import pytest

from app.extensions import db
from app.models import CollectionWindow, Role, SectionVersion
from tests.conftest import csrf_token, sign_in
from tests.test_permissions import CASES, CHANGES, ROLES, SIGN_IN, changed_tables, database_state

LEAD = {"name": "Priya Shah", "role": "Deputy headteacher"}
RETURN_CASES = [case for case in CASES if case.target and ("return" in case.target or case.target.endswith("_sef") or "submission" in case.target)]


def _kept_version(ret) -> int:
    version = SectionVersion(return_id=ret.id, key="lead", number=0, answers={"name": "Earlier name"}, invalid={}, saved_at=ret.created_at)
    db.session.add(version)
    db.session.flush()
    return version.id


@pytest.fixture
def world(factory):
    from app.engine import lifecycle

    own = factory.school(name="Own School")
    other = factory.school(name="Other School")
    people = {"school": factory.user(Role.SCHOOL, school=own), "officer": factory.user(Role.OFFICER), "admin": factory.user(Role.ADMIN)}
    window = CollectionWindow(return_type="wellbeing", academic_year="2026/27", period="spring", title="Mental health action plan, spring 2027",
                              opens_on=date(2026, 9, 1), due_on=date(2027, 3, 16), phases=["Primary"])
    db.session.add(window)
    db.session.flush()
    own_return = lifecycle.start(people["school"], window, own, answers={"lead": LEAD})
    other_head = factory.user(Role.SCHOOL, school=other, approver=True)
    other_return = lifecycle.start(other_head, window, other, answers={"lead": LEAD})
    lifecycle.perform(lifecycle.SUBMIT, other_return, other_head)
    own_version, other_version = _kept_version(own_return), _kept_version(other_return)
    own_id, other_id = own_return.id, other_return.id
    targets = {
        "own_return": {"return_id": own_id},
        "other_return": {"return_id": other_id},
        "missing_return": {"return_id": 999999},
        "own_return_section": {"return_id": own_id, "key": "lead"},
        "other_return_section": {"return_id": other_id, "key": "lead"},
        "own_return_missing_section": {"return_id": own_id, "key": "no-such-section"},
        "own_return_version": {"return_id": own_id, "key": "lead", "version_id": own_version},
        "own_return_version_current": {"return_id": own_id, "key": "lead", "version_id": own_version},
        "other_return_version": {"return_id": other_id, "key": "lead", "version_id": other_version},
        "own_return_others_version": {"return_id": own_id, "key": "lead", "version_id": other_version},
        "own_return_missing_version": {"return_id": own_id, "key": "lead", "version_id": 999999},
        "own_return_field": {"return_id": own_id, "key": "lead", "field": "name"},
        "other_return_field": {"return_id": other_id, "key": "lead", "field": "name"},
        "own_return_step": {"return_id": own_id, "step_key": "respond"},
        "other_return_step": {"return_id": other_id, "step_key": "respond"},
        "own_submission": {"return_id": own_id, "number": 1},
        "other_submission": {"return_id": other_id, "number": 1},
        "own_school_sef": {"school_id": own.id, "return_type": "wellbeing"},
        "other_school_sef": {"school_id": other.id, "return_type": "wellbeing"},
        "missing_school_sef": {"school_id": 999999, "return_type": "wellbeing"},
        "own_school_no_such_type": {"school_id": own.id, "return_type": "no-such-type"},
        # Neither plan is accepted, so neither has a living plan yet: its pages are 404 to everyone.
        "own_return_plan_row": {"return_id": own_id, "row_id": "a00000000001"},
        "other_return_plan_row": {"return_id": other_id, "row_id": "a00000000001"},
    }
    return people, targets


@pytest.mark.parametrize("case", RETURN_CASES, ids=lambda c: f"{c.method} {c.endpoint} {c.target or ''}".strip())
@pytest.mark.parametrize("role_index", range(4), ids=ROLES)
def test_a_plan_answers_every_role_as_a_self_evaluation_does(app, world, case, role_index):
    people, targets = world
    role = ROLES[role_index]
    client = app.test_client()
    if role != "anonymous":
        sign_in(client, people[role])
    with app.test_request_context():
        from flask import url_for

        url = url_for(case.endpoint, **targets[case.target])
    before = database_state()
    if case.method == "GET":
        response = client.get(url)
    else:
        token = csrf_token(client, "/accessibility")
        response = client.open(url, method=case.method, data={"csrf_token": token, **dict(case.data)})
    expected = case.expect[role_index]
    assert response.status_code == expected, f"{role} {case.method} {url}: expected {expected}, got {response.status_code}"
    if expected == SIGN_IN and role == "anonymous":
        assert "/sign-in?next=" in response.headers["Location"]
    if role not in CHANGES.get((case.endpoint, case.method, case.target), set()):
        changed = changed_tables(before, database_state(), people.get(role))
        # A plan's reads are audited: an allowed read adds a "return_read" row and nothing else.
        changed = [table for table in changed if not (table == "audit_events" and _only_reads(before, role, people))]
        assert not changed, f"{role} {case.method} {url} ({response.status_code}) changed {changed}"


def _only_reads(before: dict, role: str, people: dict) -> bool:
    from sqlalchemy import select

    from app.models import AuditEvent

    old = len(before[AuditEvent.__tablename__])
    added = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id).offset(old)).all()
    user = people.get(role)
    return bool(added) and all(event.event in ("return_read", "permission_refused") and user is not None and event.user_id == user.id for event in added)
