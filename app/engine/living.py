"""Living plans: a list of an accepted return that the school keeps up to date through the year.

A return type declares one with ReturnType.living (app/engine/registry.py, LivingList). When a
return of that type is accepted, each row of the list in the accepted snapshot becomes a LivingRow,
found again by its row id: a plan reopened and accepted again keeps each row's updates (its
answers follow the new snapshot; a row no longer in the plan is marked removed, never deleted).
The snapshot itself is never changed. The school's editors add updates (a status from the type's
list and a progress note); every update is kept, and the latest is the row's state. When a later
return of the same type for the school is accepted, the earlier plan is superseded and read-only.

Due soon and overdue are SQL over two columns of the row (`target_on`, `complete`), so lists and
the scheduled notices count them without reading any answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, func, select, update
from sqlalchemy.orm import aliased

from app.extensions import db
from app.formatting import LONDON
from app.models import CollectionWindow, Return, Submission, User
from app.models.returns import ACCEPTED, LivingPlan, LivingRow, LivingUpdate
from app.models.types import utcnow
from app.engine import registry
from app.engine.display import ROW_ID, snapshot_answers
from app.engine.lifecycle import ACCEPT
from app.engine.registry import LivingList, ReturnType
from app.engine.signals import return_moved

NOTE_LIMIT = 2000
DUE_SOON_DAYS = 14
DUE_SOON, OVERDUE = "due_soon", "overdue"


class UpdateRefused(Exception):
    """An update that cannot be kept, in words for the person who tried it, and the field it is about."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.message = message
        self.field = field


def today_in_london(now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(LONDON).date()


def _target(value) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _rows_of(living: LivingList, answers: dict) -> list[dict]:
    rows = (answers.get(living.section) or {}).get(living.field) or []
    return [row for row in rows if isinstance(row, dict) and row.get(ROW_ID)]


# ---------------------------------------------------------------------------------------------
# On accept


@return_moved.connect
def keep_living_rows(ret: Return, *, action: str, return_type: ReturnType | None = None, **_) -> None:
    """After an acceptance, inside its transaction: the plan's rows from the accepted snapshot, by
    row id, and any earlier accepted plan of the school's of this type made read-only."""
    if return_type is None or return_type.living is None or action != ACCEPT or ret.state != ACCEPTED:
        return
    living = return_type.living
    now = utcnow()
    submission = db.session.scalar(select(Submission).where(Submission.return_id == ret.id).order_by(Submission.number.desc()).limit(1))
    if submission is None:
        return
    rows = _rows_of(living, snapshot_answers(submission))
    plan = db.session.scalar(select(LivingPlan).where(LivingPlan.return_id == ret.id))
    next_review_on = today_in_london(now) + timedelta(days=living.review_after_days)
    if plan is None:
        plan = LivingPlan(return_id=ret.id, school_id=ret.school_id, return_type=ret.return_type, accepted_at=now, next_review_on=next_review_on)
        db.session.add(plan)
    else:
        plan.accepted_at, plan.next_review_on = now, next_review_on
    existing = {row.row_id: row for row in db.session.scalars(select(LivingRow).where(LivingRow.return_id == ret.id))}
    for position, answers in enumerate(rows):
        status = str(answers.get(living.status_field) or "")
        note = str(answers.get(living.note_field) or "") if living.note_field else ""
        row = existing.pop(answers[ROW_ID], None)
        if row is None:
            row = LivingRow(return_id=ret.id, row_id=answers[ROW_ID], status=status, complete=status == living.complete, note=note, removed=False)
            db.session.add(row)
        elif row.updated_by_id is None:  # nobody has updated it yet: the plan's status and note are its state
            row.status, row.complete, row.note = status, status == living.complete, note
        row.position, row.answers, row.removed = position, answers, False
        row.title = str(answers.get(living.title_field) or "")
        row.target_on = _target(answers.get(living.target_field))
    for row in existing.values():
        row.removed = True  # kept with its updates, no longer part of the plan
    # A later plan replaces every earlier one of this school's of this type.
    window = db.session.get(CollectionWindow, ret.window_id)
    earlier = (
        select(Return.id)
        .join(CollectionWindow, CollectionWindow.id == Return.window_id)
        .where(Return.school_id == ret.school_id, Return.return_type == ret.return_type, Return.id != ret.id, CollectionWindow.opens_on <= window.opens_on)
    )
    db.session.execute(
        update(LivingPlan)
        .where(LivingPlan.return_id.in_(earlier), LivingPlan.superseded_by_id.is_(None))
        .values(superseded_by_id=ret.id, superseded_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.flush()


# ---------------------------------------------------------------------------------------------
# Reading a plan


def due_state(row: LivingRow, today: date) -> str | None:
    """"overdue" when the target has passed and the row is not complete, "due soon" when the
    target is within DUE_SOON_DAYS; the same rule as overdue_rows() and due_soon_rows() in SQL."""
    if row.complete or row.removed or row.target_on is None:
        return None
    if row.target_on < today:
        return OVERDUE
    if row.target_on <= today + timedelta(days=DUE_SOON_DAYS):
        return DUE_SOON
    return None


def overdue_rows(today: date):
    """SQL: the living rows overdue on `today`."""
    return and_(LivingRow.removed.is_(False), LivingRow.complete.is_(False), LivingRow.target_on < today)


def due_soon_rows(today: date):
    """SQL: the living rows due within DUE_SOON_DAYS of `today` (not yet overdue)."""
    return and_(
        LivingRow.removed.is_(False), LivingRow.complete.is_(False),
        LivingRow.target_on >= today, LivingRow.target_on <= today + timedelta(days=DUE_SOON_DAYS),
    )


def plan_of(return_id: int) -> LivingPlan | None:
    return db.session.scalar(select(LivingPlan).where(LivingPlan.return_id == return_id))


@dataclass(frozen=True)
class Entry:
    """One update as the timeline shows it."""

    update: LivingUpdate
    by: str


@dataclass(frozen=True)
class RowState:
    row: LivingRow
    updated_by: str
    due: str | None
    timeline: tuple[Entry, ...] = ()


def rows_of(return_id: int, today: date | None = None, *, removed: bool = False) -> list[RowState]:
    """A plan's rows in the plan's order with who updated each last: one query however many."""
    today = today or today_in_london()
    query = (
        select(LivingRow, User.name)
        .outerjoin(User, User.id == LivingRow.updated_by_id)
        .where(LivingRow.return_id == return_id)
        .order_by(LivingRow.removed, LivingRow.position, LivingRow.id)
    )
    if not removed:
        query = query.where(LivingRow.removed.is_(False))
    return [RowState(row, name or "", due_state(row, today)) for row, name in db.session.execute(query)]


def row_of(return_id: int, row_id: str, today: date | None = None) -> RowState | None:
    """One row of this return's plan with its timeline, newest first; None for any other id."""
    today = today or today_in_london()
    found = db.session.execute(
        select(LivingRow, User.name).outerjoin(User, User.id == LivingRow.updated_by_id).where(LivingRow.return_id == return_id, LivingRow.row_id == row_id)
    ).first()
    if found is None:
        return None
    row, name = found
    author = aliased(User)
    timeline = tuple(
        Entry(entry, by or "")
        for entry, by in db.session.execute(
            select(LivingUpdate, author.name)
            .outerjoin(author, author.id == LivingUpdate.by_id)
            .where(LivingUpdate.living_row_id == row.id)
            .order_by(LivingUpdate.at.desc(), LivingUpdate.id.desc())
        )
    )
    return RowState(row, name or "", due_state(row, today), timeline)


def read_only_reason(ret: Return, plan: LivingPlan | None) -> str | None:
    """None when the plan takes updates now, or why it does not."""
    if plan is None or ret.state != ACCEPTED:
        return "This plan is not accepted at the moment, so it cannot be updated"
    if plan.superseded_by_id is not None:
        return "A later plan has been accepted, so this one can no longer be updated"
    return None


def status_labels(living: LivingList, form_version: str) -> dict[str, str]:
    return dict(living.statuses(form_version))


# ---------------------------------------------------------------------------------------------
# Updating a row


def add_update(ret: Return, row: LivingRow, *, user: User, status: str, note: str, now: datetime | None = None) -> LivingUpdate:
    """Keep an update of a row of an accepted, current plan and make it the row's state. The caller
    has checked that the user is one of the return's editors."""
    living = registry.get(ret.return_type).living
    if living is None or row.return_id != ret.id:
        raise UpdateRefused("This is not a row of this plan")
    reason = read_only_reason(ret, plan_of(ret.id))
    if reason:
        raise UpdateRefused(reason)
    if row.removed:
        raise UpdateRefused("This action is no longer part of the plan, so it cannot be updated")
    if status not in status_labels(living, ret.form_version):
        raise UpdateRefused("Select the action’s status", "status")
    note = (note or "").replace("\r\n", "\n").strip()
    if len(note) > NOTE_LIMIT:
        raise UpdateRefused(f"The progress note must be {NOTE_LIMIT:,} characters or fewer", "note")
    now = now or utcnow()
    entry = LivingUpdate(living_row_id=row.id, status=status, note=note, by_id=user.id, at=now)
    db.session.add(entry)
    row.status, row.complete, row.note, row.updated_by_id, row.updated_at = status, status == living.complete, note, user.id, now
    db.session.flush()
    return entry


# ---------------------------------------------------------------------------------------------
# Next year


def current_rows(return_id: int) -> dict[str, tuple[str, str]]:
    """Each row's current status and note by row id, for starting next year's return from this one."""
    return {
        row_id: (status, note)
        for row_id, status, note in db.session.execute(
            select(LivingRow.row_id, LivingRow.status, LivingRow.note).where(LivingRow.return_id == return_id, LivingRow.removed.is_(False))
        )
    }


def with_current_rows(living: LivingList, return_id: int, answers: dict) -> dict:
    """Copied answers whose living list's rows carry each row's latest status (and note, where the
    form has a field for it) instead of the accepted snapshot's."""
    current = current_rows(return_id)
    section = answers.get(living.section)
    if not current or not isinstance(section, dict) or not isinstance(section.get(living.field), list):
        return answers
    rows = []
    for row in section[living.field]:
        if isinstance(row, dict) and row.get(ROW_ID) in current:
            status, note = current[row[ROW_ID]]
            row = {**row, living.status_field: status}
            if living.note_field:
                row[living.note_field] = note
        rows.append(row)
    return {**answers, living.section: {**section, living.field: rows}}


# ---------------------------------------------------------------------------------------------
# Scheduled notices


@dataclass(frozen=True)
class PlanDue:
    """A current plan with something to tell its school: its review is due, or how many of its
    actions are overdue (a count only: an action's words never travel by mail)."""

    key: str  # "living_review" or "living_overdue"
    ret: Return
    about: date  # the date the notice is about, so that each is sent once
    count: int = 0


def plans_due(now: datetime) -> list[PlanDue]:
    """Every current plan whose review is due by today, and every one with overdue actions, in two
    queries however many plans there are. An overdue notice is about the latest target passed, so
    the school hears again only when another action becomes overdue."""
    today = today_in_london(now)
    living_types = [kind.key for kind in registry.all_types() if kind.living is not None]
    if not living_types:
        return []
    current = and_(LivingPlan.superseded_by_id.is_(None), LivingPlan.return_type.in_(living_types), Return.state == ACCEPTED)
    found = [
        PlanDue("living_review", ret, review_on)
        for ret, review_on in db.session.execute(
            select(Return, LivingPlan.next_review_on)
            .join(LivingPlan, LivingPlan.return_id == Return.id)
            .where(current, LivingPlan.next_review_on <= today)
            .order_by(Return.id)
        )
    ]
    found += [
        PlanDue("living_overdue", ret, latest, count)
        for ret, count, latest in db.session.execute(
            select(Return, func.count(LivingRow.id), func.max(LivingRow.target_on))
            .join(LivingPlan, LivingPlan.return_id == Return.id)
            .join(LivingRow, LivingRow.return_id == Return.id)
            .where(current, overdue_rows(today))
            .group_by(Return.id)
            .order_by(Return.id)
        )
    ]
    return found
