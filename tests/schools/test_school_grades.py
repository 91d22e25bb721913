"""The school page's self-evaluated grades: this year's beside last year's, per evaluation area, as a
chart and a table of the same figures, read from the facts table.

Until the engine writes facts on every submission (app/engine/facts.py), these tests write the
facts a submission would have."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Fact, Submission
from app.returns.sef.framework import FRAMEWORKS, OFSTED_2025, EvaluationArea, Framework
from tests.schools.test_school_returns import Setting, make_window

SVG = "{http://www.w3.org/2000/svg}"
NUMBER = {key: n for n, (key, _) in enumerate(OFSTED_2025.grades, start=1)}


def add_grades(ret, grades: dict[str, str], *, form_version: str = "ofsted-2025") -> None:
    """The facts the engine writes for the latest submission of a submitted or accepted return."""
    submission = db.session.scalars(select(Submission).where(Submission.return_id == ret.id).order_by(Submission.number.desc())).first()
    for area, grade in grades.items():
        db.session.add(
            Fact(
                return_id=ret.id, submission_id=submission.id, window_id=ret.window_id, school_id=ret.school_id,
                return_type="sef", form_version=form_version, key=f"grade.{area}", text_value=grade,
                number_value=NUMBER.get(grade), current=ret.state in ("submitted", "accepted"), state=ret.state,
            )
        )
    db.session.flush()


THIS_YEAR = {"inclusion": "strong", "curriculum_teaching": "expected", "achievement": "needs_attention", "attendance_behaviour": "exceptional",
             "personal_development": "strong", "leadership_governance": "urgent_improvement"}
LAST_YEAR = {"inclusion": "expected", "curriculum_teaching": "expected", "achievement": "expected", "attendance_behaviour": "strong",
             "personal_development": "strong", "leadership_governance": "needs_attention", "early_years": "strong"}


@pytest.fixture
def setting(app, factory):
    return Setting(app, factory)


def two_years(setting, *, this_state="accepted", early_years=False):
    setting.school.has_early_years = early_years
    setting.school.has_sixth_form = False
    last = make_window(opens=-400, due=-380)
    this = make_window()
    last.academic_year, this.academic_year = "2025/26", "2026/27"
    last_ret = setting.return_in("accepted", last)
    this_ret = setting.return_in(this_state, this)
    add_grades(last_ret, LAST_YEAR)
    add_grades(this_ret, THIS_YEAR)
    return this_ret, last_ret


def grades_section(page: str) -> str:
    return page[page.index('id="grades"'):page.index('id="returns"')]


def table_of(section: str) -> list[list[str]]:
    table = section[section.index("<table"):section.index("</table>")]
    return [
        [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)
    ]


def svg_of(section: str) -> ET.Element:
    return ET.fromstring(section[section.index("<svg"):section.index("</svg>") + len("</svg>")])


def test_officers_see_this_years_grades_beside_last_years_in_a_chart_and_a_table_of_the_same_figures(setting):
    two_years(setting)
    page = setting.client(setting.officer).get(f"/schools/{setting.school.id}").text
    section = grades_section(page)
    assert "Self-evaluated grades by evaluation area, 2026/27 and 2025/26" in section
    rows = table_of(section)
    assert rows == [
        ["Evaluation area", "2026/27", "2025/26"],
        ["Inclusion", "Strong standard", "Expected standard"],
        ["Curriculum and teaching", "Expected standard", "Expected standard"],
        ["Achievement", "Needs attention", "Expected standard"],
        ["Attendance and behaviour", "Exceptional", "Strong standard"],
        ["Personal development and well-being", "Strong standard", "Strong standard"],
        ["Leadership and governance", "Urgent improvement", "Needs attention"],
        # Early years: graded last year, though the school no longer has it, so it is still shown.
        ["Early years", "Not graded", "Strong standard"],
    ]
    root = svg_of(section)
    assert root.get("role") == "img" and not any("style" in element.attrib for element in root.iter())
    # The same figures: one bar per grade, as long as the grade is strong (exceptional 5 … urgent improvement 1).
    bars = [rect for rect in root.iter(f"{SVG}rect") if rect.get("class") == "gt-chart__bar"]
    strength = {words: 6 - n for n, (_, words) in enumerate(OFSTED_2025.grades, start=1)}
    expected = [strength[cell] for row in rows[1:] for cell in row[1:] if cell != "Not graded"]
    assert [float(bar.get("data-value")) for bar in bars] == expected
    words = ["".join(text.itertext()) for text in root.iter(f"{SVG}text")]
    for row in rows[1:]:
        assert row[0] in " ".join(words)
        for cell in row[1:]:
            assert any(cell in word for word in words)
    assert "submitted and waiting" not in section


def test_early_years_is_asked_only_where_the_school_has_it(setting):
    this_ret, _ = two_years(setting, early_years=True)
    page = setting.client(setting.officer).get(f"/schools/{setting.school.id}").text
    assert ["Early years", "Not graded", "Strong standard"] in table_of(grades_section(page))
    setting.school.has_early_years = False
    db.session.execute(Fact.__table__.delete().where(Fact.key == "grade.early_years"))
    db.session.flush()
    page = setting.client(setting.officer).get(f"/schools/{setting.school.id}").text
    assert "Early years" not in grades_section(page)


def test_a_return_waiting_for_review_counts_and_says_so(setting):
    two_years(setting, this_state="submitted")
    page = setting.client(setting.officer).get(f"/schools/{setting.school.id}").text
    section = grades_section(page)
    assert ["Inclusion", "Strong standard", "Expected standard"] in table_of(section)
    assert "submitted and waiting for the council&#39;s review" in section


def test_only_the_latest_two_windows_and_never_another_schools(setting):
    oldest = make_window(opens=-800, due=-780)
    add_grades(setting.return_in("accepted", oldest), {"inclusion": "urgent_improvement"})
    this_ret, _ = two_years(setting)
    theirs = setting.return_in("accepted", make_window(opens=-5, due=30), setting.other, setting.other_head)
    add_grades(theirs, {"inclusion": "exceptional"})
    page = setting.client(setting.officer).get(f"/schools/{setting.school.id}").text
    rows = table_of(grades_section(page))
    assert rows[0] == ["Evaluation area", "2026/27", "2025/26"]
    assert rows[1] == ["Inclusion", "Strong standard", "Expected standard"]


@pytest.mark.parametrize("state", [None, "draft", "returned"])
def test_a_school_without_a_submitted_self_evaluation_gets_a_sentence_not_an_empty_chart(setting, state):
    if state:
        ret = setting.return_in(state, make_window())
        if state == "returned":
            add_grades(ret, THIS_YEAR)  # facts of a submission since sent back: no longer current
    page = setting.client(setting.officer).get(f"/schools/{setting.school.id}").text
    section = grades_section(page)
    assert "No self-evaluation from this school has been submitted yet" in section
    assert "<svg" not in section and "<table" not in section


def test_hostile_words_in_the_framework_are_escaped(setting, monkeypatch):
    hostile = Framework(
        version="hostile-test",
        title="Hostile",
        grades=(("good", '<b onmouseover="x">Good</b>'), ("poor", "Poor")),
        areas=(EvaluationArea("inclusion", '<script>alert("area")</script>'),),
        safeguarding=(),
    )
    monkeypatch.setitem(FRAMEWORKS, hostile.version, hostile)
    ret = setting.return_in("accepted", make_window())
    add_grades(ret, {"inclusion": "good"}, form_version=hostile.version)
    db.session.execute(Fact.__table__.update().values(number_value=1))
    page = setting.client(setting.officer).get(f"/schools/{setting.school.id}").text
    section = grades_section(page)
    assert "<script>alert" not in page and '<b onmouseover="x">' not in page
    assert "&lt;script&gt;alert(&#34;area&#34;)&lt;/script&gt;" in section or "&lt;script&gt;alert(&quot;area&quot;)&lt;/script&gt;" in section
    svg_of(section)  # still well-formed


def test_a_school_user_sees_their_own_grades_and_never_another_schools_page(setting):
    two_years(setting)
    client = setting.client(setting.head)
    page = client.get(f"/schools/{setting.school.id}").text
    assert ["Inclusion", "Strong standard", "Expected standard"] in table_of(grades_section(page))
    assert client.get(f"/schools/{setting.other.id}").status_code == 404


def test_the_page_reads_grades_in_the_same_number_of_queries_at_2_and_10_windows(setting, count_queries):
    client = setting.client(setting.officer)
    url = f"/schools/{setting.school.id}"
    two_years(setting)
    client.get(url)
    with count_queries() as two:
        assert client.get(url).status_code == 200
    for n in range(8):
        ret = setting.return_in("accepted", make_window(opens=-1000 - 400 * n, due=-980 - 400 * n))
        add_grades(ret, LAST_YEAR)
    with count_queries() as ten:
        page = client.get(url).text
    assert page.count("data-return=") == 10
    assert table_of(grades_section(page))[1] == ["Inclusion", "Strong standard", "Expected standard"]
    assert ten.count == two.count, ten.statements
    # One read of facts for the self-evaluation's panel, one for the suggested support category's evidence.
    assert sum("FROM facts" in statement for statement in ten.statements) == 2
