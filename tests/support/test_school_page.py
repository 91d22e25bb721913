"""The school page, the golden thread: a school with three years of returns, its support category
with the suggestion and the history, returns over the years side by side, and the
self-evaluation's panel through the engine's contract; in the same number of queries beside 10
or 2,000 schools with three years of returns each."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import insert

from app.extensions import db
from app.models import Fact, Return, ReturnTransition, School, Submission
from app.models.types import utcnow
from tests.support.conftest import ALL_EXPECTED, NUMBER
from tests.support.test_set_category import NEXT_TERM, date_parts, post

PRIORITIES = [("Raise attainment in reading", "attainment"), ("Improve attendance of disadvantaged pupils", "inclusion"),
              ("Grow middle leaders", "capacity")]


def three_years(setting):
    """Three accepted self-evaluations, a year apart; the latest grades achievement needs attention."""
    oldest = setting.sef({"achievement": "urgent_improvement"}, opens=-760, due=-740)
    middle = setting.sef({"achievement": "expected", "inclusion": "strong"}, opens=-395, due=-375)
    latest = setting.sef({"achievement": "needs_attention", "inclusion": "strong"}, opens=-30, due=-10, priorities=PRIORITIES)
    return oldest, middle, latest


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def section(page: str, start: str, end: str) -> str:
    return page[page.index(start):page.index(end, page.index(start))]


def test_the_thread_of_a_school_with_three_years_of_returns(setting):
    oldest, middle, latest = three_years(setting)
    officer = setting.client(setting.officer)
    post(officer, setting.school, category="green", reason="Well led; a plan for achievement is in place", departure="The head's plan is credible")
    page = officer.get(f"/schools/{setting.school.id}").text

    # The support category first: the decision, the suggestion differing from it and why.
    support = section(page, 'id="support"', "</section>")
    assert 'data-category="green"' in section(support, 'id="support-current"', "</dl>")
    assert "Suggested:" in support and text_of(support).count("An area is graded needs attention") == 1
    assert "Achievement: needs attention" in support
    assert f'href="/returns/{latest.id}/submissions/1"' in support  # the evidence: the snapshot it came from
    assert "The service suggested Amber; why this differs: The head&#39;s plan is credible" in support

    # Returns over the years, side by side: a column per academic year, each with its snapshot and a
    # comparison with the year before.
    grid = section(page, 'id="returns-grid"', "</table>")
    years = [setting_window.academic_year for setting_window in (latest_window(latest), latest_window(middle), latest_window(oldest))]
    head = re.findall(r'<th scope="col"[^>]*>(.*?)</th>', grid, re.S)
    assert [text_of(cell) for cell in head] == ["Return", *years]
    row = text_of(section(grid, "<tbody", "</tbody>"))
    assert row.startswith("School self-evaluation") and row.count("Accepted") == 3 and row.count("Snapshot") == 3
    for ret in (latest, middle, oldest):
        assert f'href="/returns/{ret.id}/submissions/1"' in grid
    assert f"Compare with {years[1]}" in row and f"Compare with {years[2]}" in row
    assert f"/schools/{setting.school.id}/compare/sef?from=" in grid

    # The self-evaluation's panel: this year beside last, and this year's priorities with their LA priorities.
    grades = section(page, 'id="school-grades"', "</section>")
    assert f"Self-evaluated grades by evaluation area, {years[0]} and {years[1]}" in grades
    assert ["Achievement", "Needs attention", "Expected standard"] in [
        [text_of(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr, re.S)] for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", grades, re.S)
    ]
    priorities = text_of(section(grades, 'data-priorities=', "</table>"))
    assert "Raise attainment in reading Attainment" in priorities and "Grow middle leaders Capacity" in priorities
    assert page.index('id="support"') < page.index('id="returns-over-time"') < page.index('id="school-grades"') < page.index('id="returns"')


def latest_window(ret):
    from app.models import CollectionWindow

    return db.session.get(CollectionWindow, ret.window_id)


def test_the_head_reads_the_thread_of_their_own_school_without_the_officers_working(setting):
    three_years(setting)
    officer = setting.client(setting.officer)
    post(officer, setting.school, reason="Achievement needs attention")
    page = setting.client(setting.head).get(f"/schools/{setting.school.id}").text
    assert 'data-category="amber"' in page and "Achievement needs attention" in page
    assert "Suggested:" not in page and "Set the support category" not in page
    assert "Raise attainment in reading" in page


def _bulk_borough(setting, windows, count: int, start: int) -> None:
    """`count` more schools, each with an accepted self-evaluation in every window, its submission,
    its moves and its facts: inserted in bulk, as the lifecycle would leave them."""
    now = utcnow()
    base = 1_000_000 + start * 10
    schools, returns, submissions, moves, facts = [], [], [], [], []
    for n in range(start, start + count):
        school_id = 1_000_000 + n
        schools.append({"id": school_id, "urn": f"9{n:06d}", "name": f"Bulk School {n}", "search_name": f"bulk school {n}", "slug": f"bulk-{n}",
                        "la_code": "883", "phase": "Primary", "establishment_type": "Academy converter", "status": "Open",
                        "created_at": now, "updated_at": now})
        for w, window in enumerate(windows):
            return_id = base + (n - start) * len(windows) + w
            returns.append({"id": return_id, "window_id": window.id, "school_id": school_id, "return_type": "sef", "form_version": "ofsted-2025",
                            "state": "accepted", "late": False, "first_submitted_at": now, "created_at": now, "updated_at": now})
            submissions.append({"id": return_id, "return_id": return_id, "number": 1, "answers": {}, "answers_format": 2,
                                "form_version": "ofsted-2025", "submitted_by_id": setting.head.id, "submitted_at": now, "late": False})
            moves += [{"return_id": return_id, "action": "submit", "from_state": "draft", "to_state": "submitted", "by_id": setting.head.id, "at": now, "reason": ""},
                      {"return_id": return_id, "action": "accept", "from_state": "submitted", "to_state": "accepted", "by_id": setting.officer.id, "at": now, "reason": ""}]
            for area, grade in {**ALL_EXPECTED, "achievement": "needs_attention"}.items():
                facts.append({"return_id": return_id, "submission_id": return_id, "window_id": window.id, "school_id": school_id, "return_type": "sef",
                              "form_version": "ofsted-2025", "key": f"grade.{area}", "row_id": None, "text_value": grade,
                              "number_value": float(NUMBER[grade]), "current": True, "state": "accepted"})
    for model, rows in ((School, schools), (Return, returns), (Submission, submissions), (ReturnTransition, moves), (Fact, facts)):
        db.session.execute(insert(model.__table__), rows)
    db.session.flush()


def test_the_school_page_costs_the_same_queries_beside_10_or_2000_schools_with_three_years_of_returns(setting, count_queries):
    oldest, middle, latest = three_years(setting)
    windows = [latest_window(ret) for ret in (oldest, middle, latest)]
    officer = setting.client(setting.officer)
    post(officer, setting.school, reason="Achievement needs attention")
    post(officer, setting.school, category="red", reason="Looked again", departure="A complaint about safeguarding is open",
         review_on=date_parts(NEXT_TERM + timedelta(days=1)))
    url = f"/schools/{setting.school.id}"
    _bulk_borough(setting, windows, 9, 0)
    officer.get(url)
    with count_queries() as at_10:
        small = officer.get(url).text
    _bulk_borough(setting, windows, 1990, 9)
    with count_queries() as at_2000:
        large = officer.get(url).text
    assert at_10.count == at_2000.count, at_2000.statements
    assert "Bulk School" not in large
    for page in (small, large):
        assert page.count("data-decision=") == 2 and page.count('class="gt-year-cell"') == 3


def test_the_mental_health_plan_panel_comes_from_its_type_with_ratings_and_actions_but_no_words(app, factory):
    from tests.conftest import sign_in
    from tests.officer.test_wellbeing_view import FUTURE, PAST, Borough, action, all_of, plan

    borough = Borough(app, factory)
    school, _, ret = borough.send("Heron Primary", "Primary", plan(
        ratings={**all_of("developing"), "leadership": "embedded"}, trained="yes", took_part="yes",
        actions=[action("a1", status="on_track", thrive="thriving", focus="anxiety", target=FUTURE),
                 action("a2", status="at_risk", thrive="getting_help", focus="anger", target=PAST),
                 action("a3", status="complete", thrive="thriving", focus="resilience", target=PAST)],
    ), accept=True)
    client = app.test_client()
    sign_in(client, borough.officer)
    page = client.get(f"/schools/{school.id}").text
    panel = section(page, 'id="school-wellbeing"', "</section>")
    rows = [[text_of(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr, re.S)] for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", panel, re.S)]
    assert ["Leadership and management", "Embedded"] in rows and ["Student voice", "Developing"] in rows
    assert ["On track", "1"] in rows and ["At risk", "1"] in rows and ["Complete", "1"] in rows and ["Off track", "0"] in rows
    assert "1 of 3 actions are past their target date and not complete" in text_of(panel)
    assert "Action a1" not in panel  # no words of the plan: the page is not a read of it
    assert f'href="/returns/{ret.id}/review"' in panel
    assert page.index('id="school-grades"') < page.index('id="school-wellbeing"')
