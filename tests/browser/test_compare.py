"""An officer checks a resubmission: compare marks only the changed words of a long answer, counts
the changes, and shows only the changed sections without JavaScript, with no sideways scroll at
320px even with a long unbroken word; and compares a school's return with last year's, reached from
the school page and from the review page. axe on every page (with JavaScript)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import NARROW_WIDTH, check_page, sign_in

pytestmark = pytest.mark.browser

RESUBMITTED_URN = "990117"  # returned for changes in the demo borough; resubmitted here
TWO_YEARS_URN = "990116"  # accepted last year and this year in the demo borough

ADDED = "Pupils who join mid-year are now assessed within a week and given a reading buddy"
# No hyphen, no space: only overflow-wrap can break it, or the page scrolls sideways at 320px.
LONG_WORD = "https://example.org/plans/" + "readingbuddies" * 10


def resubmitted_with_an_edit(live) -> int:
    """The school's returned self-evaluation, resubmitted with one sentence (holding a long unbroken
    link) added to a long answer and one grade changed. The return's id."""
    from sqlalchemy import select

    from app.engine import lifecycle
    from app.extensions import db
    from app.models import Return, ReturnSection, School, User
    from app.models.returns import RETURNED

    with live.app.app_context():
        school = db.session.scalar(select(School).where(School.urn == RESUBMITTED_URN))
        ret = db.session.scalars(select(Return).where(Return.school_id == school.id, Return.return_type == "sef").order_by(Return.id.desc())).first()
        if ret.state == RETURNED:
            head = db.session.scalar(select(User).where(User.school_id == school.id, User.approver.is_(True)))
            inclusion = db.session.scalar(select(ReturnSection).where(ReturnSection.return_id == ret.id, ReturnSection.key == "inclusion"))
            before = inclusion.answers.get("strengths") or ""
            long_before = before if len(before.split()) >= 12 else before + " Leaders check the inclusion plan every term with governors and staff."
            inclusion.answers = {**inclusion.answers, "strengths": long_before}
            db.session.flush()
            # The first submission is what the school sent; make it hold the long text too, as the
            # demo's own answers may be short: a fresh submission, then the edit, then another.
            lifecycle.perform(lifecycle.SUBMIT, ret, head)
            lifecycle.perform(lifecycle.RETURN_FOR_CHANGES, ret, db.session.scalar(select(User).where(User.email == "officer@example.org")), reason="Say how late joiners are helped")
            inclusion = db.session.scalar(select(ReturnSection).where(ReturnSection.return_id == ret.id, ReturnSection.key == "inclusion"))
            grade = "strong" if inclusion.answers.get("grade") != "strong" else "expected"
            inclusion.answers = {**inclusion.answers, "grade": grade, "strengths": f"{long_before} {ADDED} ({LONG_WORD})."}
            db.session.flush()
            lifecycle.perform(lifecycle.SUBMIT, ret, head)
            db.session.commit()
        return_id = ret.id
        db.session.remove()
    return return_id


def test_compare_without_javascript_marks_the_words_and_filters_sections_at_320px(nojs_page, live):
    return_id = resubmitted_with_an_edit(live)
    page = nojs_page
    sign_in(page, "officer@example.org")
    page.goto(f"/returns/{return_id}/compare")
    inclusion = page.locator("section.gt-compare-section", has=page.locator("h2#section-inclusion"))
    expect(inclusion.locator("h2")).to_contain_text("change")
    strengths = inclusion.locator('tr[data-row="strengths"]')
    expect(strengths.locator("ins").first).to_contain_text(ADDED)
    # Only the new words are marked: the earlier text is there, outside any <ins> or <del>.
    assert strengths.locator("ins").all_text_contents() == [f"{ADDED} ({LONG_WORD})."]
    expect(strengths.locator("del")).to_have_count(0)
    expect(page.locator("#compare-summary")).to_contain_text(re.compile(r"\d+ of \d+ sections changed"))

    page.set_viewport_size({"width": NARROW_WIDTH, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW_WIDTH
    page.set_viewport_size({"width": 1280, "height": 800})
    check_page(page, "compare-words-nojs")

    page.get_by_role("link", name="Show only changed sections").click()
    expect(page).to_have_url(re.compile(r"changed=1"))
    headings = page.locator("section.gt-compare-section h2")
    expect(headings.first).to_be_visible()
    assert all("No changes" not in text for text in headings.all_text_contents())
    check_page(page, "compare-changed-only-nojs")
    page.get_by_role("link", name=re.compile(r"Show all \d+ sections")).click()
    expect(page.locator("section.gt-compare-section h2", has_text="No changes").first).to_be_visible()


def test_compare_with_javascript_passes_axe(page, live):
    return_id = resubmitted_with_an_edit(live)
    sign_in(page, "officer@example.org")
    page.goto(f"/returns/{return_id}/compare")
    expect(page.locator("ins", has_text=ADDED).first).to_be_visible()
    check_page(page, "compare-words")


def test_this_year_against_last_from_the_school_page_and_the_review_page(page, live):
    school = live.school(TWO_YEARS_URN)
    sign_in(page, "officer@example.org")
    page.goto(f"/schools/{school.id}")
    # From the returns over the years (the school page's grid names each link's return).
    page.get_by_role("link", name=re.compile(r"^Compare with .*\(school self-evaluation\)")).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Compare school self-evaluation returns")
    expect(page.locator("#compare-summary")).to_contain_text(re.compile(r"\d+ of \d+ sections changed"))
    expect(page.get_by_label("Compare submission")).to_contain_text("(accepted)")
    check_page(page, "compare-years")

    # The same comparison from this year's review page.
    page.goto(f"/schools/{school.id}")
    page.get_by_role("link", name=re.compile(r"^Review")).first.click()
    page.get_by_role("link", name="Compare with last year's accepted return").click()
    expect(page.locator("#compare-summary")).to_be_visible()
    page.get_by_role("link", name="Show only changed sections").click()
    expect(page).to_have_url(re.compile(r"changed=1"))
    check_page(page, "compare-years-changed-only")
