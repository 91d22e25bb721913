"""The facts table is kept right in the transaction of every move: after each move the current
facts of a return are exactly what its latest snapshot says (and none are current when the return
is back with the school), `flask returns rebuild-facts` writes the same rows from the snapshots, and
a move's statements do not grow with the number of facts."""

from __future__ import annotations

import copy
import importlib
from dataclasses import replace

import pytest
from sqlalchemy import select

from app.engine import facts as fact_writer
from app.engine import lifecycle, registry
from app.engine.registry import FactValue, ReturnType
from app.extensions import db
from app.models import ReturnSection, Submission
from app.models.returns import ACCEPTED, DRAFT, RETURNED, SECTION_COMPLETED, SUBMITTED, Fact
from app.returns.sef import SEF, sef_sections
from app.returns.sef.facts import sef_facts
from tests.engine import visit_type
from tests.engine.test_second_type import party, visit  # noqa: F401  (fixtures)
from tests.returns.test_sef_sections import AREAS, VALID_JSON, World, make_window

# The module, not the function of the same name that the package exports.
sef_framework = importlib.import_module("app.returns.sef.framework")

FACT_COLUMNS = (
    Fact.return_id, Fact.submission_id, Fact.window_id, Fact.school_id, Fact.return_type, Fact.form_version,
    Fact.key, Fact.row_id, Fact.text_value, Fact.number_value, Fact.current, Fact.state,
)


@pytest.fixture
def world(app, factory) -> World:
    return World(app, factory)


def all_facts() -> set[tuple]:
    """Every row of the table as a tuple, ids aside."""
    return {tuple(row) for row in db.session.execute(select(*FACT_COLUMNS))}


def current_facts(ret) -> set[tuple]:
    rows = db.session.execute(
        select(Fact.key, Fact.row_id, Fact.text_value, Fact.number_value, Fact.state, Fact.submission_id)
        .where(Fact.return_id == ret.id, Fact.current.is_(True))
    )
    return {tuple(row) for row in rows}


def from_latest_snapshot(ret) -> set[tuple]:
    """What the latest snapshot says, worked out from its JSON: the facts that should be current."""
    latest = db.session.scalars(select(Submission).where(Submission.return_id == ret.id).order_by(Submission.number.desc())).first()
    return {(v.key, v.row_id, v.text, v.number, ret.state, latest.id) for v in sef_facts(latest.answers, latest.form_version)}


def states_of(ret) -> set[str]:
    return set(db.session.scalars(select(Fact.state).where(Fact.return_id == ret.id)))


def save(ret, key: str, answers: dict) -> None:
    row = db.session.scalar(select(ReturnSection).where(ReturnSection.return_id == ret.id, ReturnSection.key == key))
    row.answers, row.status = copy.deepcopy(answers), SECTION_COMPLETED
    db.session.flush()


def submitted(world: World, answers: dict | None = None):
    ret = world.start(answers=copy.deepcopy(answers or VALID_JSON))
    for section in db.session.scalars(select(ReturnSection).where(ReturnSection.return_id == ret.id)):
        section.status = SECTION_COMPLETED
    db.session.flush()
    lifecycle.perform(lifecycle.SUBMIT, ret, world.approver)
    return ret


# The SEF's facts.


def test_the_sef_gives_each_grade_on_the_five_point_scale_safeguarding_and_each_priority_tag():
    answers = copy.deepcopy(VALID_JSON)
    answers["inclusion"]["grade"] = "exceptional"
    answers["achievement"]["grade"] = "urgent_improvement"
    answers["attendance_behaviour"]["grade"] = "needs_attention"
    answers["safeguarding"]["outcome"] = "not_met"
    answers["priorities"]["priorities"][1]["la_priority"] = "inclusion"
    found = {(v.key, v.row_id, v.text, v.number) for v in sef_facts(answers, "ofsted-2025")}
    assert ("grade.inclusion", None, "exceptional", 1.0) in found
    assert ("grade.curriculum_teaching", None, "strong", 2.0) in found
    assert ("grade.achievement", None, "urgent_improvement", 5.0) in found
    assert ("grade.attendance_behaviour", None, "needs_attention", 4.0) in found
    assert ("safeguarding", None, "not_met", None) in found
    priorities = sorted((row_id, text) for key, row_id, text, _ in found if key == "priority.la_priority")
    assert priorities == [("p1", "attainment"), ("p2", "inclusion"), ("p3", "attainment")]
    titles = sorted((row_id, text) for key, row_id, text, _ in found if key == "priority.title")
    assert [row_id for row_id, _ in titles] == ["p1", "p2", "p3"] and all(text for _, text in titles)
    assert len(found) == len(AREAS) + 1 + 3 + 3


def test_priority_rows_with_a_stable_id_keep_it_and_areas_not_asked_give_nothing():
    answers = copy.deepcopy(VALID_JSON)
    for n, row in enumerate(answers["priorities"]["priorities"]):
        row["id"] = f"r{n}x"
    del answers["early_years"], answers["sixth_form"]
    found = sef_facts(answers, "ofsted-2025")
    assert [v.row_id for v in found if v.key == "priority.la_priority"] == ["r0x", "r1x", "r2x"]
    assert {v.key for v in found if v.key.startswith("grade.")} == {f"grade.{area}" for area in AREAS[:6]}


def test_an_older_form_version_gives_its_own_keys_and_scale(monkeypatch):
    older = sef_framework.Framework(
        version="ofsted-2019",
        title="An older framework",
        grades=(("outstanding", "Outstanding"), ("good", "Good"), ("requires_improvement", "Requires improvement"), ("inadequate", "Inadequate")),
        areas=(sef_framework.EvaluationArea("quality_of_education", "Quality of education"),),
        safeguarding=(("effective", "Effective"), ("not_effective", "Not effective")),
    )
    monkeypatch.setitem(sef_framework.FRAMEWORKS, older.version, older)
    answers = {"quality_of_education": {"grade": "requires_improvement"}, "inclusion": {"grade": "strong"}, "safeguarding": {"outcome": "effective"}}
    found = {(v.key, v.text, v.number) for v in sef_facts(answers, "ofsted-2019")}
    assert found == {("grade.quality_of_education", "requires_improvement", 3.0), ("safeguarding", "effective", None)}


# The writer, over the engine.


def test_after_every_move_the_current_facts_are_what_the_latest_snapshot_says(world):
    ret = submitted(world)
    first = from_latest_snapshot(ret)
    assert current_facts(ret) == first and len(first) == len(AREAS) + 1 + 3 + 3
    assert states_of(ret) == {SUBMITTED}

    lifecycle.perform(lifecycle.TAKE, ret, world.officer)
    assert current_facts(ret) == first

    lifecycle.perform(lifecycle.RETURN_FOR_CHANGES, ret, world.officer, reason="Add the figures")
    assert current_facts(ret) == set(), "a return back with the school counts for nothing"
    assert states_of(ret) == {RETURNED}

    changed = copy.deepcopy(VALID_JSON["priorities"])
    changed["priorities"].append({"title": "A fourth", "la_priority": "capacity", "impact": "More leaders"})
    save(ret, "priorities", changed)
    save(ret, "inclusion", {**VALID_JSON["inclusion"], "grade": "needs_attention"})
    lifecycle.perform(lifecycle.SUBMIT, ret, world.approver)
    second = from_latest_snapshot(ret)
    assert current_facts(ret) == second and second != first
    assert ("grade.inclusion", None, "needs_attention", 4.0) in {row[:4] for row in second}
    assert ("priority.la_priority", "p4", "capacity", None) in {row[:4] for row in second}
    # The first submission's facts stay, not current, with the return's state.
    assert db.session.scalar(select(Fact.id).where(Fact.return_id == ret.id, Fact.current.is_(False)).limit(1)) is not None

    lifecycle.perform(lifecycle.ACCEPT, ret, world.officer)
    assert current_facts(ret) == from_latest_snapshot(ret)
    assert states_of(ret) == {ACCEPTED}

    lifecycle.perform(lifecycle.REOPEN, ret, world.officer, reason="New evidence on inclusion")
    assert current_facts(ret) == set()
    assert states_of(ret) == {RETURNED}

    lifecycle.perform(lifecycle.SUBMIT, ret, world.approver)
    assert current_facts(ret) == from_latest_snapshot(ret)
    assert db.session.scalar(select(Submission.number).where(Submission.return_id == ret.id).order_by(Submission.number.desc()).limit(1)) == 3


def test_a_withdrawn_return_has_no_current_facts(world):
    ret = submitted(world)
    lifecycle.perform(lifecycle.WITHDRAW, ret, world.approver)
    assert current_facts(ret) == set()
    assert states_of(ret) == {DRAFT}
    lifecycle.perform(lifecycle.SUBMIT, ret, world.approver)
    assert current_facts(ret) == from_latest_snapshot(ret)


def test_what_the_writer_does_rolls_back_with_a_refused_or_undone_move(world):
    ret = submitted(world)
    before = all_facts()
    savepoint = db.session.begin_nested()
    lifecycle.perform(lifecycle.ACCEPT, ret, world.officer)
    assert all_facts() != before
    savepoint.rollback()
    assert all_facts() == before


def test_rebuild_writes_the_same_rows_from_the_snapshots_and_again(world, app):
    ret = submitted(world)
    lifecycle.perform(lifecycle.RETURN_FOR_CHANGES, ret, world.officer, reason="Add the figures")
    save(ret, "achievement", {**VALID_JSON["achievement"], "grade": "expected"})
    lifecycle.perform(lifecycle.SUBMIT, ret, world.approver)
    lifecycle.perform(lifecycle.ACCEPT, ret, world.officer)
    # A second school's return, withdrawn: its facts are kept, none current.
    other_window_school = world.factory.school(phase="All-through", statutory_low_age=4, statutory_high_age=16, has_early_years=False, has_sixth_form=False)
    other_approver = world.factory.user(school=other_window_school, approver=True)
    other = lifecycle.start(other_approver, world.window, other_window_school, answers=copy.deepcopy(VALID_JSON))
    for section in db.session.scalars(select(ReturnSection).where(ReturnSection.return_id == other.id)):
        section.status = SECTION_COMPLETED
    lifecycle.perform(lifecycle.SUBMIT, other, other_approver)
    lifecycle.perform(lifecycle.WITHDRAW, other, other_approver)
    db.session.flush()
    written = all_facts()
    assert written and any(row[10] for row in written) and not any(row[10] for row in written if row[0] == other.id)

    db.session.execute(Fact.__table__.delete())
    assert fact_writer.rebuild(batch_size=1) == len(written)  # one submission a batch: batches join up
    assert all_facts() == written

    result = app.test_cli_runner().invoke(args=["returns", "rebuild-facts", "--batch-size", "2"])
    assert result.exit_code == 0, result.output
    assert "Rebuilt the facts of 3 submissions" in result.output
    assert all_facts() == written, "run twice, the same table"


def test_a_type_with_no_facts_writes_none(world):
    plain = ReturnType(key="plainsef", title="Plain", summary="No facts", form_version=SEF.form_version, sections=sef_sections)
    registry.register(plain)
    try:
        world.window = make_window(return_type="plainsef", title="Plain, autumn 2026")
        ret = submitted(world)
        lifecycle.perform(lifecycle.ACCEPT, ret, world.officer)
        assert db.session.scalar(select(Fact.id).where(Fact.return_id == ret.id)) is None
        fact_writer.rebuild()
        assert db.session.scalar(select(Fact.id).where(Fact.return_id == ret.id)) is None
    finally:
        registry.unregister("plainsef")


def test_a_type_s_own_step_state_counts_as_waiting_on_the_council():
    kind = replace(visit_type.RETURN_TYPE, facts=lambda answers, version: [FactValue("x", number=1)])
    assert set(fact_writer.current_states(kind)) == {SUBMITTED, *(step.state for step in kind.steps), ACCEPTED}
    assert set(fact_writer.current_states(SEF)) == {SUBMITTED, ACCEPTED}


def test_a_move_s_statements_do_not_grow_with_the_number_of_facts(world, count_queries):
    def cost(priority_count: int) -> tuple[int, int, int]:
        answers = copy.deepcopy(VALID_JSON)
        answers["priorities"]["priorities"] = [
            {"title": f"Priority {n}", "la_priority": "attainment", "impact": "Better"} for n in range(priority_count)
        ]
        school = world.factory.school(phase="All-through", statutory_low_age=3, statutory_high_age=18, has_early_years=True, has_sixth_form=True)
        approver = world.factory.user(school=school, approver=True)
        ret = lifecycle.start(approver, world.window, school, answers=answers)
        for section in db.session.scalars(select(ReturnSection).where(ReturnSection.return_id == ret.id)):
            section.status = SECTION_COMPLETED
        db.session.flush()
        with count_queries() as submit:
            lifecycle.perform(lifecycle.SUBMIT, ret, approver)
        with count_queries() as accept:
            lifecycle.perform(lifecycle.ACCEPT, ret, world.officer)
        with count_queries() as reopen:
            lifecycle.perform(lifecycle.REOPEN, ret, world.officer, reason="Look again")
        return submit.count, accept.count, reopen.count

    few, many = cost(3), cost(30)
    assert few == many, (few, many)
    facts_of_many = db.session.scalar(select(Fact.id).where(Fact.key == "priority.la_priority", Fact.row_id == "p30"))
    assert facts_of_many is not None


def test_a_type_s_own_step_keeps_its_facts_current_with_the_step_s_state(party):
    """The second test type (a response step, one named officer decides), given facts of its own."""
    counted = replace(visit_type.RETURN_TYPE, facts=lambda answers, version: [FactValue("visit.sections", text=version, number=len(answers))])
    registry.unregister(counted.key)
    registry.register(counted)
    people = party.people
    ret = lifecycle.start(people["approver"], party.window, party.host, answers={"findings": {"working_well": "Reading"}})
    lifecycle.perform(lifecycle.SUBMIT, ret, people["approver"])

    def current() -> set[tuple]:
        return {tuple(row) for row in db.session.execute(select(Fact.key, Fact.number_value, Fact.state).where(Fact.return_id == ret.id, Fact.current.is_(True)))}

    assert current() == {("visit.sections", 1.0, SUBMITTED)}
    lifecycle.perform("respond", ret, people["host"])
    assert current() == {("visit.sections", 1.0, "responded")}, "waiting on the council after the host's step"
    lifecycle.perform(lifecycle.RETURN_FOR_CHANGES, ret, people["decider"], reason="Say more")
    assert current() == set()
    lifecycle.perform(lifecycle.SUBMIT, ret, people["approver"])
    lifecycle.perform("respond", ret, people["host"])
    lifecycle.perform(lifecycle.ACCEPT, ret, people["decider"])
    assert current() == {("visit.sections", 1.0, ACCEPTED)}
    written = all_facts()
    fact_writer.rebuild()
    assert all_facts() == written
