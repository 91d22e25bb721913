"""The careers return's queries: figures that are possible but unusual, which the school confirms
with a short explanation instead of being refused, and officers see flagged.

- fewer than two provider encounters in a key phase the school teaches (the law asks for two);
- no pupil in a year group with an employer encounter, where the year group has pupils on roll.

Worked out from a section's answers alone, so the facts drawn from a submission name the same
queries the school saw.
"""

from __future__ import annotations

import re

from app.engine.registry import Query, Section

PROVIDER_FIELD = re.compile(r"encounters_(\d{1,2})_(\d{1,2})")
ON_ROLL_FIELD = re.compile(r"y(\d{1,2})_on_roll")


def _number(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def provider_queries(answers: dict) -> list[Query]:
    found = []
    for name in sorted(answers):
        match = PROVIDER_FIELD.fullmatch(name)
        given = _number(answers.get(name))
        if match and given is not None and given < 2:
            first, second = match.groups()
            found.append(Query(
                f"few_{name}",
                f"Fewer than two provider encounters for pupils in years {first} and {second}: the law asks for at least two in each key phase.",
                field=name,
            ))
    return found


def year_group_queries(answers: dict) -> list[Query]:
    found = []
    years = sorted(int(match.group(1)) for name in answers if (match := ON_ROLL_FIELD.fullmatch(name)))
    for year in years:
        roll, employer = _number(answers.get(f"y{year}_on_roll")), _number(answers.get(f"y{year}_employer"))
        if roll and employer == 0:
            found.append(Query(
                f"no_employer_y{year}",
                f"No pupil in year {year} had an employer encounter: every pupil should have at least one each year.",
                field=f"y{year}_employer",
            ))
    return found


QUERIES_BY_SECTION = {"provider_access": provider_queries, "year_groups": year_group_queries}


def raised_by(section_key: str, answers: dict) -> list[Query]:
    finder = QUERIES_BY_SECTION.get(section_key)
    return finder(answers or {}) if finder else []


def section_queries(section: Section, answers: dict) -> list[Query]:
    return raised_by(section.key, answers)


def message_of(key: str) -> str:
    """A query's words from its key alone (the officers' view lists queries from the facts)."""
    if match := re.fullmatch(r"few_encounters_(\d{1,2})_(\d{1,2})", key):
        return provider_queries({f"encounters_{match.group(1)}_{match.group(2)}": 0})[0].message
    if match := re.fullmatch(r"no_employer_y(\d{1,2})", key):
        year = match.group(1)
        return year_group_queries({f"y{year}_on_roll": 1, f"y{year}_employer": 0})[0].message
    return key
