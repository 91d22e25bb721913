"""The support categories and the rules that suggest one, as versioned data.

What is published is a SupportCriteria row: an administrator's change is a new version, never an
edit, so every decision keeps the words it was made under. Until an administrator first publishes,
the council's starter criteria below are version 1; they are written to the database the first
time something needs to point at them (a decision, or a change).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models.support import SupportCriteria

# The GOV.UK tag colours a category may take; the name in words is always shown beside it.
COLOURS = ("green", "yellow", "orange", "red", "grey", "blue", "purple")

STARTER_CATEGORIES = [
    {
        "key": "green",
        "name": "Green",
        "colour": "green",
        "description": "Universal support: the school leads its own improvement with the support every school has.",
        "criteria": "The school's latest accepted self-evaluation grades every area at the expected standard or better, safeguarding is met, and its returns arrive on time.",
    },
    {
        "key": "amber",
        "name": "Amber",
        "colour": "yellow",
        "description": "Targeted support: a link officer agrees a plan with the school for the areas that need attention and checks on it each term.",
        "criteria": "The school grades an area as needing attention, or a return to the council is more than 14 days overdue.",
    },
    {
        "key": "red",
        "name": "Red",
        "colour": "red",
        "description": "Intensive support: the council brokers support and reviews progress with the school and its governors at least every half term.",
        "criteria": "Safeguarding is not met, or the school grades an area as needing urgent improvement.",
    },
]

STARTER_RULES = [
    {
        "key": "safeguarding_not_met",
        "kind": "fact",
        "category": "red",
        "wording": "Safeguarding is not met in the latest accepted self-evaluation",
        "params": {"return_type": "sef", "key": "safeguarding", "values": ["not_met"]},
    },
    {
        "key": "urgent_improvement",
        "kind": "fact",
        "category": "red",
        "wording": "An area is graded urgent improvement in the latest accepted self-evaluation",
        "params": {"return_type": "sef", "key_prefix": "grade.", "values": ["urgent_improvement"]},
    },
    {
        "key": "needs_attention",
        "kind": "fact",
        "category": "amber",
        "wording": "An area is graded needs attention in the latest accepted self-evaluation",
        "params": {"return_type": "sef", "key_prefix": "grade.", "values": ["needs_attention"]},
    },
    {
        "key": "overdue_return",
        "kind": "overdue_return",
        "category": "amber",
        "wording": "A return is overdue by more than 14 days",
        "params": {"days": 14},
    },
]


@dataclass(frozen=True)
class Category:
    key: str
    name: str
    colour: str
    description: str
    criteria: str
    rank: int  # 0 the least support; a higher rank wins when rules point to several

    @property
    def tag_class(self) -> str:
        return f"govuk-tag--{self.colour if self.colour in COLOURS else 'grey'}"


@dataclass(frozen=True)
class Rule:
    key: str
    kind: str
    category: str
    wording: str
    params: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Criteria:
    """One published version: its categories (least support first) and its rules."""

    id: int | None  # None until the starter version is first written
    number: int
    categories: tuple[Category, ...]
    rules: tuple[Rule, ...]
    note: str = ""
    published_at: Any = None
    published_by: str | None = None

    def category(self, key: str | None) -> Category | None:
        return next((category for category in self.categories if category.key == key), None)

    @property
    def default(self) -> Category:
        return self.categories[0]

    def rules_for(self, key: str) -> list[Rule]:
        return [rule for rule in self.rules if rule.category == key]


def _view(row: SupportCriteria, published_by: str | None = None) -> Criteria:
    return Criteria(
        id=row.id,
        number=row.number,
        categories=tuple(
            Category(c["key"], c["name"], c.get("colour", "grey"), c.get("description", ""), c.get("criteria", ""), rank)
            for rank, c in enumerate(row.categories)
        ),
        rules=tuple(Rule(r["key"], r["kind"], r["category"], r["wording"], dict(r.get("params") or {})) for r in row.rules),
        note=row.note or "",
        published_at=row.published_at,
        published_by=published_by,
    )


def starter() -> Criteria:
    return _view(SupportCriteria(id=None, number=1, categories=STARTER_CATEGORIES, rules=STARTER_RULES, note="The council's starter criteria."))


def current() -> Criteria:
    """The latest published version (one query), or the starter criteria before any."""
    row = db.session.scalars(select(SupportCriteria).order_by(SupportCriteria.number.desc()).limit(1)).first()
    return _view(row) if row is not None else starter()


def all_versions() -> list[Criteria]:
    """Every published version, newest first, with who published it: one query."""
    from app.models import User

    rows = db.session.execute(
        select(SupportCriteria, User.name).outerjoin(User, User.id == SupportCriteria.published_by_id).order_by(SupportCriteria.number.desc())
    ).all()
    return [_view(row, name) for row, name in rows] or [starter()]


def version(number: int) -> Criteria | None:
    if number == 1 and not db.session.scalar(select(func.count()).select_from(SupportCriteria)):
        return starter()
    row = db.session.scalars(select(SupportCriteria).where(SupportCriteria.number == number)).first()
    return _view(row) if row is not None else None


def by_ids(ids: set[int]) -> dict[int, Criteria]:
    """The versions that decisions were made under, by id: one query (asked even for none, so a
    page's number of queries does not depend on whether the school has a history)."""
    return {row.id: _view(row) for row in db.session.scalars(select(SupportCriteria).where(SupportCriteria.id.in_(ids)))}


def stored_current() -> Criteria:
    """The current version, written first if it is still the starter one (for a decision to point at)."""
    found = current()
    if found.id is not None:
        return found
    try:
        with db.session.begin_nested():  # two first decisions at once: one writes it, the other reads it
            row = SupportCriteria(number=1, categories=STARTER_CATEGORIES, rules=STARTER_RULES, note="The council's starter criteria.")
            db.session.add(row)
    except IntegrityError:
        return current()
    return _view(row)


class PublishedMeanwhile(Exception):
    """Another version was published between reading the current one and publishing this one."""


def publish(categories: list[dict], rules: list[dict], note: str, by, *, based_on: int | None = None) -> Criteria:
    """A new version with these categories and rules, numbered after the current one (or after
    `based_on`, the version the change was made from: PublishedMeanwhile if that is no longer the
    current one). The rules' kinds must be known (app/support/rules.py) and point at categories of
    this version."""
    from app.support.rules import RULE_KINDS

    keys = [category["key"] for category in categories]
    if not categories or len(set(keys)) != len(keys):
        raise ValueError("categories need distinct keys")
    for rule in rules:
        if rule["kind"] not in RULE_KINDS or rule["category"] not in keys:
            raise ValueError(f"rule {rule['key']!r} has an unknown kind or category")
    previous = stored_current()
    number = (based_on if based_on is not None else previous.number) + 1
    if number != previous.number + 1:
        raise PublishedMeanwhile(previous.number)
    try:
        # The number is unique: of two administrators publishing at once, the second is told.
        with db.session.begin_nested():
            row = SupportCriteria(number=number, categories=categories, rules=rules, note=note, published_by_id=by.id if by else None)
            db.session.add(row)
    except IntegrityError:
        raise PublishedMeanwhile(number) from None
    return _view(row, by.name if by else None)


def as_data(criteria: Criteria) -> tuple[list[dict], list[dict]]:
    """A version's categories and rules as the data `publish` takes, to change and publish anew."""
    categories = [
        {"key": c.key, "name": c.name, "colour": c.colour, "description": c.description, "criteria": c.criteria} for c in criteria.categories
    ]
    rules = [{"key": r.key, "kind": r.kind, "category": r.category, "wording": r.wording, "params": dict(r.params)} for r in criteria.rules]
    return categories, rules
