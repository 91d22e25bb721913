"""The demo borough's monitoring (issue 16), called from app/demo.py after the returns are seeded:
in the current self-evaluation window, one school given a later due date, reminders an officer
sent to schools that have not started, and a self-evaluation submitted with safeguarding not met,
which raises its alert through the engine as a real submission would. Nothing here names a type's
internals but the self-evaluation's own demo answers and its safeguarding section."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import select

from app.engine import registry
from app.extensions import db
from app.models import CollectionWindow, Return, Role, School, User, WindowException
from app.models.monitoring import Reminder
from app.services import windows as window_service

SAFEGUARDING_TYPE = "sef"
NOT_MET_STATEMENT = (
    "Leaders found gaps in the single central record and in staff training at this term's audit. "
    "An action plan agreed with the local authority's safeguarding team is under way, and the "
    "designated safeguarding lead reports to governors every fortnight until it is complete."
)


def seed_monitoring(officer: User, today: date) -> None:
    from app.demo import _as_if_at, _at, _save_all
    from app.engine import drafts, lifecycle

    kind = registry.get(SAFEGUARDING_TYPE)
    if kind is None or kind.demo is None:
        return
    window = db.session.scalar(
        select(CollectionWindow).where(CollectionWindow.return_type == kind.key, CollectionWindow.closed_at.is_(None))
        .order_by(CollectionWindow.opens_on.desc()).limit(1)
    )
    if window is None:
        return
    started = set(db.session.scalars(select(Return.school_id).where(Return.window_id == window.id)))
    heads = {
        user.school_id: user
        for user in db.session.scalars(select(User).where(User.role == Role.SCHOOL.value, User.approver.is_(True), User.active.is_(True)))
    }
    waiting = [school for school, _ in window_service.schools_in_scope(window) if school.id not in started and school.id in heads]
    if len(waiting) < 4:
        return
    alerting, extended, reminded = waiting[-1], waiting[-2], waiting[:2]

    # A self-evaluation with safeguarding not met: the engine raises the alert on submission.
    school: School = alerting
    head = heads[school.id]
    day = window.opens_on + timedelta(days=5)
    with _as_if_at(_at(day, 9)):
        ret = lifecycle.start(head, window, school)
    answers = kind.demo.answers(school, random.Random(f"{school.urn}-alert"), int(window.academic_year[:4]))
    answers["safeguarding"] = {"outcome": "not_met", "statement": NOT_MET_STATEMENT}
    _save_all(ret, school, answers, head, day)
    with _as_if_at(_at(min(today - timedelta(days=1), day + timedelta(days=2)), 16, 20)):
        drafts.submit(ret, school, head)

    # A later due date for one school, and reminders to two that have not started.
    db.session.add(WindowException(window_id=window.id, school_id=extended.id, due_on=window.due_on + timedelta(days=14),
                                   reason="A new headteacher started this term", created_by_id=officer.id))
    for n, school in enumerate(reminded):
        db.session.add(Reminder(window_id=window.id, school_id=school.id, sent_by_id=officer.id, sent_at=_at(today - timedelta(days=3 - n), 10, 5), recipients=1))
    db.session.flush()
