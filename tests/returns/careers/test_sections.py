"""The careers return over HTTP: the year groups and key phases asked follow the school's age range;
each benchmark's score shows as the school answers (autosave) and after saving without JavaScript;
bad input is a clear error beside its field and the section is not completed; a year group the
school does not teach is refused; queries need their explanation and officers see them flagged;
hostile text is escaped; another school's return is not found; a forged CSRF token changes nothing."""

from __future__ import annotations

from html import unescape

import pytest

from app.engine import lifecycle
from app.extensions import db
from app.models import Return, ReturnSection, Role
from app.models.returns import SECTION_COMPLETED
from app.returns.careers.benchmarks import CURRENT
from tests.returns.test_sef_sections import Browser, database_state, make_window, save, section_path, stored, text

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
B1 = CURRENT.benchmark(1)
B1_KEYS = [criterion.key for criterion in B1.criteria]


def years_data(years, *, roll=100, employer=90, stem=40, workplace=20, guidance=80) -> dict:
    data = {}
    for year in years:
        data |= {f"y{year}_on_roll": str(roll), f"y{year}_employer": str(employer), f"y{year}_stem": str(stem), f"y{year}_workplace": str(workplace)}
        if year in (11, 13):
            data[f"y{year}_guidance"] = str(guidance)
    return data


def benchmark_data(*answers: str, evidence: str = "Mapped and reviewed each year.") -> dict:
    return {**dict(zip(B1_KEYS, answers)), "evidence": evidence}


PROVIDER = {"published": "yes", "url": "https://www.school.example.org/careers", "encounters_8_9": "2", "encounters_10_11": "3"}


class World:
    def __init__(self, app, factory):
        self.app = app
        self.school = factory.school(name="Castlebrook High", phase="Secondary", statutory_low_age=11, statutory_high_age=16)
        self.window = make_window(return_type="careers", title="Careers benchmark return, autumn 2026", phases=[])
        self.approver = factory.user(Role.SCHOOL, school=self.school, approver=True, name="Hana Head")
        self.contributor = factory.user(Role.SCHOOL, school=self.school, name="Carl Careers")
        self.officer = factory.user(Role.OFFICER, name="Sam Officer")
        self.other_school = factory.school(name="Eastwater Academy", phase="Secondary", statutory_low_age=11, statutory_high_age=18)
        self.other = factory.user(Role.SCHOOL, school=self.other_school, approver=True, name="Olive Other")
        self._browsers: dict[str, Browser] = {}

    def browser(self, who: str = "contributor") -> Browser:
        if who not in self._browsers:
            self._browsers[who] = Browser(self.app, getattr(self, who))
        return self._browsers[who]


@pytest.fixture
def world(app, factory) -> World:
    return World(app, factory)


@pytest.fixture
def ret(world) -> Return:
    return lifecycle.start(world.approver, world.window, world.school)


def test_the_year_groups_and_key_phases_asked_follow_the_age_range(world, ret):
    browser = world.browser()
    page = text(browser.get(section_path(ret, "year_groups")))
    for year in range(7, 12):
        assert f"Year {year}: pupils on roll" in page
    assert "Year 12" not in page and "Year 13" not in page
    assert "by the end of year 11" in page
    provider = text(browser.get(section_path(ret, "provider_access")))
    assert "pupils in years 8 and 9" in provider and "pupils in years 10 and 11" in provider and "years 12 and 13" not in provider

    sixth = lifecycle.start(world.other, world.window, world.other_school)
    page = text(world.browser("other").get(section_path(sixth, "year_groups")))
    assert "Year 13: pupils who had a personal guidance interview by the end of year 13" in page


def test_a_benchmark_shows_its_rule_and_its_score_after_saving_without_javascript(world, ret):
    browser = world.browser()
    page = text(browser.get(section_path(ret, "benchmark_1")))
    assert "How this benchmark is scored" in page and "achieved at 100%" in unescape(page)
    assert "Benchmark 1 score" in page  # 0% before any answer
    response = save(browser, ret, "benchmark_1", {**benchmark_data("yes", "yes", "partly", "no"), "intent": "later"})
    assert response.status_code == 303
    page = unescape(text(browser.get(section_path(ret, "benchmark_1"))))
    assert "42%: partly met (4 of 6 criteria answered)" in page  # 2.5 of 6

    response = save(browser, ret, "benchmark_1", benchmark_data(*["yes"] * 6))
    assert response.status_code == 303
    assert stored(ret, "benchmark_1").status == SECTION_COMPLETED
    assert "100%: achieved (6 of 6 criteria answered)" in unescape(text(browser.get(f"/returns/{ret.id}/check")))


def test_the_score_follows_each_autosave_as_the_school_answers(world, ret):
    browser = world.browser()
    response = save(browser, ret, "benchmark_1", benchmark_data("yes"), autosave=True)
    assert response.status_code == 200
    fragment = unescape(text(response))
    assert 'id="derived-values"' in fragment and 'hx-swap-oob="true"' in fragment
    assert "17%: not yet met (1 of 6 criteria answered)" in fragment
    # Said in the live region too, so a screen reader hears the score change.
    status = fragment[fragment.index('role="status"'):fragment.index('id="derived-values"')]
    assert "Benchmark 1 score: 17%: not yet met (1 of 6 criteria answered)." in status
    response = save(browser, ret, "benchmark_1", benchmark_data("yes", "yes", "yes", "partly"), autosave=True)
    assert "58%: partly met (4 of 6 criteria answered)" in unescape(text(response))


@pytest.mark.parametrize(
    "value, message",
    [
        ("-3", "must be a whole number from 0 upwards"),
        ("2.5", "must be a whole number from 0 upwards"),
        ("ninety", "must be a whole number from 0 upwards"),
        ("1; DROP TABLE returns;--", "must be a whole number from 0 upwards"),
        ("101", "cannot be more than the 100 pupils on roll in year 9"),
    ],
)
def test_bad_counts_are_refused_beside_the_field(world, ret, value, message):
    data = years_data(range(7, 12)) | {"y9_employer": value}
    response = save(world.browser(), ret, "year_groups", data)
    assert response.status_code == 422
    page = unescape(text(response))
    assert message in page and 'href="#y9_employer"' in page
    row = stored(ret, "year_groups")
    assert row.status != SECTION_COMPLETED
    assert "y9_employer" not in {k for k, v in row.answers.items() if v is not None}, "a bad count is never kept as an answer"


def test_stem_cannot_exceed_employer_encounters_and_counts_stay_within_the_roll(world, ret):
    data = years_data(range(7, 12)) | {"y8_stem": "95", "y11_guidance": "120"}
    response = save(world.browser(), ret, "year_groups", data)
    assert response.status_code == 422
    page = unescape(text(response))
    assert "Year 8: pupils with a STEM employer encounter cannot be more than the 90 with any employer encounter" in page
    assert "cannot be more than the 100 pupils on roll in year 11" in page


def test_a_year_group_the_school_does_not_teach_is_refused(world, ret):
    data = years_data(range(7, 12)) | {"y12_on_roll": "80", "y12_employer": "70"}
    response = save(world.browser(), ret, "year_groups", data)
    assert response.status_code == 422
    assert "The school does not teach year 12: figures for it cannot be given" in text(response)
    row = stored(ret, "year_groups")
    assert row.status != SECTION_COMPLETED
    assert not any(key.startswith("y12") for key in row.answers), row.answers
    assert "y12" not in repr(row.invalid)


@pytest.mark.parametrize("url", ["http://www.school.example.org/careers", "javascript:alert(1)", "www.school.example.org", "https://", "https://exa mple.org"])
def test_the_statement_address_must_be_an_https_web_address(world, ret, url):
    response = save(world.browser(), ret, "provider_access", PROVIDER | {"url": url})
    assert response.status_code == 422
    assert "Enter a web address that starts with https://" in text(response)
    assert 'href="javascript' not in text(response)


def test_a_published_statement_needs_its_address(world, ret):
    response = save(world.browser(), ret, "provider_access", PROVIDER | {"url": ""})
    assert response.status_code == 422 and "Enter the statement&#39;s web address" in text(response)
    assert save(world.browser(), ret, "provider_access", PROVIDER | {"published": "no", "url": ""}).status_code == 303


@pytest.mark.parametrize(
    "key, data, message",
    [
        ("benchmark_1", benchmark_data("maybe", "yes", "yes", "yes", "yes", "yes"), "Select yes, partly or no"),
        ("adviser", {"name": "Rachel Amos", "qualification": "level_9"}, "Select a qualification level from the list"),
        ("leader", {"name": "Jo Whitaker", "role": "AHT", "email": "careers@school.example.org", "on_slt": "sometimes"}, "Select yes or no"),
        ("entitlement", {"named_leader": "perhaps"}, "Select yes or no"),
    ],
)
def test_forged_choices_are_refused(world, ret, key, data, message):
    response = save(world.browser(), ret, key, data)
    assert response.status_code == 422 and message in text(response)
    assert stored(ret, key).status != SECTION_COMPLETED


def test_missing_and_too_long_answers(world, ret):
    response = save(world.browser(), ret, "leader", {"name": "", "role": "x" * 201, "email": "not an address", "on_slt": ""})
    page = unescape(text(response))
    assert response.status_code == 422
    assert "Enter the name of the careers leader" in page
    assert "Their role in the school must be 200 characters or fewer" in page
    assert "Enter an email address in the correct format" in page
    assert "Select whether the careers leader is on the senior leadership team" in page
    response = save(world.browser(), ret, "benchmark_1", benchmark_data(*["yes"] * 6, evidence="x" * 1501))
    assert response.status_code == 422 and "Evidence for your answers must be 1,500 characters or fewer" in text(response)


def test_fewer_than_two_provider_encounters_is_a_query_explained_not_refused(world, ret):
    browser = world.browser()
    response = save(browser, ret, "provider_access", PROVIDER | {"encounters_10_11": "1"})
    assert response.status_code == 422
    page = unescape(text(response))
    assert "Fewer than two provider encounters for pupils in years 10 and 11" in page and "Explain why this answer is right" in page
    response = save(browser, ret, "provider_access", PROVIDER | {"encounters_10_11": "1", "explain-few_encounters_10_11": "A provider cancelled; rebooked for March."})
    assert response.status_code == 303
    row = stored(ret, "provider_access")
    assert row.status == SECTION_COMPLETED
    assert row.answers["_explanations"] == {"few_encounters_10_11": "A provider cancelled; rebooked for March."}


def test_no_employer_encounters_in_a_year_group_is_a_query(world, ret):
    browser = world.browser()
    data = years_data(range(7, 12)) | {"y7_employer": "0", "y7_stem": "0"}
    response = save(browser, ret, "year_groups", data)
    assert response.status_code == 422 and "No pupil in year 7 had an employer encounter" in text(response)
    assert save(browser, ret, "year_groups", data | {"explain-no_employer_y7": "Employer day moved to the spring."}).status_code == 303


def test_hostile_text_is_escaped_on_the_section_and_check_pages(world, ret):
    browser = world.browser()
    leader = {"name": SCRIPT, "role": "'; DROP TABLE users;--", "email": "careers@school.example.org", "on_slt": "yes"}
    assert save(browser, ret, "leader", leader).status_code == 303
    for path in (section_path(ret, "leader"), f"/returns/{ret.id}/check"):
        page = text(browser.get(path))
        assert SCRIPT not in page and ESCAPED in page
    assert stored(ret, "leader").answers["role"] == "'; DROP TABLE users;--"


def test_another_schools_return_and_a_forged_token_change_nothing(world, ret):
    before = database_state()
    other = world.browser("other")
    assert other.get(section_path(ret, "benchmark_1")).status_code == 404
    assert save(other, ret, "benchmark_1", benchmark_data(*["yes"] * 6)).status_code == 404
    assert save(world.browser(), ret, "benchmark_1", benchmark_data(*["yes"] * 6), token="forged").status_code == 400
    assert database_state() == before


def test_the_officer_sees_queries_flagged_with_the_explanation_and_the_scores_on_review(world, ret):
    from app.returns.careers import demo
    import random

    answers = demo.answers(world.school, random.Random(3), 2026)
    answers["year_groups"] |= {"y7_employer": 0, "y7_stem": 0, "_explanations": {"no_employer_y7": "Employer day moved to the spring."}}
    for key, section in answers.items():
        db.session.add(ReturnSection(return_id=ret.id, key=key, answers=section, version=1, status=SECTION_COMPLETED, updated_by_id=world.approver.id))
    db.session.flush()
    lifecycle.perform(lifecycle.SUBMIT, ret, world.approver)
    page = unescape(text(Browser(world.app, world.officer).get(f"/returns/{ret.id}/review")))
    assert "No pupil in year 7 had an employer encounter" in page and "Employer day moved to the spring." in page
    assert "Benchmark 8 score" in page and "criteria answered" in page
