"""What the officers' careers view counts, drawn from a submission in its own form version: each
benchmark's score (the exact percentage, and its band), each year group's figures, the provider
encounters per key phase, the entitlement points met, the adviser's qualification, and the queries
the answers raised with the school's explanations.

Scores come from the benchmarks of the submission's own version (scoring.py), so a later version
never changes what an old return counted.
"""

from __future__ import annotations

import re

from app.engine.registry import FactValue
from app.returns.careers.benchmarks import version as version_of
from app.returns.careers.queries import PROVIDER_FIELD, QUERIES_BY_SECTION, raised_by
from app.returns.careers.scoring import score

YEAR_FIGURE = re.compile(r"y(\d{1,2})_(on_roll|employer|stem|workplace|guidance)")
EXPLANATIONS = "_explanations"


def _is_count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def careers_facts(answers: dict, form_version: str) -> list[FactValue]:
    version = version_of(form_version)
    found: list[FactValue] = []
    for benchmark in version.benchmarks:
        section = answers.get(benchmark.key)
        if section:
            result = score(benchmark, section)
            found.append(FactValue(f"benchmark.{benchmark.number}", text=result.band, number=result.percent))
    years = answers.get("year_groups") or {}
    for name, value in sorted(years.items()):
        match = YEAR_FIGURE.fullmatch(name)
        if match and _is_count(value):
            found.append(FactValue(f"year.{match.group(2)}", number=float(value), row_id=f"y{int(match.group(1))}"))
    provider = answers.get("provider_access") or {}
    for name, value in sorted(provider.items()):
        match = PROVIDER_FIELD.fullmatch(name)
        if match and _is_count(value):
            found.append(FactValue("provider.encounters", number=float(value), row_id=f"{match.group(1)}_{match.group(2)}"))
    if provider.get("published") in ("yes", "no"):
        found.append(FactValue("provider.published", text=provider["published"]))
    entitlement = answers.get("entitlement") or {}
    for key, _ in version.entitlement:
        if entitlement.get(key) in ("yes", "no"):
            found.append(FactValue(f"entitlement.{key}", text=entitlement[key]))
    qualification = (answers.get("adviser") or {}).get("qualification")
    if qualification in dict(version.qualifications):
        found.append(FactValue("adviser.qualification", text=qualification))
    on_slt = (answers.get("leader") or {}).get("on_slt")
    if on_slt in ("yes", "no"):
        found.append(FactValue("leader.on_slt", text=on_slt))
    for key in QUERIES_BY_SECTION:
        section = answers.get(key) or {}
        explained = section.get(EXPLANATIONS) or {}
        for query in raised_by(key, section):
            found.append(FactValue("query", text=str(explained.get(query.key) or ""), row_id=query.key))
    return found
