"""The one way to read a return's history and its submissions, with who made each: for the
school's return page, the review page, print, compare and the school pages (many returns at once,
in one query)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from app.extensions import db
from app.models import Return, ReturnTransition, Submission, User


@dataclass(frozen=True)
class HistoryRow:
    """One move in a return's history, with the name of who made it."""

    transition: ReturnTransition
    by: str


@dataclass(frozen=True)
class SubmissionRow:
    """One submission, with the name of who sent it."""

    submission: Submission
    submitted_by: str


def histories_of(return_ids: Iterable[int]) -> dict[int, list[HistoryRow]]:
    """The history of each of these returns, oldest move first: one query however many."""
    ids = list(return_ids)
    found: dict[int, list[HistoryRow]] = {return_id: [] for return_id in ids}
    if not ids:
        return found
    query = (
        select(ReturnTransition, User.name)
        .join(User, User.id == ReturnTransition.by_id)
        .where(ReturnTransition.return_id.in_(ids))
        .order_by(ReturnTransition.id)
    )
    for transition, name in db.session.execute(query):
        found[transition.return_id].append(HistoryRow(transition, name))
    return found


def history_of(ret: Return) -> list[HistoryRow]:
    return histories_of([ret.id])[ret.id]


def submissions_of(ret: Return) -> list[SubmissionRow]:
    """Every submission of the return with who sent it, first to last."""
    query = (
        select(Submission, User.name)
        .join(User, User.id == Submission.submitted_by_id)
        .where(Submission.return_id == ret.id)
        .order_by(Submission.number)
    )
    return [SubmissionRow(submission, name) for submission, name in db.session.execute(query)]
