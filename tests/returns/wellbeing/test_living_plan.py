"""The mental-health plan is a living plan once accepted: the type declares its actions living
(app/returns/wellbeing/__init__.py), and the engine's mechanism (app/engine/living.py) does the rest.
This checks the declaration end to end on the real type, over HTTP."""

from __future__ import annotations

from sqlalchemy import select

from app.engine import lifecycle
from app.engine.history import submissions_of
from app.extensions import db
from app.models import LivingUpdate
from tests.returns.test_sef_sections import text
from tests.returns.wellbeing.test_sections import World, ret, world  # noqa: F401  (fixtures)


def accepted_plan(world: World, ret):
    world.complete(ret)
    lifecycle.perform(lifecycle.SUBMIT, ret, world.approver)
    lifecycle.perform(lifecycle.ACCEPT, ret, world.officer)
    db.session.flush()
    return submissions_of(ret)[-1].submission


def test_an_accepted_plan_s_actions_are_updated_through_the_year_and_the_snapshot_stays(world, ret):
    snapshot = accepted_plan(world, ret)
    frozen = dict(snapshot.answers)
    actions = snapshot.answers["action_plan"]["actions"]
    school = world.browser("contributor")
    plan = text(school.get(f"/returns/{ret.id}/plan"))
    assert all(action["what"] in plan for action in actions)
    assert f"/returns/{ret.id}/plan" in text(school.get(f"/returns/{ret.id}")), "the overview links to the plan"

    first = actions[0]["id"]
    note = "<b>Half the staff</b> have had the training"
    updated = school.post(f"/returns/{ret.id}/plan/{first}", {"status": "at_risk", "note": note})
    assert updated.status_code == 303
    kept = db.session.scalars(select(LivingUpdate)).all()
    assert [(update.status, update.note, update.by_id) for update in kept][-1] == ("at_risk", note, world.contributor.id)
    page = text(school.get(f"/returns/{ret.id}/plan/{first}"))
    assert "&lt;b&gt;Half the staff&lt;/b&gt;" in page and "<b>Half the staff" not in page

    # A status outside the plan's own list is refused; officers read but never update.
    assert school.post(f"/returns/{ret.id}/plan/{first}", {"status": "brilliant", "note": ""}).status_code == 422
    officer = world.browser("officer")
    assert "At risk" in text(officer.get(f"/returns/{ret.id}/plan/{first}"))
    assert officer.post(f"/returns/{ret.id}/plan/{first}", {"status": "complete", "note": ""}).status_code == 404
    # Another school never reaches it.
    assert world.browser("other").get(f"/returns/{ret.id}/plan").status_code == 404

    db.session.refresh(snapshot)
    assert snapshot.answers == frozen, "the accepted snapshot stays as it was"
