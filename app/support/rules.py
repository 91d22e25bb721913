"""The rules that suggest a support category, and the evidence each finds for a school.

A rule is data (criteria.Rule: a kind, the category it points to, its published wording and its
parameters); a rule kind is code registered here that finds the evidence for every rule of its
kind at once, in a fixed number of queries. Later issues add kinds (performance flags) with
`register_kind`, and an administrator adds or changes rules of any known kind as a new version of
the criteria.

The suggestion is the category with the most support that any rule finds evidence for; where no
rule finds any, the category with the least support.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select

from app.engine import registry
from app.engine.school_returns import for_school_home
from app.extensions import db
from app.formatting import LONDON
from app.models import CollectionWindow, Fact, Return, School, Submission
from app.models.returns import ACCEPTED
from app.models.types import utcnow
from app.support.criteria import Category, Criteria, Rule


@dataclass(frozen=True)
class Evidence:
    """One thing the service holds that a rule found, in words, with where to read it: a
    submission (the snapshot the fact came from), a return, or neither (the school's returns)."""

    text: str
    return_id: int | None = None
    submission_number: int | None = None


@dataclass(frozen=True)
class RuleKind:
    key: str
    # Given the school, this kind's rules in the version, and the moment: the evidence per rule key.
    find: Callable[[School, list[Rule], datetime], dict[str, list[Evidence]]]
    describe: str  # what the kind looks at, for the administrator changing rules


RULE_KINDS: dict[str, RuleKind] = {}


def register_kind(kind: RuleKind) -> RuleKind:
    RULE_KINDS[kind.key] = kind
    return kind


@dataclass(frozen=True)
class Reason:
    rule: Rule
    evidence: list[Evidence]


@dataclass(frozen=True)
class Suggestion:
    category: Category
    reasons: list[Reason]  # the rules that point to the suggested category, with their evidence
    others: list[Reason] = field(default_factory=list)  # rules that found evidence for a category with less support

    @property
    def because(self) -> list[str]:
        """The reasons as they were shown, to keep with a decision."""
        return [f"{reason.rule.wording}: {'; '.join(e.text for e in reason.evidence)}" for reason in self.reasons]


def suggest(criteria: Criteria, school: School, now: datetime | None = None) -> Suggestion:
    """The category these criteria suggest for the school, with each reason and its evidence."""
    now = now or utcnow()
    found: dict[str, list[Evidence]] = {}
    by_kind: dict[str, list[Rule]] = {}
    for rule in criteria.rules:
        by_kind.setdefault(rule.kind, []).append(rule)
    for kind_key, rules in by_kind.items():
        kind = RULE_KINDS.get(kind_key)
        if kind is not None:  # a kind no longer in the code finds nothing, rather than failing
            found.update(kind.find(school, rules, now))
    fired = [Reason(rule, found[rule.key]) for rule in criteria.rules if found.get(rule.key) and criteria.category(rule.category)]
    if not fired:
        return Suggestion(criteria.default, [])
    top = max((criteria.category(reason.rule.category) for reason in fired), key=lambda category: category.rank)
    return Suggestion(
        top,
        [reason for reason in fired if reason.rule.category == top.key],
        [reason for reason in fired if reason.rule.category != top.key],
    )


# The starter kinds.


def _facts(school: School, rules: list[Rule], now: datetime) -> dict[str, list[Evidence]]:
    """A fact of the school's latest accepted return of a type: an exact key ("safeguarding") or
    keys starting with a prefix ("grade."), with a value among `values`. Two queries."""
    types = {rule.params.get("return_type") for rule in rules}
    latest: dict[str, int] = {}
    for return_id, return_type in db.session.execute(
        select(Return.id, Return.return_type)
        .join(CollectionWindow, CollectionWindow.id == Return.window_id)
        .where(Return.school_id == school.id, Return.state == ACCEPTED, Return.return_type.in_(types))
        .order_by(CollectionWindow.opens_on.desc(), CollectionWindow.id.desc())
    ):
        latest.setdefault(return_type, return_id)
    # Asked even when there is no accepted return, so the page's number of queries never varies.
    facts = db.session.execute(
        select(Fact.return_id, Fact.return_type, Fact.form_version, Fact.key, Fact.text_value, Submission.number, CollectionWindow.title)
        .join(Submission, Submission.id == Fact.submission_id)
        .join(CollectionWindow, CollectionWindow.id == Fact.window_id)
        .where(Fact.return_id.in_(list(latest.values())), Fact.current.is_(True))
        .order_by(Fact.id)
    ).all()
    found: dict[str, list[Evidence]] = {}
    for rule in rules:
        params = rule.params
        values = set(params.get("values") or ())
        for return_id, return_type, form_version, key, text, number, title in facts:
            if return_type != params.get("return_type") or text not in values:
                continue
            if key != params.get("key") and not (params.get("key_prefix") and key.startswith(params["key_prefix"])):
                continue
            kind = registry.get(return_type)
            words = kind.describe_fact(key, text, form_version) if kind else f"{key}: {text}"
            found.setdefault(rule.key, []).append(Evidence(f"{words} ({title})", return_id, number))
    return found


def _overdue(school: School, rules: list[Rule], now: datetime) -> dict[str, list[Evidence]]:
    """A return the school has not submitted more than `days` days after its due date, in a window
    still open for it. Two queries, through the school's own list of returns."""
    today = now.astimezone(LONDON).date()
    rows = [row for row in for_school_home(school, None, now) if row.overdue]
    found: dict[str, list[Evidence]] = {}
    for rule in rules:
        days = int(rule.params.get("days", 0))
        for row in rows:
            late = (today - row.due_on).days
            if late > days:
                text = f"{row.window.title}: due {_day(row.due_on)}, not submitted, {late} days overdue"
                found.setdefault(rule.key, []).append(Evidence(text, row.ret.id if row.ret else None))
    return found


def _day(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


register_kind(RuleKind("fact", _facts, "A fact of the school's latest accepted return of a type has one of the given values"))
register_kind(RuleKind("overdue_return", _overdue, "A return is not submitted more than the given number of days after it was due"))
