"""A self-evaluation window with schools, their people, and returns brought to a state through the lifecycle."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.extensions import db
from app.models import CollectionWindow, Return, Role
from app.models.returns import ACCEPTED, RETURNED, SUBMITTED
from app.engine import lifecycle
from app.engine.lifecycle import ACCEPT, RETURN_FOR_CHANGES, SUBMIT
from tests.conftest import csrf_token

TODAY = date.today()

AREA = {"grade": "strong", "strengths": "Reading is taught well", "improvements": "Writing at key stage 2"}
ANSWERS = {
    "context": {"pupils_on_roll": 240, "disadvantaged": "21.5", "send_support": "12", "ehc_plan": "2", "eal": "8", "last_inspection_outcome": "good", "last_inspection_on": "2023-03-14"},
    "inclusion": dict(AREA),
    "safeguarding": {"outcome": "met", "statement": "A strong culture of safeguarding"},
}


def make_window(title: str = "Self-evaluation, autumn 2026", **fields) -> CollectionWindow:
    values = dict(
        return_type="sef", academic_year="2026/27", period="autumn", title=title, opens_on=TODAY - timedelta(days=10),
        due_on=TODAY + timedelta(days=10), phases=["Primary"],
    )
    values.update(fields)
    window = CollectionWindow(**values)
    db.session.add(window)
    db.session.flush()
    return window


class Setting:
    def __init__(self, factory, window):
        self.factory = factory
        self.window = window
        self.school = factory.school(name="Oakfield Primary")
        self.other_school = factory.school(name="Birchwood Primary")
        self.approver = factory.user(Role.SCHOOL, school=self.school, approver=True, name="Hana Head")
        self.other_approver = factory.user(Role.SCHOOL, school=self.other_school, approver=True)
        self.officer = factory.user(Role.OFFICER, name="Sam Officer")
        self.colleague = factory.user(Role.OFFICER, name="Alex Colleague")

    def return_in(self, state: str, school=None, approver=None, answers=None) -> Return:
        school = school or self.school
        approver = approver or (self.approver if school is self.school else self.factory.user(Role.SCHOOL, school=school, approver=True))
        ret = lifecycle.start(approver, self.window, school, answers=answers or ANSWERS)
        if state in (SUBMITTED, RETURNED, ACCEPTED):
            lifecycle.perform(SUBMIT, ret, approver)
        if state == RETURNED:
            lifecycle.perform(RETURN_FOR_CHANGES, ret, self.officer, reason="Add evidence")
        if state == ACCEPTED:
            lifecycle.perform(ACCEPT, ret, self.officer)
        db.session.flush()
        return ret


@pytest.fixture
def setting(factory):
    return Setting(factory, make_window())


def post(client, path: str, data: dict | None = None, token: str | None = "real", **kwargs):
    """POST with the CSRF token a browser would have (from the page itself), or a forged one."""
    data = dict(data or {})
    if token == "real":
        data["csrf_token"] = csrf_token(client, "/accessibility")
    elif token is not None:
        data["csrf_token"] = token
    return client.post(path, data=data, **kwargs)
