"""What a page shows of a school's support: its category, history and, for officers, the suggestion."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.formatting import LONDON
from app.models import School
from app.models.types import utcnow
from app.support import criteria as criteria_data
from app.support import decisions
from app.support.criteria import Criteria
from app.support.decisions import Decision
from app.support.rules import Suggestion, suggest


@dataclass(frozen=True)
class SchoolSupport:
    criteria: Criteria  # the current version
    history: list[Decision]  # newest first; the first is the school's category
    suggestion: Suggestion | None  # for council staff only
    today: object

    @property
    def decision(self) -> Decision | None:
        return self.history[0] if self.history else None

    @property
    def review_due(self) -> bool:
        return self.decision is not None and self.decision.row.review_on < self.today


def school_support(school: School, *, with_suggestion: bool, now: datetime | None = None) -> SchoolSupport:
    """A fixed number of queries: the criteria, the decisions and their versions, and (for
    officers) each rule kind's evidence."""
    now = now or utcnow()
    current = criteria_data.current()
    return SchoolSupport(
        current,
        decisions.history(school),
        suggest(current, school, now) if with_suggestion else None,
        now.astimezone(LONDON).date(),
    )
