"""Invented but plausible careers returns for the demo borough (`make run`).

Figures fit the school: only the year groups its age range teaches, year groups sized for a
secondary school, a middle school, a sixth-form college, a special school or alternative provision;
employer encounters for most pupils, STEM for some of those, workplace experiences mostly in years
10 and 12. This year's answers are a little better than last year's, so the officers' view shows a
change; the odd year group with no employer encounter or a thin key phase raises a query, explained.
Every name is invented; nothing names a pupil.
"""

from __future__ import annotations

import random
from datetime import date

from app.models import School

LEADERS = (
    ("Joanne Whitaker", "Assistant headteacher"),
    ("Marcus Bell", "Careers leader and head of PSHE"),
    ("Sana Iqbal", "Deputy headteacher"),
    ("Hugh Lennox", "Head of sixth form"),
)
ADVISERS = (("Rachel Amos", "Fenmoor Careers Service"), ("Dev Patel", "Estuary Futures"), ("Claire Ng", "The school"))
EVIDENCE = {
    "high": "The programme is mapped across every year group and reviewed each summer with pupils, parents and carers, and our enterprise adviser; governors receive a termly report.",
    "mid": "Most of this is in place; the careers leader is extending it to the year groups that had least last year, using the tracking in our careers software.",
    "low": "This is at an early stage: the careers leader has started to plan it with the trust and will report progress to governors in the spring.",
}
NOTES = {
    "yes": "Set out in the careers programme and checked at the annual review.",
    "no": "Planned for next term: the careers leader is working on it with our enterprise adviser.",
}
COMMENTS = {
    "benchmark_5": "Please say how you know the encounters were meaningful: what did pupils do before and after them?",
    "year_groups": "Please check the year 10 workplace figure against last year's: it has fallen a long way.",
}
RETURN_REASONS = (
    "Thank you. Please add how encounters are made meaningful under benchmark 5, and check the year 10 figures.",
    "Please check the provider encounters against the published policy statement.",
)


def _current(year: int) -> bool:
    today = date.today()
    return year >= (today.year if today.month >= 9 else today.year - 1)


def _year_size(school: School, year: int, rng: random.Random) -> int:
    if school.is_special:
        return rng.randint(8, 18)
    if school.is_alternative_provision:
        return rng.randint(4, 14)
    if (school.statutory_high_age or 0) <= 13:  # a middle school
        return rng.randint(85, 120)
    if year >= 12:
        return rng.randint(70, 160) if (school.statutory_low_age or 0) < 16 else rng.randint(280, 420)
    return rng.randint(150, 240)


def answers(school: School, rng: random.Random, year: int) -> dict[str, dict]:
    from app.returns.careers import careers_sections
    from app.returns.careers.benchmarks import CURRENT
    from app.returns.careers.forms import phase_key, phases_taught, years_taught

    current = _current(year)
    # How strong this school's programme is: the same each year, a little better this year.
    strength = random.Random(school.urn).uniform(0.3, 0.85) + (0.08 if current else 0)
    if school.urn.endswith("9"):
        strength = 1.5  # one school in the demo achieves all eight
    found: dict[str, dict] = {}
    name, role = rng.choice(LEADERS)
    found["leader"] = {
        "name": name, "role": role, "email": f"careers@{school.slug}.example.org", "phone": "01632 960 0" + str(rng.randint(10, 99)),
        "on_slt": "yes" if rng.random() < 0.7 else "no",
    }
    adviser, employer = rng.choice(ADVISERS)
    found["adviser"] = {
        "name": adviser, "organisation": employer,
        "qualification": "level_6_or_above" if rng.random() < 0.8 else rng.choice(("working_towards_6", "level_4")),
    }
    years = years_taught(school.statutory_low_age, school.statutory_high_age)
    provider: dict = {"published": "yes" if strength > 0.55 else "no"}
    provider["url"] = f"https://www.{school.slug}.example.org/careers/provider-access" if provider["published"] == "yes" else ""
    thin = None
    for phase in phases_taught(years):
        given = rng.randint(2, 6)
        if strength < 0.6 and thin is None:
            given, thin = 1, phase_key(phase)
        provider[phase_key(phase)] = given
    if thin:
        provider["_explanations"] = {f"few_{thin}": "One provider cancelled in the summer term; a replacement visit is booked for this half-term."}
    found["provider_access"] = provider

    def answer() -> str:
        roll = rng.random() * 1.1
        return "yes" if roll < strength else "partly" if roll < strength + 0.3 else "no"

    for benchmark in CURRENT.benchmarks:
        section = {criterion.key: answer() for criterion in benchmark.criteria}
        level = "high" if strength > 0.85 else "mid" if strength > 0.6 else "low"
        found[benchmark.key] = {**section, "evidence": EVIDENCE[level]}

    figures: dict = {}
    quiet = None
    for n in years:
        roll = _year_size(school, n, rng)
        reach = min(1.0, strength + rng.uniform(-0.1, 0.1))
        employer = round(roll * reach)
        if strength < 0.6 and quiet is None and n == years[0] and len(years) > 1:
            employer, quiet = 0, n
        stem = round(employer * rng.uniform(0.35, 0.8))
        workplace = round(roll * (rng.uniform(0.7, 1.0) if n in (10, 12) else rng.uniform(0.02, 0.25)))
        figures.update({f"y{n}_on_roll": roll, f"y{n}_employer": employer, f"y{n}_stem": stem, f"y{n}_workplace": workplace})
        if n in (11, 13):
            figures[f"y{n}_guidance"] = round(roll * min(1.0, strength + rng.uniform(0, 0.15)))
    if quiet:
        figures["_explanations"] = {f"no_employer_y{quiet}": f"Year {quiet}'s employer day moved to the spring term because of building work; it is booked."}
    found["year_groups"] = figures

    entitlement = {}
    for key, _ in CURRENT.entitlement:
        met = "yes" if rng.random() < strength + 0.1 else "no"
        entitlement[key] = met
        entitlement[f"{key}_note"] = NOTES[met] if rng.random() < 0.4 else ""
    found["entitlement"] = entitlement
    # Only the sections this school is asked (all of them: the demo asks only schools in scope).
    keys = {section.key for section in careers_sections(CURRENT.version, school)}
    return {key: value for key, value in found.items() if key in keys}
