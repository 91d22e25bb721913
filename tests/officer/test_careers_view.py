"""The officers' careers view (issue 15): every figure against hand-computed expectations over a small
borough sent through the real lifecycle (so the facts are written as in production): the heat table
and its sorting, the borough average per benchmark and its change since the previous window, the
schools achieving all eight, encounter coverage by year group, the entitlement, the queries raised;
the phase and trust filters; both downloads holding the page's figures; the same number of queries at
10 and at 1,000 schools; who may see it; school names escaped."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from html import unescape

import openpyxl
import pytest

from app.engine import lifecycle
from app.extensions import db
from app.models import ReturnSection, Role
from app.models.returns import SECTION_COMPLETED
from app.returns.careers.benchmarks import CURRENT
from tests.returns.test_sef_sections import Browser, make_window, text

TODAY = date.today()
HOSTILE = "<b>Oak</b> & Co Academy"
ENTITLEMENT = [key for key, _ in CURRENT.entitlement]


def careers(levels: dict[int, str] | str = "yes", *, b1: list[str] | None = None, years=None, entitlement_yes=(), explain: dict | None = None) -> dict:
    """A whole return: each benchmark's criteria all answered with its level (benchmark 1's as given
    in b1), the year groups' figures (year: (roll, employer, stem, workplace)), the entitlement points met."""
    answers = {
        "leader": {"name": "Jo Whitaker", "role": "AHT", "email": "careers@school.example.org", "phone": "", "on_slt": "yes"},
        "adviser": {"name": "Rachel Amos", "organisation": "", "qualification": "level_6_or_above"},
        "provider_access": {"published": "yes", "url": "https://www.school.example.org/pa", "encounters_8_9": 2, "encounters_10_11": 2},
        "entitlement": {key: ("yes" if key in entitlement_yes else "no") for key in ENTITLEMENT},
    }
    for benchmark in CURRENT.benchmarks:
        level = levels if isinstance(levels, str) else levels.get(benchmark.number, "no")
        answers[benchmark.key] = {**{c.key: level for c in benchmark.criteria}, "evidence": "Mapped."}
    if b1 is not None:
        answers["benchmark_1"] = {**dict(zip([c.key for c in CURRENT.benchmark(1).criteria], b1)), "evidence": "Mapped."}
    figures = {}
    for year, (roll, employer, stem, workplace) in (years or {7: (100, 90, 40, 10)}).items():
        figures |= {f"y{year}_on_roll": roll, f"y{year}_employer": employer, f"y{year}_stem": stem, f"y{year}_workplace": workplace}
    if explain:
        figures["_explanations"] = explain
    answers["year_groups"] = figures
    return answers


class Borough:
    def __init__(self, app, factory):
        self.app = app
        self.factory = factory
        self.old = make_window(return_type="careers", title="Careers 2025", academic_year="2025/26", opens_on=TODAY - timedelta(days=400),
                               due_on=TODAY - timedelta(days=300), phases=[])
        self.window = make_window(return_type="careers", title="Careers 2026", opens_on=TODAY - timedelta(days=40), due_on=TODAY + timedelta(days=10), phases=[])
        self.officer = factory.user(Role.OFFICER, name="Sam Officer")

    def school(self, name, phase="Secondary", trust=None):
        low, high = (9, 13) if phase.startswith("Middle") else (11, 16)
        school = self.factory.school(name=name, phase=phase, trust_name=trust, statutory_low_age=low, statutory_high_age=high)
        return school, self.factory.user(Role.SCHOOL, school=school, approver=True)

    def send(self, school, approver, answers, *, window=None, accept=False, submit=True):
        ret = lifecycle.start(approver, window or self.window, school)
        for key, section in answers.items():
            db.session.add(ReturnSection(return_id=ret.id, key=key, answers=section, version=1, status=SECTION_COMPLETED, updated_by_id=approver.id))
        db.session.flush()
        if submit:
            lifecycle.perform(lifecycle.SUBMIT, ret, approver)
            if accept:
                lifecycle.perform(lifecycle.ACCEPT, ret, self.officer)
        db.session.flush()
        return ret


@pytest.fixture
def borough(app, factory):
    b = Borough(app, factory)
    # Ash: all yes (achieves all eight), accepted; last year all partly.
    b.ash = b.school("Ash Academy", trust="Oak Trust")
    b.send(*b.ash, careers("partly"), window=b.old, accept=True)
    b.send(*b.ash, careers("yes", years={7: (200, 180, 90, 20), 8: (190, 190, 100, 10)}, entitlement_yes=ENTITLEMENT), accept=True)
    # Birch: benchmark 1 mixed (2.5 of 6), the rest no, submitted; a query explained. Last year all no.
    b.birch = b.school(HOSTILE)
    b.send(*b.birch, careers("no"), window=b.old, accept=True)
    b.send(*b.birch, careers("no", b1=["yes", "yes", "partly", "no", "no", "no"], years={7: (100, 0, 0, 5)},
                             entitlement_yes=ENTITLEMENT[:3], explain={"no_employer_y7": "Employer day moved to <em>spring</em>."}))
    # Cedar: a middle school in the trust, benchmarks 1 to 4 yes and 5 to 8 partly, accepted.
    b.cedar = b.school("Cedar Middle", phase="Middle deemed secondary", trust="Oak Trust")
    b.send(*b.cedar, careers({1: "yes", 2: "yes", 3: "yes", 4: "yes", 5: "partly", 6: "partly", 7: "partly", 8: "partly"},
                             years={7: (100, 50, 10, 0), 8: (110, 110, 55, 11)}, entitlement_yes=ENTITLEMENT[:1]), accept=True)
    # Damson: a draft and Elm: returned for changes, neither counted.
    b.send(*b.school("Damson School"), careers("yes"), submit=False)
    elm = b.send(*b.school("Elm School"), careers("yes"))
    lifecycle.perform(lifecycle.RETURN_FOR_CHANGES, elm, b.officer, reason="Please check")
    db.session.flush()
    return b


def officer_page(app, borough, **query) -> str:
    return unescape(text(Browser(app, borough.officer).get("/careers", query_string=query)))


def plain(page: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


def table_rows(browser, table: str, fmt: str = "csv", **query) -> list[list]:
    response = browser.get("/careers", query_string={"download": fmt, "table": table, **query})
    assert response.status_code == 200
    if fmt == "csv":
        return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    book = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True)
    return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]


def test_the_heat_table_shows_each_schools_scores_in_numbers_and_words(app, borough):
    page = plain(officer_page(app, borough))
    assert "3 schools have a careers return sent to the council or accepted in Careers 2026" in page
    assert "Damson School" not in page and "Elm School" not in page
    # Ash: 100% achieved everywhere; Birch: benchmark 1 at 2.5 of 6 = 41.7%, partly met; Cedar: 100% then 50%.
    assert "Ash Academy All eight achieved 100% Achieved" in page
    assert "42% Partly met 0% Not yet met" in page
    assert "Cedar Middle 100% Achieved 100% Achieved 100% Achieved 100% Achieved 50% Partly met" in page


def test_averages_and_their_change_since_the_previous_window(app, borough):
    page = plain(officer_page(app, borough))
    # Benchmark 1 now: (100 + 41.667 + 100) / 3 = 80.6; last year (Ash 50, Birch 0) = 25: up 55.6 points.
    assert "Benchmark 1: A stable careers programme 81%: mostly met Up 55.6 points" in page
    # Benchmark 5 now: (100 + 0 + 50) / 3 = 50; last year 25: up 25.0.
    assert "Benchmark 5: Encounters with employers and employees 50%: partly met Up 25.0 points" in page
    assert "Schools achieving all eight benchmarks 1 of 3 schools: Ash Academy" in page


def test_encounter_coverage_entitlement_and_queries(app, borough):
    page = plain(officer_page(app, borough))
    # Year 7: roll 200 + 100 + 100 = 400; employer 180 + 0 + 50 = 230 (57.5%); STEM 100 (25.0%); workplace 25 (6.2%).
    assert "Year On roll Employer STEM Workplace 7 400 57.5% 25.0% 6.2%" in page
    # Year 8: roll 190 + 110 = 300; employer 300 (100.0%); STEM 155 (51.7%); workplace 21 (7.0%).
    assert "6.2% 8 300 100.0% 51.7% 7.0%" in page
    assert "1. A named careers leader at the school 3 of 3 100.0%" in page
    assert "2. Information about all the options open to them at each point of transition 2 of 3 66.7%" in page
    assert "4. At least one encounter with an employer every year from year 7 to year 13, including STEM employers 1 of 3 33.3%" in page
    assert "Query No pupil in year 7 had an employer encounter" in page
    raw = text(Browser(app, borough.officer).get("/careers"))
    assert "Employer day moved to &lt;em&gt;spring&lt;/em&gt;." in raw and "<em>spring</em>" not in raw


def test_school_names_are_escaped(app, borough):
    page = text(Browser(app, borough.officer).get("/careers"))
    assert HOSTILE not in page and "&lt;b&gt;Oak&lt;/b&gt; &amp; Co Academy" in page


def test_filters_by_phase_and_trust(app, borough):
    page = plain(officer_page(app, borough, phase="Middle deemed secondary"))
    assert "1 school has a careers return" in page and "Cedar Middle" in page and "Ash Academy" not in page
    page = plain(officer_page(app, borough, trust="Oak Trust"))
    assert "2 schools have" in page and "Oak</b>" not in page
    # Benchmark 1 in the trust: (100 + 100) / 2 now, Ash's 50 last year: up 50.0.
    assert "Benchmark 1: A stable careers programme 100%: achieved Up 50.0 points" in page
    page = officer_page(app, borough, trust="No such trust")
    assert "Choose a trust from the list" in page and "3 schools have" in plain(page)


def test_the_heat_table_sorts_by_any_benchmark(app, borough):
    page = officer_page(app, borough, sort="b5", order="desc")
    order = [name for name in ("Ash Academy", "Cedar Middle", "Oak</b>") if name in page]
    positions = sorted(order, key=page.index)
    assert positions == ["Ash Academy", "Cedar Middle", "Oak</b>"]
    page = officer_page(app, borough, sort="b5")
    assert page.index("Oak</b>") < page.index("Cedar Middle") < page.index("Ash Academy")
    assert 'aria-sort="ascending"' in page
    assert "Ash Academy" in officer_page(app, borough, sort="'; DROP TABLE facts;--")


def test_the_downloads_hold_the_pages_figures(app, borough):
    browser = Browser(app, borough.officer)
    for fmt in ("csv", "xlsx"):
        scores = table_rows(browser, "scores", fmt)
        assert [str(cell) for cell in scores[0][:3]] == ["School", "Benchmark 1 (%)", "Benchmark 2 (%)"]
        by_name = {row[0]: [str(cell) for cell in row[1:]] for row in scores[1:]}
        assert by_name["Ash Academy"] == ["100"] * 8 + ["Yes"]
        assert by_name["Cedar Middle"] == ["100"] * 4 + ["50"] * 4 + ["No"]
        assert by_name[HOSTILE][:2] == ["42", "0"]
        averages = table_rows(browser, "averages", fmt)
        assert averages[1][0] == "Benchmark 1: A stable careers programme"
        assert [float(cell) for cell in averages[1][1:]] == [80.6, 25.0, 55.6]
        coverage = table_rows(browser, "coverage", fmt)
        assert coverage[1][0] == "Year 7" and [float(cell) for cell in coverage[1][1:]] == [400, 57.5, 25.0, 6.2]
        queries = table_rows(browser, "queries", fmt)
        assert queries[1][1].startswith("No pupil in year 7 had an employer encounter")
        entitlement = table_rows(browser, "entitlement", fmt)
        assert [float(cell) for cell in entitlement[1][1:]] == [3, 3, 100.0]
    assert browser.get("/careers", query_string={"download": "csv", "table": "nothing"}).status_code == 404


def test_only_council_staff_see_it_and_other_windows_are_not_found(app, borough, factory):
    school, approver = borough.ash
    assert Browser(app, approver).get("/careers").status_code == 404
    officer = Browser(app, borough.officer)
    assert officer.get("/careers", query_string={"window": "999999"}).status_code == 404
    assert officer.get("/careers", query_string={"window": "abc"}).status_code == 404
    page = plain(officer_page(app, borough, window=str(borough.old.id)))
    assert "2 schools have a careers return" in page and "No earlier figure" in page
    assert 'href="/careers"' in text(officer.get("/review")), "the navigation links to the view"


def _seed(borough, n: int, start: int) -> None:
    for i in range(start, start + n):
        school, approver = borough.school(f"School {i}", "Secondary" if i % 2 else "Middle deemed secondary", "Oak Trust" if i % 3 else None)
        borough.send(school, approver, careers("yes" if i % 4 else "partly", explain=None), accept=True)


def test_the_page_s_query_count_does_not_grow_with_the_borough(app, factory, count_queries):
    borough = Borough(app, factory)
    browser = Browser(app, borough.officer)
    _seed(borough, 10, 0)
    with count_queries() as at_10:
        page = text(browser.get("/careers", query_string={"phase": "Secondary", "sort": "b3", "order": "desc"}))
    assert "5 schools have a careers return" in page
    with count_queries() as download_at_10:
        assert len(table_rows(browser, "scores")) == 1 + 10
    _seed(borough, 990, 10)
    with count_queries() as at_1000:
        page = text(browser.get("/careers", query_string={"phase": "Secondary", "sort": "b3", "order": "desc"}))
    assert "500 schools have a careers return" in page
    assert at_10.count == at_1000.count, at_1000.statements
    with count_queries() as download_at_1000:
        assert len(table_rows(browser, "scores")) == 1 + 1000
    assert download_at_10.count == download_at_1000.count, download_at_1000.statements
