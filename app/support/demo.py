"""The demo borough's support categories (`flask seed-demo`): a version of the criteria published
last year and a clearer one since, every category in use, each school's history of decisions, some
against the suggestion (with the reason), a few schools whose review has fallen due and a few not
yet categorised. Invented, like the rest of the demo."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select

from app.extensions import db
from app.formatting import LONDON
from app.models import School, User
from app.models.support import SupportCriteria, SupportDecision
from app.support import criteria as criteria_data
from app.support.rules import suggest

REASONS = {
    "green": "The self-evaluation matches what the link officer saw on the autumn visit, and its priorities are well chosen and measurable.",
    "amber": "Agreed at the annual conversation: each area graded as needing attention has a plan with termly milestones, which the link officer checks each term.",
    "red": "Leaders need intensive support to bring about rapid improvement; the council is brokering support from a strong local school and will review progress with governors every half term.",
}
DEPARTURES = {
    "more": "The link officer's visit this term raised concerns about leadership capacity that the self-evaluation does not yet show.",
    "less": "The school's own evidence since its self-evaluation shows the area has improved: the link officer has seen it first-hand in lessons and books.",
}
EARLIER = {"green": "Settled school; no concerns raised at the annual conversation.",
           "amber": "Outcomes dipped last summer; a plan is agreed with the head teacher.",
           "red": "A new head teacher and falling outcomes; intensive support agreed with the governors."}


def _moment(day: date, hour: int = 11) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=LONDON).astimezone(timezone.utc)


def seed_support(admin: User, officer: User, today: date) -> None:
    """After the returns: decisions under the starter criteria last year, a clearer version published
    since, and this year's decisions under it beside the suggestion of the day."""
    year = today.year if today.month >= 9 else today.year - 1
    starter = criteria_data.stored_current()
    db.session.get(SupportCriteria, starter.id).published_at = _moment(date(year - 1, 11, 1))
    schools = list(db.session.scalars(select(School).order_by(School.urn)))
    keys = [category.key for category in starter.categories]  # least support first

    for index, school in enumerate(schools):
        if index % 9 == 8:
            continue  # not yet categorised
        earlier = keys[(index + 1) % len(keys)]
        db.session.add(SupportDecision(
            school_id=school.id, criteria_id=starter.id, category=earlier, reason=EARLIER[earlier],
            review_on=date(year, 3, 31), suggested=None, suggested_because=[], decided_by_id=officer.id,
            decided_at=_moment(date(year - 1, 11, 20) + timedelta(days=index % 20)),
        ))

    categories, rules = criteria_data.as_data(starter)
    categories[1]["description"] = ("Targeted support: the link officer agrees a plan with the school for each area that needs attention, "
                                    "with milestones checked each term.")
    current = criteria_data.publish(categories, rules, "Amber now says how often the plan is checked.", admin)
    db.session.get(SupportCriteria, current.id).published_at = _moment(date(year, 9, 1) if date(year, 9, 1) < today else today - timedelta(days=30))

    now = _moment(today)
    for index, school in enumerate(schools):
        if index % 9 == 8:
            continue
        suggestion = suggest(current, school, now)
        chosen = suggestion.category.key
        departure = ""
        if index % 4 == 1:  # the officer knows more than the evidence the service holds
            place = keys.index(chosen)
            if place + 1 < len(keys):
                chosen, departure = keys[place + 1], DEPARTURES["more"]
            else:
                chosen, departure = keys[place - 1], DEPARTURES["less"]
        review_on = today - timedelta(days=3 + index) if index % 6 == 0 else today + timedelta(days=60 + 7 * (index % 8))
        db.session.add(SupportDecision(
            school_id=school.id, criteria_id=current.id, category=chosen, reason=REASONS[chosen], departure=departure,
            review_on=review_on, suggested=suggestion.category.key, suggested_because=suggestion.because, decided_by_id=officer.id,
            decided_at=_moment(today - timedelta(days=40 + index)) if index % 6 == 0 else _moment(today - timedelta(days=5 + index)),
        ))
    db.session.flush()
