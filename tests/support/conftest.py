"""A school with returns over the years, and the facts its self-evaluations would have."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Fact, Submission
from app.returns.sef.framework import OFSTED_2025
from tests.schools.test_school_returns import Setting, make_window

NUMBER = {key: n for n, (key, _) in enumerate(OFSTED_2025.grades, start=1)}
ALL_EXPECTED = {"inclusion": "expected", "curriculum_teaching": "expected", "achievement": "expected",
                "attendance_behaviour": "expected", "personal_development": "expected", "leadership_governance": "expected"}


def add_facts(ret, grades: dict[str, str], *, safeguarding: str | None = "met", priorities: list[tuple[str, str]] = ()) -> None:
    """The facts the engine writes for the latest submission of a submitted or accepted return."""
    submission = db.session.scalars(select(Submission).where(Submission.return_id == ret.id).order_by(Submission.number.desc())).first()
    values = [(f"grade.{area}", grade, float(NUMBER[grade]), None) for area, grade in grades.items()]
    if safeguarding:
        values.append(("safeguarding", safeguarding, None, None))
    for n, (title, tag) in enumerate(priorities, start=1):
        values += [("priority.la_priority", tag, None, f"p{n}"), ("priority.title", title, None, f"p{n}")]
    for key, text, number, row_id in values:
        db.session.add(Fact(
            return_id=ret.id, submission_id=submission.id, window_id=ret.window_id, school_id=ret.school_id, return_type="sef",
            form_version="ofsted-2025", key=key, text_value=text, number_value=number, row_id=row_id,
            current=ret.state in ("submitted", "accepted"), state=ret.state,
        ))
    db.session.flush()


class SupportSetting(Setting):
    def sef(self, grades=None, *, safeguarding="met", state="accepted", opens=-20, due=10, school=None, head=None, priorities=()):
        window = make_window(opens=opens, due=due)
        ret = self.return_in(state, window, school=school, head=head)
        if state in ("submitted", "accepted"):
            add_facts(ret, {**ALL_EXPECTED, **(grades or {})}, safeguarding=safeguarding, priorities=priorities)
        return ret

    def overdue_window(self, days: int):
        """A window the school has not submitted in, due `days` days ago and still open."""
        return make_window(opens=-days - 30, due=-days)


@pytest.fixture
def setting(app, factory):
    return SupportSetting(app, factory)


DAY = timedelta(days=1)
