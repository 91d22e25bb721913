"""The one lifecycle every return shares: who may move a return from which state to which.

    (not started) --start--> draft --submit--> submitted --accept--> accepted
                                ^                |   |                   |
                                |   withdraw ----+   +--return--> returned <--reopen--+
                                +------------------------------------ (edit) submit --^

Taking a return assigns it to an officer; sending it back to the school (returning it for changes,
reopening it) leaves it nobody's while the school has it, and resubmitting gives it back to the
officer who sent it back.

Every move goes through perform(): it checks the rule against the type's policy (in what capacity
the user acts), writes the transition (who, when, from, to, why), on submit freezes a snapshot of
the answers, and then sends `return_moved` (app/engine/signals.py) in the same transaction.

A type may add steps between submission and the decision (ReturnType.steps, each taken in its own
capacity, each leaving the return in a state of its own) and say who decides (decided_by): the
rules below are built from that, so no type changes this module.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update

from app.extensions import db
from app.formatting import LONDON
from app.models import CollectionWindow, Return, ReturnSection, ReturnTransition, School, Submission, User, WindowException
from app.models.returns import ACCEPTED, DRAFT, RETURNED, SECTION_TO_CHECK, SUBMITTED
from app.models.types import utcnow
from app.engine import registry
from app.engine.display import ANSWERS_FORMAT, with_row_ids
from app.engine.policy import APPROVER, AUTHOR, EDITORS
from app.engine.signals import return_moved
from app.services import windows as window_service

START, SUBMIT, WITHDRAW, TAKE, RETURN_FOR_CHANGES, ACCEPT, REOPEN = (
    "start",
    "submit",
    "withdraw",
    "take",
    "return_for_changes",
    "accept",
    "reopen",
)

# How each move reads in a return's history.
ACTION_LABELS = {
    START: "Started",
    SUBMIT: "Submitted",
    WITHDRAW: "Withdrawn",
    TAKE: "Taken for review",
    "assign": "Assigned",
    RETURN_FOR_CHANGES: "Returned for changes",
    ACCEPT: "Accepted",
    REOPEN: "Reopened",
}

@dataclass(frozen=True)
class Rule:
    from_states: tuple[str | None, ...]
    to_state: str | None  # None: the state does not change (taking a return)
    who: tuple[str, ...]
    needs_reason: bool = False


def rules_for(return_type: registry.ReturnType) -> dict[str, Rule]:
    """The moves a return of this type can make: the shared ones, with the type's own steps between
    submission and the decision, and the decision given to the type's deciding capacity."""
    deciders = return_type.decided_by
    waiting = return_type.decision_state
    rules = {
        START: Rule((None,), DRAFT, EDITORS),
        SUBMIT: Rule((DRAFT, RETURNED), SUBMITTED, (APPROVER,)),
        WITHDRAW: Rule((SUBMITTED,), DRAFT, (APPROVER,)),
        TAKE: Rule((SUBMITTED, *(step.state for step in return_type.steps)), None, deciders),
        RETURN_FOR_CHANGES: Rule((waiting,), RETURNED, deciders, needs_reason=True),
        ACCEPT: Rule((waiting,), ACCEPTED, deciders),
        REOPEN: Rule((ACCEPTED,), RETURNED, deciders, needs_reason=True),
    }
    before = SUBMITTED
    for step in return_type.steps:
        rules[step.key] = Rule((before,), step.state, (step.capacity,))
        before = step.state
    return rules


def action_labels(return_type: registry.ReturnType | None) -> dict[str, str]:
    """How each move on a return of this type reads in its history, its own steps included."""
    return {**ACTION_LABELS, **{step.key: step.label for step in (return_type.steps if return_type else ())}}


class LifecycleError(Exception):
    """A move that is not allowed, in words for the person who tried it."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def capacity(user: User, return_type: str, school_id: int, ret: Return | None = None) -> str | None:
    """In what capacity this user acts on this school's return of this type, or None if not at
    all: the type's policy decides."""
    kind = registry.get(return_type)
    return kind.policy.capacity(user, school_id, ret) if kind else None


def window_exception(window: CollectionWindow, school_id: int) -> WindowException | None:
    return db.session.scalar(
        select(WindowException).where(WindowException.window_id == window.id, WindowException.school_id == school_id)
    )


def school_may_change(window: CollectionWindow, school_id: int, state: str | None, now: datetime | None = None) -> bool:
    """A school changes its return while the window is open to it, or when an officer has sent it back."""
    if state == RETURNED:
        return True
    today = (now or utcnow()).astimezone(LONDON).date()
    return window_service.is_open_for(window, window_exception(window, school_id), today)


def check(action: str, user: User, window: CollectionWindow, school_id: int, current: Return | None, reason: str = "") -> Rule:
    """The rule for this move, or LifecycleError saying why it cannot be made."""
    return_type = registry.get(window.return_type)
    rule = rules_for(return_type).get(action) if return_type else None
    if rule is None:
        raise LifecycleError("That is not something you can do to a return")
    who = capacity(user, window.return_type, school_id, current)
    state = current.state if current else None
    if who not in rule.who:
        if who == AUTHOR and APPROVER in rule.who:
            raise LifecycleError("Only your school's approver can do this. The return is ready for them to sign off")
        raise LifecycleError("You cannot do that to this return")
    if state not in rule.from_states:
        raise LifecycleError(f"You cannot do that while the return is {state or 'not started'}")
    if rule.needs_reason and not reason.strip():
        raise LifecycleError("Give the reason, so the school knows what to change")
    if who in EDITORS and not school_may_change(window, school_id, state):
        raise LifecycleError("The window for this return is closed. Ask the School Improvement Team to reopen it")
    if action == WITHDRAW and current.assigned_to_id is not None:
        raise LifecycleError("An officer has already started reviewing this return, so it cannot be withdrawn")
    return rule


def start(user: User, window: CollectionWindow, school: School, answers: dict | None = None) -> Return:
    """Begin this school's return in this window.

    Answers copied from last time (by section) arrive marked "check and confirm": they count as
    completed only when someone at the school has looked at them and saved."""
    existing = db.session.scalar(select(Return).where(Return.window_id == window.id, Return.school_id == school.id))
    check(START, user, window, school.id, existing)
    return_type = registry.get(window.return_type)
    if return_type is None:
        raise LifecycleError("This kind of return is not available")
    ret = Return(
        window_id=window.id,
        school_id=school.id,
        return_type=window.return_type,
        form_version=return_type.form_version,
        state=DRAFT,
    )
    db.session.add(ret)
    db.session.flush()
    for key, section_answers in (answers or {}).items():
        db.session.add(
            ReturnSection(return_id=ret.id, key=key, answers=copy.deepcopy(section_answers), version=1, status=SECTION_TO_CHECK, updated_by_id=user.id)
        )
    _record(ret, START, None, DRAFT, user, "")
    db.session.flush()
    _moved(ret, START, user, "", None)
    return ret


def perform(action: str, ret: Return, user: User, *, reason: str = "", now: datetime | None = None) -> Return:
    """Make one move on an existing return; every rule is checked here and nowhere else."""
    lock(ret)
    window = db.session.get(CollectionWindow, ret.window_id)
    rule = check(action, user, window, ret.school_id, ret, reason)
    now = now or utcnow()
    from_state = ret.state
    if action == TAKE:
        _take(ret, user, now)
    elif action == SUBMIT:
        _submit(ret, user, window, now)
    else:
        ret.state = rule.to_state
        if action != ACCEPT:  # an accepted return keeps the name of the officer who reviewed it
            ret.assigned_to_id = None
            ret.assigned_at = None
    _record(ret, action, from_state, ret.state, user, reason.strip(), now)
    db.session.flush()
    _moved(ret, action, user, reason.strip(), from_state)
    return ret


def _moved(ret: Return, action: str, user: User, reason: str, from_state: str | None) -> None:
    return_moved.send(ret, action=action, user=user, reason=reason, from_state=from_state, return_type=registry.get(ret.return_type))


def lock(ret: Return) -> Return:
    """Hold the return's row until the transaction ends and read its state afresh, so two moves at
    once (an approver submitting while a colleague saves, two officers accepting) happen one after
    the other. SQLite has no row locks; it lets one writer in at a time anyway."""
    # The rows must be fetched: the ORM refreshes the object only as it reads them.
    db.session.execute(select(Return).where(Return.id == ret.id).with_for_update().execution_options(populate_existing=True)).scalar_one()
    return ret


def _take(ret: Return, user: User, now: datetime) -> None:
    """Assign the return to this officer, unless someone else has just taken it (a conditional update)."""
    taken = db.session.execute(
        update(Return)
        .where(Return.id == ret.id, Return.assigned_to_id.is_(None))
        .values(assigned_to_id=user.id, assigned_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(ret, ["assigned_to_id", "assigned_at"])
    if not taken and ret.assigned_to_id != user.id:
        raise LifecycleError("Another officer has just taken this return")


ASSIGN = "assign"


def assign(ret: Return, officer: User, to_user: User | None, *, held_by_id: int | None = None, now: datetime | None = None) -> Return:
    """An officer hands a submitted return to a colleague (or takes it): who may is TAKE's rule.

    held_by_id is who the officer saw holding the return when they chose; if someone else has it by
    now (a colleague took it a moment ago), they are told, never silently overruled."""
    lock(ret)
    window = db.session.get(CollectionWindow, ret.window_id)
    check(TAKE, officer, window, ret.school_id, ret)
    if to_user is None or not to_user.active or not to_user.is_council_staff:
        raise LifecycleError("Choose an officer or administrator whose account is active")
    if capacity(to_user, ret.return_type, ret.school_id, ret) not in registry.get(ret.return_type).decided_by:
        raise LifecycleError(f"{to_user.name} does not decide on this return, so it cannot be assigned to them")
    if ret.assigned_to_id == to_user.id:
        return ret  # already theirs: nothing changes, nothing to record
    now = now or utcnow()
    moved = db.session.execute(
        update(Return)
        .where(Return.id == ret.id, Return.assigned_to_id.is_(None) if held_by_id is None else Return.assigned_to_id == held_by_id)
        .values(assigned_to_id=to_user.id, assigned_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(ret, ["assigned_to_id", "assigned_at"])
    if not moved:
        raise LifecycleError("Another officer has just taken this return")
    action, reason = (TAKE, "") if to_user.id == officer.id else (ASSIGN, f"Assigned to {to_user.name}")
    _record(ret, action, ret.state, ret.state, officer, reason, now)
    db.session.flush()
    _moved(ret, action, officer, reason, ret.state)
    return ret


def _submit(ret: Return, user: User, window: CollectionWindow, now: datetime) -> None:
    number = (db.session.scalar(select(func.max(Submission.number)).where(Submission.return_id == ret.id)) or 0) + 1
    # Late marks a first submission after the due time; a resubmission after "returned" never is.
    late = False
    if ret.first_submitted_at is None:
        due_on = window_service.school_due_on(window, window_exception(window, ret.school_id))
        late = window_service.is_past_due(due_on, now)
        ret.first_submitted_at = now
        ret.late = late
    db.session.add(
        Submission(
            return_id=ret.id,
            number=number,
            answers=working_copy(ret),
            answers_format=ANSWERS_FORMAT,
            form_version=ret.form_version,
            submitted_by_id=user.id,
            submitted_at=now,
            late=late,
        )
    )
    # A return sent back goes back to the officer who sent it: they asked for the changes, so they
    # check them. A first submission waits for anyone to take it.
    reviewer = _who_sent_it_back(ret) if ret.state == RETURNED else None
    ret.state = SUBMITTED
    ret.assigned_to_id = reviewer.id if reviewer else None
    ret.assigned_at = now if reviewer else None


def _who_sent_it_back(ret: Return) -> User | None:
    """The officer who last sent this return back to the school (returned it for changes, or
    reopened it), if they still decide on it: one whose account is closed, or who no longer decides
    on this return, leaves it for anyone to take."""
    by_id = db.session.scalar(
        select(ReturnTransition.by_id)
        .where(ReturnTransition.return_id == ret.id, ReturnTransition.to_state == RETURNED)
        .order_by(ReturnTransition.id.desc())
        .limit(1)
    )
    officer = db.session.get(User, by_id) if by_id is not None else None
    if officer is None or not officer.active or not officer.is_council_staff:
        return None
    kind = registry.get(ret.return_type)
    return officer if kind is not None and capacity(officer, ret.return_type, ret.school_id, ret) in kind.decided_by else None


def working_copy(ret: Return) -> dict:
    """The return's saved answers, by section: what a submission freezes, every list row with its
    id (a row saved without one, as by a seeding script, gets its place's, as loading it would)."""
    sections = db.session.scalars(select(ReturnSection).where(ReturnSection.return_id == ret.id).order_by(ReturnSection.key))
    return {section.key: with_row_ids(copy.deepcopy(section.answers)) for section in sections}


def _record(ret: Return, action: str, from_state: str | None, to_state: str, user: User, reason: str, now: datetime | None = None) -> None:
    db.session.add(
        ReturnTransition(return_id=ret.id, action=action, from_state=from_state, to_state=to_state, by_id=user.id, at=now or utcnow(), reason=reason)
    )


def is_overdue(ret: Return | None, window: CollectionWindow, school_id: int, now: datetime | None = None) -> bool:
    """Not yet submitted after its due time."""
    if ret is not None and ret.first_submitted_at is not None:
        return False
    return window_service.is_past_due(window_service.school_due_on(window, window_exception(window, school_id)), now)
