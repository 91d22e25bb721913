"""Officers' decisions about a school's support category: set with a reason and a review date,
kept for ever (the latest is the school's category), each under the version of the criteria of
its day and with the suggestion the officer saw."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select

from app.extensions import db
from app.models import School, User
from app.models.support import SupportDecision
from app.support import criteria as criteria_data
from app.support.criteria import Category, Criteria
from app.support.rules import Suggestion


@dataclass(frozen=True)
class Decision:
    """A decision with the wording it was made under and who made it."""

    row: SupportDecision
    criteria: Criteria
    decided_by: str

    @property
    def category(self) -> Category | None:
        return self.criteria.category(self.row.category)

    @property
    def suggested(self) -> Category | None:
        return self.criteria.category(self.row.suggested)

    @property
    def against_suggestion(self) -> bool:
        return self.row.suggested is not None and self.row.suggested != self.row.category


class DepartureNeeded(ValueError):
    """A decision other than the suggestion came without its reason."""


def decide(school: School, *, category: str, reason: str, departure: str, review_on: date, suggestion: Suggestion, by: User,
           today: date) -> SupportDecision:
    """Record the school's category under the current criteria. The form has checked the input;
    these are the rules whatever calls it: a known category, a reason, a review date not in the
    past, and a reason for departing from the suggestion."""
    current = criteria_data.stored_current()
    if current.category(category) is None:
        raise ValueError("not a category of the current criteria")
    if not reason.strip():
        raise ValueError("a decision needs its reason")
    if review_on < today:
        raise ValueError("the review date is in the past")
    against = suggestion.category.key != category
    if against and not departure.strip():
        raise DepartureNeeded("a decision against the suggestion needs its reason")
    decision = SupportDecision(
        school_id=school.id, criteria_id=current.id, category=category, reason=reason.strip(), departure=departure.strip() if against else "",
        review_on=review_on, suggested=suggestion.category.key, suggested_because=suggestion.because, decided_by_id=by.id,
    )
    db.session.add(decision)
    db.session.flush()
    return decision


def history(school: School) -> list[Decision]:
    """Every decision about the school, newest first, with its wording and who made it: two queries."""
    rows = db.session.execute(
        select(SupportDecision, User.name)
        .join(User, User.id == SupportDecision.decided_by_id)
        .where(SupportDecision.school_id == school.id)
        .order_by(SupportDecision.id.desc())
    ).all()
    versions = criteria_data.by_ids({row.criteria_id for row, _ in rows})
    return [Decision(row, versions[row.criteria_id], name) for row, name in rows]


@dataclass(frozen=True)
class ReviewDue:
    school_id: int
    school_name: str
    urn: str
    category: str  # the category's name in the words it was set under
    colour_class: str
    review_on: date
    decided_at: datetime


def latest_ids():
    return select(func.max(SupportDecision.id)).group_by(SupportDecision.school_id)


def reviews_due(today: date) -> list[ReviewDue]:
    """Schools whose latest decision's review date has passed, longest overdue first: two queries."""
    rows = db.session.execute(
        select(SupportDecision, School.name, School.urn)
        .join(School, School.id == SupportDecision.school_id)
        .where(SupportDecision.id.in_(latest_ids()), SupportDecision.review_on < today)
        .order_by(SupportDecision.review_on, School.search_name)
    ).all()
    versions = criteria_data.by_ids({row.criteria_id for row, *_ in rows})
    found = []
    for row, name, urn in rows:
        category = versions[row.criteria_id].category(row.category)
        found.append(ReviewDue(row.school_id, name, urn, category.name if category else row.category,
                               category.tag_class if category else "govuk-tag--grey", row.review_on, row.decided_at))
    return found


def reviews_due_count(today: date) -> int:
    return db.session.scalar(
        select(func.count()).select_from(SupportDecision).where(SupportDecision.id.in_(latest_ids()), SupportDecision.review_on < today)
    ) or 0
