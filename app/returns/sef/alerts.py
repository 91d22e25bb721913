"""What a self-evaluation raises for officers at once: safeguarding self-evaluated as not met."""

from __future__ import annotations

from app.engine.registry import Alert

SAFEGUARDING_NOT_MET = Alert("safeguarding_not_met", "Safeguarding not met")


def sef_alerts(answers: dict, form_version: str) -> list[Alert]:
    # Every framework so far words the outcome "met" / "not_met" (framework.safeguarding).
    outcome = (answers.get("safeguarding") or {}).get("outcome")
    return [SAFEGUARDING_NOT_MET] if outcome == "not_met" else []
