"""What the officers' views count in a self-evaluation, drawn from a submission in its own form
version: each area's grade, the safeguarding outcome, and each priority's LA priority and its words.

Keys and scales come from the framework of that version, so a return made under an older framework
keeps the keys and grades it was made with, and a new framework brings its own.
"""

from __future__ import annotations

from app.engine.registry import FactValue
from app.returns.sef.framework import framework


def sef_facts(answers: dict, form_version: str) -> list[FactValue]:
    version = framework(form_version)
    # 1 = the best grade of this framework's scale, counting down to the most concern.
    positions = {key: position for position, (key, _) in enumerate(version.grades, start=1)}
    found: list[FactValue] = []
    for area in version.areas:
        grade = (answers.get(area.key) or {}).get("grade")
        if grade in positions:  # an area the school is not asked about has no section
            found.append(FactValue(f"grade.{area.key}", text=grade, number=float(positions[grade])))
    outcome = (answers.get("safeguarding") or {}).get("outcome")
    if outcome in dict(version.safeguarding):
        found.append(FactValue("safeguarding", text=outcome))
    rows = (answers.get("priorities") or {}).get("priorities") or []
    for position, row in enumerate(rows, start=1):
        if not isinstance(row, dict) or not row.get("la_priority"):
            continue  # a blank row the form dropped, or one left unfinished
        # The engine hands over answers whose rows all carry their stable "id" (old snapshots' rows
        # get "p1", "p2", ... from their places); the same from the place, should one lack it.
        row_id = str(row.get("id") or f"p{position}")
        found.append(FactValue("priority.la_priority", text=row["la_priority"], row_id=row_id))
        # The priority's own words, so the school page shows it beside its tag without the JSON.
        found.append(FactValue("priority.title", text=str(row.get("title") or ""), row_id=row_id))
    return found
