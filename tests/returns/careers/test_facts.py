"""The facts a careers submission leaves for the officers' view, and a later benchmarks version:
old returns keep the words they were answered in and the scores they were given."""

from __future__ import annotations

import dataclasses
from html import unescape

import pytest
from sqlalchemy import select

from app.engine import facts as facts_engine, lifecycle
from app.extensions import db
from app.models import Fact, ReturnSection, Role
from app.models.returns import SECTION_COMPLETED
from app.returns.careers import benchmarks
from app.returns.careers.benchmarks import CURRENT, Benchmark, Criterion
from app.returns.careers.facts import careers_facts
from tests.returns.test_sef_sections import Browser, make_window, text


def answers_for(b1: list[str]) -> dict:
    keys = [criterion.key for criterion in CURRENT.benchmark(1).criteria]
    found = {
        "leader": {"name": "Jo Whitaker", "role": "AHT", "email": "careers@school.example.org", "phone": "", "on_slt": "yes"},
        "adviser": {"name": "Rachel Amos", "organisation": "", "qualification": "level_6_or_above"},
        "provider_access": {"published": "yes", "url": "https://www.school.example.org/pa", "encounters_8_9": 1, "encounters_10_11": 3,
                            "_explanations": {"few_encounters_8_9": "Rebooked for March."}},
        "year_groups": {"y10_on_roll": 200, "y10_employer": 180, "y10_stem": 90, "y10_workplace": 170,
                        "y11_on_roll": 190, "y11_employer": 0, "y11_stem": 0, "y11_workplace": 10, "y11_guidance": 185},
        "entitlement": {key: ("yes" if n % 2 else "no") for n, (key, _) in enumerate(CURRENT.entitlement)},
        "benchmark_1": {**dict(zip(keys, b1)), "evidence": "Mapped."},
    }
    for benchmark in CURRENT.benchmarks[1:]:
        found[benchmark.key] = {**{c.key: "yes" for c in benchmark.criteria}, "evidence": "Done."}
    return found


def test_the_facts_hold_scores_figures_entitlement_and_queries():
    found = {(fact.key, fact.row_id): fact for fact in careers_facts(answers_for(["yes", "yes", "partly", "no", "no", "no"]), CURRENT.version)}
    assert found[("benchmark.1", None)].number == pytest.approx(250 / 6) and found[("benchmark.1", None)].text == "partly"
    assert found[("benchmark.8", None)].number == 100 and found[("benchmark.8", None)].text == "achieved"
    assert found[("year.on_roll", "y10")].number == 200 and found[("year.guidance", "y11")].number == 185
    assert found[("provider.encounters", "8_9")].number == 1
    assert found[("entitlement.named_leader", None)].text == "no" and found[("entitlement.options_information", None)].text == "yes"
    assert found[("query", "few_encounters_8_9")].text == "Rebooked for March."
    assert found[("query", "no_employer_y11")].text == ""  # raised, not explained (an old or forged snapshot)
    assert found[("adviser.qualification", None)].text == "level_6_or_above"


@pytest.fixture
def refreshed(monkeypatch):
    """A later benchmarks version: benchmark 1 renamed, with four criteria of which one is new."""
    old = CURRENT.benchmark(1)
    new_b1 = Benchmark(1, "A stable and strategic careers programme", old.summary, (
        *old.criteria[:3], Criterion("new_criterion", "A criterion the refresh added."),
    ))
    later = dataclasses.replace(CURRENT, version="gatsby-2030", title="Refreshed", benchmarks=(new_b1, *CURRENT.benchmarks[1:]))
    monkeypatch.setitem(benchmarks.VERSIONS, later.version, later)
    return later


def test_a_new_version_leaves_old_returns_scores_and_words_intact(app, factory, refreshed):
    school = factory.school(name="Castlebrook High", phase="Secondary", statutory_low_age=11, statutory_high_age=16)
    head = factory.user(Role.SCHOOL, school=school, approver=True)
    officer = factory.user(Role.OFFICER)
    window = make_window(return_type="careers", title="Careers 2026", phases=[])
    ret = lifecycle.start(head, window, school)
    answers = answers_for(["yes", "yes", "partly", "no", "no", "no"])
    for key, section in answers.items():
        db.session.add(ReturnSection(return_id=ret.id, key=key, answers=section, version=1, status=SECTION_COMPLETED, updated_by_id=head.id))
    db.session.flush()
    lifecycle.perform(lifecycle.SUBMIT, ret, head)
    db.session.flush()

    def b1_fact(return_id):
        return db.session.scalar(select(Fact.number_value).where(Fact.return_id == return_id, Fact.key == "benchmark.1"))

    assert b1_fact(ret.id) == pytest.approx(250 / 6)
    # The same answers scored by the refreshed version's criteria would be different...
    assert careers_facts(answers, refreshed.version)[0].number == pytest.approx(250 / 4)
    # ...but the old return keeps its version: rebuilt facts and its pages say what it said.
    facts_engine.rebuild()
    assert b1_fact(ret.id) == pytest.approx(250 / 6)
    page = unescape(text(Browser(app, officer).get(f"/returns/{ret.id}/submissions/1")))
    assert "Benchmark 1: A stable careers programme" in page and "42%: partly met (6 of 6 criteria answered)" in page
    assert "A stable and strategic careers programme" not in page and "A criterion the refresh added." not in page

    # A return on the new version is asked, and scored by, the new criteria.
    later_school = factory.school(name="Northmarsh School", phase="Secondary", statutory_low_age=11, statutory_high_age=16)
    later_head = factory.user(Role.SCHOOL, school=later_school, approver=True)
    later = lifecycle.start(later_head, window, later_school)
    later.form_version = refreshed.version
    db.session.flush()
    section = unescape(text(Browser(app, later_head).get(f"/returns/{later.id}/sections/benchmark_1")))
    assert "A stable and strategic careers programme" in section and "A criterion the refresh added." in section
