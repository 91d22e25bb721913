"""The mental-health plan is a living plan once accepted: the type declares its actions living
(app/returns/wellbeing/__init__.py), and the engine's mechanism (app/engine/living.py) does the rest.
This checks the declaration end to end on the real type, over HTTP."""

from __future__ import annotations

from copy import deepcopy
from datetime import timedelta

from sqlalchemy import select

from app.engine import drafts, lifecycle
from app.engine.history import submissions_of
from app.extensions import db
from app.models import LivingUpdate
from tests.returns.test_sef_sections import make_window, section_path, stored, text
from tests.returns.wellbeing.test_sections import VALID_JSON, World, ret, world  # noqa: F401  (fixtures)


def accepted_plan(world: World, ret, answers: dict | None = None):
    world.complete(ret, answers)
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


def test_next_years_plan_starts_from_each_actions_latest_status_and_progress_note(world, ret):
    """Through the start page, as a school would: the copied actions carry the living plan's latest
    status and note (in the plan's own "Progress so far" field), not the accepted snapshot's."""
    answers = deepcopy(VALID_JSON)
    answers["action_plan"]["actions"][1]["progress"] = "Planned with the support team"
    snapshot = accepted_plan(world, ret, answers)
    first, second = (action["id"] for action in snapshot.answers["action_plan"]["actions"])
    school = world.browser("contributor")
    assert school.post(f"/returns/{ret.id}/plan/{first}", {"status": "at_risk", "note": "Two of five staff trained"}).status_code == 303
    assert school.post(f"/returns/{ret.id}/plan/{first}", {"status": "complete", "note": "All staff trained by March"}).status_code == 303
    later = make_window(
        return_type="wellbeing", academic_year="2027/28", title="Mental health action plan, autumn 2027", phases=["Primary"],
        opens_on=world.window.opens_on + timedelta(days=1),
    )
    started = world.browser("approver").post(f"/windows/{later.id}/start", {"start_from": "previous"})
    assert started.status_code == 303
    next_year = drafts.return_for(later, world.school)
    copied = {row["id"]: row for row in stored(next_year, "action_plan").answers["actions"]}
    assert (copied[first]["status"], copied[first]["progress"]) == ("complete", "All staff trained by March")
    assert (copied[second]["status"], copied[second]["progress"]) == ("on_track", "Planned with the support team"), "an action nobody updated keeps the plan's status and note"
    page = text(world.browser("approver").get(section_path(next_year, "action_plan")))
    assert "All staff trained by March" in page and "Progress so far" in page


def test_another_schools_action_ids_and_a_plan_not_accepted_take_no_update(world, ret):
    """Posting another school's plan or action id is not found and changes nothing; a plan that is
    submitted but not yet accepted has no living actions to update."""
    snapshot = accepted_plan(world, ret)
    mine = snapshot.answers["action_plan"]["actions"][0]["id"]
    theirs = lifecycle.start(world.other, world.window, world.other_school)
    world.complete(theirs)
    lifecycle.perform(lifecycle.SUBMIT, theirs, world.other)
    db.session.flush()
    their_action = submissions_of(theirs)[-1].submission.answers["action_plan"]["actions"][0]["id"]
    before = db.session.scalars(select(LivingUpdate)).all()
    school, other = world.browser("contributor"), world.browser("other")
    # Another school's user, on my plan's action: not found.
    assert other.post(f"/returns/{ret.id}/plan/{mine}", {"status": "complete", "note": "Forged"}).status_code == 404
    assert other.get(f"/returns/{ret.id}/plan/{mine}").status_code == 404
    # And the other way round: my school's user on their plan.
    assert school.post(f"/returns/{theirs.id}/plan/{their_action}", {"status": "complete", "note": "Forged"}).status_code == 404
    # My plan with an id that is not one of its actions: not found. (Row ids are the plan's own, so
    # another school's action is reached only through its own plan, which is refused above.)
    for forged in ("p99", "x' OR 1=1 --", "<script>"):
        assert school.post(f"/returns/{ret.id}/plan/{forged}", {"status": "complete", "note": "Forged"}).status_code == 404
    # Their plan is submitted, not accepted: it has no living actions yet.
    refused = other.post(f"/returns/{theirs.id}/plan/{their_action}", {"status": "complete", "note": "Too early"})
    assert refused.status_code in (404, 409)
    assert db.session.scalars(select(LivingUpdate)).all() == before, "nothing changed"
