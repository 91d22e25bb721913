"""The facts a plan gives the officers' mental-health view: only values from the version's own
lists become facts, so a value that is not one of them (an old bug, a hand-edited row) never
counts."""

from __future__ import annotations

from app.engine.registry import FactValue
from app.returns.wellbeing.facts import wellbeing_facts
from tests.returns.wellbeing.test_sections import VALID_JSON


def test_every_fact_the_officers_view_counts():
    answers = {**VALID_JSON, "action_plan": {"actions": [{**row, "id": f"r{n}"} for n, row in enumerate(VALID_JSON["action_plan"]["actions"])]}}
    facts = wellbeing_facts(answers, "wellbeing-2026")
    assert FactValue("principle.leadership", text="developing", number=2.0) in facts
    assert FactValue("lead.trained", text="yes", number=1.0) in facts
    assert FactValue("lead.on_slt", text="yes", number=1.0) in facts
    assert FactValue("survey.took_part", text="yes", number=1.0) in facts
    assert FactValue("mhst.served", text="no", number=0.0) in facts
    for row_id in ("r0", "r1"):
        assert FactValue("action.status", text="on_track", row_id=row_id) in facts
        assert FactValue("action.thrive_need", text="thriving", row_id=row_id) in facts
        assert FactValue("action.focus", text="anxiety", row_id=row_id) in facts
        assert FactValue("action.target_on", text="2027-03-31", row_id=row_id) in facts
    assert len([f for f in facts if f.key.startswith("principle.")]) == 8


def test_values_outside_the_lists_are_never_facts():
    answers = {
        "lead": {"trained": "maybe", "on_slt": "<script>"},
        "principles": {"leadership": "brilliant"},
        "survey": {"took_part": "", "mhst": None},
        "action_plan": {"actions": [{"id": "r0", "status": "done", "thrive_need": "flourishing", "focus": "x", "principle": "wellness"}, "not a row"]},
    }
    assert wellbeing_facts(answers, "wellbeing-2026") == []
    assert wellbeing_facts({}, "wellbeing-2026") == []
