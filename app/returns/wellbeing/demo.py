"""Invented but plausible mental-health action plans for the demo borough (`make run`).

Actions fit the school's phase (no exam-stress work in a nursery), and this year's plans have some
actions due within a few weeks and some overdue, so the officers' views have something to show.
Every name is invented; no action names or describes a pupil.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone

from app.models import School

LEADS = (
    ("Priya Shah", "Deputy headteacher"),
    ("Tom Okafor", "Assistant headteacher for inclusion"),
    ("Grace Lin", "SENCo"),
    ("Daniel Byrne", "Head of pastoral care"),
    ("Amira Haddad", "Designated safeguarding lead"),
)
PROVIDERS = ("Anna Freud Centre", "Carnegie Centre of Excellence for Mental Health in Schools", "Minds Ahead", "The Charlie Waller Trust")

EVIDENCE = {
    "not_started": "We have not yet started work on this; it is in next year's plan.",
    "emerging": "Early steps are in place: a lead is named and staff have had an introduction, but practice is not yet consistent.",
    "developing": "Most staff follow the approach and the pupil survey shows improvement, though monitoring is still informal.",
    "embedded": "This is part of how the school works: governors monitor it termly and the pupil and staff surveys confirm it.",
}
RATING_WEIGHTS = {"not_started": 1, "emerging": 3, "developing": 5, "embedded": 3}

# (principle, what, outcome, success criteria, lead role, THRIVE need, focus)
EARLY = (
    ("curriculum", "Introduce daily feelings check-ins and emotion-coaching language in every room.", "Children can name and talk about their feelings.", "Key-person observations show most children using feelings words by spring.", "Early years lead", "thriving", "awareness"),
    ("parents_carers", "Run termly stay-and-play sessions on sleep, routines and settling.", "Parents feel confident supporting their child's wellbeing at home.", "At least half of families attend one session; feedback rated helpful.", "Family support worker", "getting_advice", "resilience"),
    ("staff_development", "Train all practitioners in emotion coaching.", "Consistent, calm responses to children's big feelings.", "All staff trained; learning walks see the approach in every room.", "Nursery manager", "thriving", "anger"),
)
PRIMARY = (
    ("curriculum", "Teach a weekly zones-of-regulation lesson in every class.", "Pupils recognise worry and anger and use calming strategies.", "Pupil survey: 80% say they know what to do when worried.", "PSHE lead", "thriving", "anxiety"),
    ("student_voice", "Set up a pupil wellbeing council with two members from each year group.", "Pupils shape playtime and wellbeing provision.", "Council meets half-termly and at least three changes are made from its ideas.", "Assistant headteacher", "thriving", "awareness"),
    ("targeted_support", "Offer small-group anxiety sessions led by the Mental Health Support Team.", "Pupils referred show reduced anxiety.", "Pre and post measures improve for most participants.", "SENCo", "getting_help", "anxiety"),
    ("parents_carers", "Hold parent workshops on supporting anxious children.", "Parents use consistent strategies at home.", "Two workshops held; follow-up survey shows confidence improved.", "Family liaison officer", "getting_advice", "anxiety"),
    ("staff_development", "Introduce staff wellbeing supervision for the pastoral team.", "Staff feel supported and workload is manageable.", "Staff survey wellbeing score rises by ten points.", "Headteacher", "thriving", "staff_wellbeing"),
)
SECONDARY = (
    ("curriculum", "Add a unit on managing exam stress to the year 10 and 11 PSHE programme.", "Students have strategies for exam pressure.", "Survey after mocks: fewer students report high stress.", "Head of PSHE", "getting_advice", "anxiety"),
    ("targeted_support", "Agree a clear referral route to CAMHS and the Mental Health Support Team.", "Students in need get help sooner.", "Time from concern to first support falls below four weeks.", "Designated safeguarding lead", "getting_more_help", "self_harm"),
    ("student_voice", "Train sixth-form and year 10 peer mentors.", "Younger students have someone to talk to.", "Twenty mentors trained; mentoring log shows weekly use.", "Head of year 10", "thriving", "resilience"),
    ("identifying_need", "Screen year 7 for wellbeing in the first half-term.", "Needs are found early and met.", "All year 7 screened; follow-up within two weeks for those flagged.", "Assistant headteacher for pastoral care", "getting_help", "awareness"),
    ("ethos", "Introduce restorative conversations after behaviour incidents.", "Fewer repeated incidents and less anger-related conflict.", "Repeat incidents fall by a quarter.", "Deputy headteacher", "getting_help", "anger"),
    ("staff_development", "Protect time for staff wellbeing and reduce marking load.", "Staff wellbeing improves.", "Staff survey: 80% say workload is manageable.", "Headteacher", "thriving", "staff_wellbeing"),
)
SPECIAL = (
    ("targeted_support", "Put an individual regulation plan in place for every pupil who needs one.", "Pupils are calmer and more settled.", "Incidents needing physical intervention fall by a third.", "SENCo", "getting_more_help", "anger"),
    ("identifying_need", "Use a consistent wellbeing measure for all pupils each term.", "Changes in wellbeing are noticed early.", "Measure completed for all pupils termly.", "Assistant headteacher", "getting_help", "awareness"),
    ("parents_carers", "Offer a monthly coffee morning with the school's therapist.", "Families feel supported.", "Attendance and feedback recorded each month.", "Family support worker", "getting_advice", "resilience"),
    ("targeted_support", "Agree a risk-support pathway with CAMHS for pupils in crisis.", "Pupils at risk are kept safe.", "Pathway agreed and reviewed termly.", "Designated safeguarding lead", "getting_risk_support", "self_harm"),
)

COMMENTS = {
    "action_plan": "Please make the success criteria measurable: what will be different, and by how much?",
    "lead": "Please add when the lead completed the training.",
}
RETURN_REASONS = (
    "Thank you. Please make each action's success criteria measurable.",
    "Please check the ratings against the evidence: several principles are rated embedded without evidence of monitoring.",
)


def _bank(school: School) -> tuple:
    if school.is_special or school.is_alternative_provision:
        return SPECIAL
    if school.phase == "Nursery":
        return EARLY
    if (school.statutory_high_age or 11) <= 11 or school.phase in ("Primary", "Middle deemed primary"):
        return PRIMARY
    return SECONDARY


def answers(school: School, rng: random.Random, year: int) -> dict[str, dict]:
    from app.returns.wellbeing.framework import CURRENT

    name, role = rng.choice(LEADS)
    trained = rng.random() < 0.7
    lead = {
        "name": name,
        "role": role,
        "on_slt": "yes" if rng.random() < 0.75 else "no",
        "trained": "yes" if trained else "no",
        "provider": rng.choice(PROVIDERS) if trained else "",
        "trained_on": date(year - rng.randint(0, 2), rng.randint(1, 7), rng.randint(1, 28)).isoformat() if trained else None,
    }
    principles = {}
    keys, weights = list(RATING_WEIGHTS), list(RATING_WEIGHTS.values())
    for key, _ in CURRENT.principles:
        rating = rng.choices(keys, weights)[0]
        principles[key] = rating
        principles[f"{key}_evidence"] = EVIDENCE[rating]
    survey = {"took_part": "yes" if rng.random() < 0.8 else "no", "mhst": "yes" if rng.random() < 0.5 else "no"}

    # This year's plan runs from September; the demo's today decides which actions are due soon or
    # overdue. Last year's plan is a year earlier and largely complete.
    today = date.today()
    current = year >= (today.year if today.month >= 9 else today.year - 1)
    chosen = rng.sample(_bank(school), rng.randint(3, len(_bank(school))))
    actions = []
    for n, (principle, what, outcome, criteria, lead_role, need, focus) in enumerate(chosen):
        start = date(year, 9, 8) + timedelta(days=7 * n)
        if current and n == 0:
            target, status = today - timedelta(days=rng.randint(3, 20)), "off_track"  # overdue
        elif current and n == 1:
            target, status = today + timedelta(days=rng.randint(5, 14)), "at_risk"  # due soon
        else:
            target = date(year + 1, rng.choice((3, 6, 7)), rng.randint(1, 28))
            status = rng.choice(("on_track", "not_started", "on_track")) if current else rng.choice(("complete", "complete", "on_track"))
        if target < start:
            start = target - timedelta(days=42)
        actions.append({
            "principle": principle, "what": what, "outcome": outcome, "success_criteria": criteria, "lead_role": lead_role,
            "start_on": start.isoformat(), "target_on": target.isoformat(), "thrive_need": need, "focus": focus, "status": status,
            # Where it has got to when the plan was written; nothing yet for an action not started.
            "progress": None if status == "not_started" else rng.choice(NOTES[status]).format(**_words(school)),
        })
    return {"lead": lead, "principles": principles, "survey": survey, "action_plan": {"actions": actions}}


# Progress notes a mental-health lead might write, by status. They speak of groups, staff and
# sessions, never of one pupil; in an early years setting "{pupils}" are "children" and a "{class_}" a "room".
NOTES = {
    "not_started": (
        "Planned for next half-term; the lead has booked time with the team to plan it.",
        "Waiting for the new timetable before this can start.",
    ),
    "on_track": (
        "First sessions held and well attended; feedback from {pupils} and staff is positive.",
        "Staff briefing done and materials shared; the lead is checking in with each {class_} half-termly.",
        "Midpoint review with the leadership team: going as planned, no changes needed.",
    ),
    "at_risk": (
        "Staff absence has slowed this down; we have moved two sessions to next half-term.",
        "Take-up is lower than hoped; we are trying a different time of day and reminding families.",
    ),
    "off_track": (
        "Paused: the external provider cancelled and we are looking for another. The target date will slip.",
        "Not enough staff time this term; governors have been told and we will agree a new date.",
    ),
    "complete": (
        "Done: the success criteria are met and the evidence is in the wellbeing folder.",
        "Completed and reviewed with governors; it now carries on as part of everyday practice.",
    ),
}


def _words(school: School) -> dict[str, str]:
    early = _bank(school) is EARLY
    return {"pupils": "children" if early else "pupils", "class_": "room" if early else "class"}


def living_updates(rows: list, school: School, rng: random.Random, accepted: datetime, today: date) -> list[tuple]:
    """The updates the school's staff made to an accepted plan's actions since `accepted`, each
    (row, status, note, when), oldest first. An action whose target has just passed is off track
    (so overdue), one long past mostly complete; one due within the fortnight is at risk; the rest
    move from not started to on track, a few at risk. Several updates per action, spread over the months from
    acceptance to today (or to the end of the plan's summer term, for last year's plan)."""
    words = _words(school)
    start = accepted + timedelta(hours=20)
    end = min(datetime.combine(today, time(9), tzinfo=timezone.utc) - timedelta(days=1), accepted + timedelta(days=300))
    if end <= start:
        return []
    span = (end - start).total_seconds()
    updates = []
    for n, row in enumerate(rows):
        target = row.target_on
        if target is not None and target < today:
            # just missed: off track; long past: mostly done, a few left behind
            final = "off_track" if target >= today - timedelta(days=30) or rng.random() < 0.2 else "complete"
        elif target is not None and target <= today + timedelta(days=14):
            final = "at_risk"
        else:
            final = rng.choice(("on_track", "on_track", "at_risk", "complete" if n > 2 else "on_track"))
        path = {"complete": ("on_track", "on_track", "complete"), "off_track": ("on_track", "at_risk", "off_track"),
                "at_risk": ("not_started", "on_track", "at_risk")}.get(final, ("not_started", "on_track", final))
        count = rng.randint(2, 3)
        # one update in each part of the time since acceptance, so they spread over the months
        days = [start + timedelta(seconds=span * (part + rng.random()) / count) for part in range(count)]
        # in the school day; an update in the hours after `end` would be in the future
        times = sorted(max(start, min(end, day.replace(hour=rng.randint(8, 16), minute=rng.randint(0, 59), second=0, microsecond=0))) for day in days)
        for when, status in zip(times, path[-count:]):
            updates.append((row, status, rng.choice(NOTES[status]).format(**words), when))
    return sorted(updates, key=lambda update: update[3])
