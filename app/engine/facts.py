"""The facts table (app.models.Fact): typed values drawn from each submission by its type's
`facts(answers, form_version)`, kept right in the transaction of every move and rebuildable from the
snapshots by `flask returns rebuild-facts`.

What the officers' views read is "current" facts: those of the latest submission of a return that
now waits on the council (submitted, or after one of its type's own steps) or is accepted. Every
fact of a return carries the return's state, so a view can keep to accepted returns.

A move costs a fixed number of statements, however many facts a submission has: on submit, one
SELECT of the new snapshot and one bulk INSERT of its facts; then, on every move that changes the
state, one UPDATE of the return's facts (state, and which are current).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.orm import aliased

from app.extensions import db
from app.models import Return, Submission
from app.models.returns import ACCEPTED, Fact
from app.engine.display import snapshot_answers
from app.engine import registry
from app.engine.lifecycle import START, SUBMIT
from app.engine.registry import FactValue, ReturnType
from app.engine.reviews import waiting_states
from app.engine.signals import return_moved


def current_states(return_type: ReturnType) -> tuple[str, ...]:
    """The states in which a return's latest submission is what the views count."""
    return (*waiting_states(return_type), ACCEPTED)


def fact_rows(return_type: ReturnType, *, return_id: int, submission_id: int, window_id: int, school_id: int,
              answers: dict, form_version: str, current: bool, state: str) -> list[dict]:
    """The rows of one submission's facts, ready for one bulk INSERT."""
    values: list[FactValue] = return_type.facts(answers or {}, form_version)
    return [
        {
            "return_id": return_id,
            "submission_id": submission_id,
            "window_id": window_id,
            "school_id": school_id,
            "return_type": return_type.key,
            "form_version": form_version,
            "key": value.key,
            "row_id": value.row_id,
            "text_value": value.text,
            "number_value": value.number,
            "current": current,
            "state": state,
        }
        for value in values
    ]


@return_moved.connect
def keep_facts(ret: Return, *, action: str, from_state: str | None, return_type: ReturnType | None, **_) -> None:
    """After a move, inside its transaction: the new submission's facts, then the return's facts
    marked with its state and whether they count now."""
    if return_type is None:
        return
    if action == START or (action != SUBMIT and from_state == ret.state):
        return  # a new return has no facts; taking or assigning one changes nothing they hold
    latest = select(Submission.id).where(Submission.return_id == ret.id).order_by(Submission.number.desc()).limit(1).scalar_subquery()
    if action == SUBMIT:
        submission = db.session.execute(
            select(Submission.id, Submission.answers, Submission.answers_format, Submission.form_version)
            .where(Submission.return_id == ret.id)
            .order_by(Submission.number.desc())
            .limit(1)
        ).one()
        rows = fact_rows(
            return_type, return_id=ret.id, submission_id=submission.id, window_id=ret.window_id, school_id=ret.school_id,
            answers=snapshot_answers(submission), form_version=submission.form_version, current=False, state=ret.state,
        )
        if rows:
            db.session.execute(insert(Fact.__table__), rows)
        latest = submission.id  # known now: no need to look it up again
    counts = ret.state in current_states(return_type)
    db.session.execute(
        update(Fact)
        .where(Fact.return_id == ret.id)
        .values(state=ret.state, current=(Fact.submission_id == latest) if counts else False)
        .execution_options(synchronize_session=False)
    )


def rebuild(batch_size: int = 500, progress: Callable[[int], None] | None = None) -> int:
    """Write the whole facts table afresh from the snapshots, in the caller's transaction: every
    submission's facts, current and state from its return's state and latest submission. Reads
    submissions in batches by id (never all at once); the caller commits once, so readers see the
    old table until the new one is complete. Returns the number of facts written."""
    bind = db.session.get_bind()
    if bind.dialect.name == "postgresql":
        # Moves wait (their facts UPDATE blocks) until the rebuild commits, so none is lost between
        # the rebuild's read of the snapshots and its commit.
        db.session.execute(text("LOCK TABLE facts IN EXCLUSIVE MODE"))
    db.session.execute(Fact.__table__.delete())
    written = 0
    for batch in _submission_batches(batch_size):
        rows: list[dict] = []
        for sub in batch:
            return_type = registry.get(sub.return_type)
            if return_type is None:
                continue  # a type no longer in RETURN_TYPES: nothing reads its facts
            rows.extend(
                fact_rows(
                    return_type, return_id=sub.return_id, submission_id=sub.id, window_id=sub.window_id,
                    school_id=sub.school_id, answers=snapshot_answers(sub), form_version=sub.form_version,
                    current=bool(sub.is_latest) and sub.state in current_states(return_type), state=sub.state,
                )
            )
        if rows:
            db.session.execute(insert(Fact.__table__), rows)
            written += len(rows)
        if progress is not None:
            progress(len(batch))
    return written


def submission_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Submission)) or 0


def _submission_batches(batch_size: int) -> Iterator[list]:
    """Every submission with its return's window, school, type and state, and whether it is the
    return's latest: batch after batch by id (keyset), so memory holds one batch."""
    later = aliased(Submission)
    is_latest = ~(
        select(later.id).where(later.return_id == Submission.return_id, later.number > Submission.number).exists()
    )
    last_id = 0
    while True:
        batch = db.session.execute(
            select(
                Submission.id, Submission.return_id, Submission.answers, Submission.answers_format, Submission.form_version,
                Return.window_id, Return.school_id, Return.return_type, Return.state, is_latest.label("is_latest"),
            )
            .join(Return, Return.id == Submission.return_id)
            .where(Submission.id > last_id)
            .order_by(Submission.id)
            .limit(batch_size)
        ).all()
        if not batch:
            return
        last_id = batch[-1].id
        yield batch
