"""What the officers' mental-health view counts in a plan, drawn from a submission in its own
version: each principle's rating, the lead's training and place on the senior team, the survey and
the Mental Health Support Team, and each action's status, THRIVE need and focus (by row)."""

from __future__ import annotations

from app.engine.registry import FactValue
from app.returns.wellbeing.framework import version as version_of


def _yes_no(key: str, value) -> list[FactValue]:
    if value not in ("yes", "no"):
        return []
    return [FactValue(key, text=value, number=1.0 if value == "yes" else 0.0)]


def wellbeing_facts(answers: dict, form_version: str) -> list[FactValue]:
    version = version_of(form_version)
    positions = {key: position for position, (key, _) in enumerate(version.ratings)}  # 0 = not yet started
    found: list[FactValue] = []
    principles = answers.get("principles") or {}
    for key, _ in version.principles:
        rating = principles.get(key)
        if rating in positions:
            found.append(FactValue(f"principle.{key}", text=rating, number=float(positions[rating])))
    lead = answers.get("lead") or {}
    found += _yes_no("lead.trained", lead.get("trained"))
    found += _yes_no("lead.on_slt", lead.get("on_slt"))
    survey = answers.get("survey") or {}
    found += _yes_no("survey.took_part", survey.get("took_part"))
    found += _yes_no("mhst.served", survey.get("mhst"))
    lists = {
        "status": dict(version.statuses),
        "thrive_need": dict(version.thrive_needs),
        "focus": dict(version.focuses),
        "principle": dict(version.principles),
    }
    rows = (answers.get("action_plan") or {}).get("actions") or []
    for position, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            continue
        row_id = str(row.get("id") or f"a{position}")
        for name, allowed in lists.items():
            if row.get(name) in allowed:
                found.append(FactValue(f"action.{name}", text=row[name], row_id=row_id))
        if row.get("target_on"):
            found.append(FactValue("action.target_on", text=str(row["target_on"]), row_id=row_id))
    return found
