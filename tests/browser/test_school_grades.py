"""An officer reads a school's self-evaluated grades on its page: the chart and the table of the same
figures pass axe and the page checks (no CSP violation, no sideways scroll at 320px)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SCREENSHOTS, check_page, sign_in

pytestmark = pytest.mark.browser

# Accepted last year and this year in the demo borough.
URN = "990109"


def facts_for_the_demo_schools_sef(live) -> int:
    """The grade facts of the school's current SEF submissions, as the engine writes them on every
    move (app/engine/facts.py); written here only while the engine does not yet. The school's id."""
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import Fact, Return, School, Submission
    from app.returns.sef.framework import framework

    with live.app.app_context():
        school = db.session.scalar(select(School).where(School.urn == URN))
        school_id = school.id
        if not db.session.scalar(select(func.count(Fact.id)).where(Fact.school_id == school_id, Fact.key.startswith("grade."))):
            returns = db.session.scalars(select(Return).where(Return.school_id == school_id, Return.return_type == "sef", Return.state == "accepted"))
            for ret in returns:
                submission = db.session.scalars(select(Submission).where(Submission.return_id == ret.id).order_by(Submission.number.desc())).first()
                ranks = {key: n for n, (key, _) in enumerate(framework(submission.form_version).grades, start=1)}
                for area, answers in submission.answers.items():
                    if isinstance(answers, dict) and answers.get("grade") in ranks:
                        db.session.add(Fact(
                            return_id=ret.id, submission_id=submission.id, window_id=ret.window_id, school_id=school_id,
                            return_type="sef", form_version=submission.form_version, key=f"grade.{area}",
                            text_value=answers["grade"], number_value=ranks[answers["grade"]], current=True, state=ret.state,
                        ))
            db.session.commit()
        db.session.remove()
    return school_id


def test_an_officer_reads_the_grades_chart_and_its_table(page, live):
    school_id = facts_for_the_demo_schools_sef(live)
    sign_in(page, "officer@example.org")
    page.goto(f"/schools/{school_id}")
    expect(page.get_by_role("heading", level=2, name="Self-evaluated grades")).to_be_visible()
    chart = page.get_by_role("img", name="Self-evaluated grades by evaluation area")
    expect(chart).to_be_visible()
    table = page.locator("table.gt-chart-table")
    expect(table.locator("caption")).to_contain_text("Self-evaluated grades by evaluation area")
    expect(table.locator("thead th")).to_have_count(3)
    # Every grade in the table is written in the chart too.
    drawn = " ".join(page.locator("svg.gt-chart__svg text").all_text_contents())
    for cell in table.locator("tbody td").all_text_contents():
        assert cell.strip() in drawn
    check_page(page, "school-grades")
    # The panel alone, at both widths, for a closer look than the full page gives.
    panel = page.locator("#school-grades")
    panel.screenshot(path=SCREENSHOTS / "school-grades-panel-1280.png", animations="disabled")
    page.set_viewport_size({"width": 320, "height": 800})
    panel.screenshot(path=SCREENSHOTS / "school-grades-panel-320.png", animations="disabled")
