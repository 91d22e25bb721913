"""A senior mental health lead's journey through the mental-health action plan: every section with
the keyboard alone, adding and removing actions, checking and submitting; and the same adding and
removing of actions without JavaScript. Each journey has a window of its own, closed at the end."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_page, sign_in
from tests.browser.test_closing import a_window_of_our_own, close_early
from tests.browser.test_sef import choose, press, section_links, start_blank, type_into

pytestmark = pytest.mark.browser

NO_PUPIL = "Do not include anything that could identify a pupil."


def a_wellbeing_window_of_our_own(live, period: str, academic_year: str = "2033/34") -> tuple[int, str]:
    """(window id, head's email): a mental-health action plan window for this journey alone."""
    return a_window_of_our_own(live, period, academic_year, return_type="wellbeing", title="Mental health action plan")


PRINCIPLE_GROUPS = (
    ("leadership", "Leadership and management that supports and champions efforts to promote emotional health and wellbeing"),
    ("ethos", "An ethos and environment that promotes respect and values diversity"),
    ("curriculum", "Curriculum, teaching and learning to promote resilience and support social and emotional learning"),
    ("student_voice", "Enabling student voice to influence decisions"),
    ("staff_development", "Staff development to support their own wellbeing and that of students"),
    ("identifying_need", "Identifying need and monitoring impact of interventions"),
    ("parents_carers", "Working with parents and carers"),
    ("targeted_support", "Targeted support and appropriate referral"),
)


def fill_action(page, index: int, what: str, *, keyboard: bool) -> None:
    fill = (lambda locator, text: type_into(page, locator, text)) if keyboard else (lambda locator, text: locator.fill(text))
    page.locator(f"#actions-{index}-principle").select_option("curriculum")
    fill(page.locator(f"#actions-{index}-what"), what)
    fill(page.locator(f"#actions-{index}-outcome"), "Pupils name their feelings and use a calming strategy.")
    fill(page.locator(f"#actions-{index}-success_criteria"), "Summer survey: 80% say they know what to do when worried.")
    fill(page.locator(f"#actions-{index}-lead_role"), "PSHE lead")
    for name, (day, month, year) in (("start_on", ("8", "9", "2026")), ("target_on", ("31", "3", "2027"))):
        fill(page.locator(f"#actions-{index}-{name}-day"), day)
        fill(page.locator(f"#actions-{index}-{name}-month"), month)
        fill(page.locator(f"#actions-{index}-{name}-year"), year)
    page.locator(f"#actions-{index}-thrive_need").select_option("thriving")
    page.locator(f"#actions-{index}-focus").select_option("anxiety")
    page.locator(f"#actions-{index}-status").select_option("on_track")


def test_a_mental_health_lead_completes_and_submits_a_plan_with_the_keyboard(page, live):
    window_id, head = a_wellbeing_window_of_our_own(live, "autumn")
    try:
        sign_in(page, head)
        start_blank(page, window_id, keyboard=True)
        check_page(page, "wellbeing-task-list")
        sections = section_links(page)
        assert [title for title, _ in sections] == ["Senior mental health lead", "The eight principles", "Pupil wellbeing survey and support team", "Action plan"]

        page.goto(sections[0][1])
        expect(page.locator("main")).to_contain_text(NO_PUPIL)
        type_into(page, page.get_by_label("Name of your senior mental health lead"), "Priya Shah")
        type_into(page, page.get_by_label("Their role in the school"), "Deputy headteacher")
        choose(page, "Do they sit on the senior leadership team?", "Yes")
        choose(page, "Have they completed DfE quality-assured senior mental health lead training?", "Yes")
        type_into(page, page.get_by_label("Training provider"), "Anna Freud Centre")
        type_into(page, page.locator("#trained_on-day"), "14")
        type_into(page, page.locator("#trained_on-month"), "3")
        type_into(page, page.locator("#trained_on-year"), "2025")
        check_page(page, "wellbeing-lead")
        press(page, page.get_by_role("button", name="Save and continue"))
        expect(page.locator(".govuk-notification-banner")).to_contain_text("‘Senior mental health lead’ saved")

        page.goto(sections[1][1])
        for key, words in PRINCIPLE_GROUPS:
            choose(page, words, "Developing")
            type_into(page, page.locator(f"#{key}_evidence"), f"Most staff follow our approach to {key.replace('_', ' ')}; the survey shows it.")
        check_page(page, "wellbeing-principles")
        press(page, page.get_by_role("button", name="Save and continue"))
        expect(page.locator(".govuk-notification-banner")).to_contain_text("‘The eight principles’ saved")

        page.goto(sections[2][1])
        choose(page, "Did the school take part in the council's annual pupil wellbeing survey?", "Yes")
        choose(page, "Is the school served by a Mental Health Support Team?", "No")
        press(page, page.get_by_role("button", name="Save and continue"))
        expect(page.locator(".govuk-notification-banner")).to_contain_text("saved")

        page.goto(sections[3][1])
        fill_action(page, 0, "Weekly zones-of-regulation lessons in every class.", keyboard=True)
        press(page, page.get_by_role("button", name="Add another action"))
        expect(page.locator("#actions-1-what")).to_be_visible()
        # What was typed in the first action is kept when a row is added.
        expect(page.locator("#actions-0-what")).to_have_value("Weekly zones-of-regulation lessons in every class.")
        fill_action(page, 1, "Parent workshops on supporting anxious children.", keyboard=True)
        press(page, page.get_by_role("button", name="Add another action"))
        expect(page.locator("#actions-2-what")).to_be_visible()
        check_page(page, "wellbeing-actions-three-rows")
        press(page, page.get_by_role("button", name="Remove action 3"))
        expect(page.locator("#actions-2-what")).to_have_count(0)
        expect(page.locator("#actions-1-row")).to_be_focused()
        press(page, page.get_by_role("button", name="Save and continue"))
        expect(page.locator(".govuk-notification-banner")).to_contain_text("‘Action plan’ saved")

        press(page, page.get_by_role("link", name="Check your answers and submit"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers")
        expect(page.locator("main")).to_contain_text("Parent workshops on supporting anxious children.")
        check_page(page, "wellbeing-check-answers")
        press(page, page.get_by_role("checkbox"), "Space")
        press(page, page.get_by_role("button", name="Submit return"))
        expect(page.locator(".govuk-notification-banner")).to_contain_text("Your return has been submitted")
        check_page(page, "wellbeing-submitted")
    finally:
        close_early(live, window_id)


def test_adding_and_removing_actions_without_javascript(nojs_page, live):
    page = nojs_page
    window_id, head = a_wellbeing_window_of_our_own(live, "spring")
    try:
        sign_in(page, head)
        start_blank(page, window_id, keyboard=False)
        page.goto(dict(section_links(page))["Action plan"])
        fill_action(page, 0, "Weekly zones-of-regulation lessons in every class.", keyboard=False)
        page.get_by_role("button", name="Add another action").click()
        expect(page).to_have_url(re.compile(r"/sections/action_plan$"))
        expect(page.locator("#actions-1-what")).to_be_visible()
        expect(page.locator("#actions-0-what")).to_have_value("Weekly zones-of-regulation lessons in every class.")
        fill_action(page, 1, "Parent workshops on supporting anxious children.", keyboard=False)
        check_page(page, "wellbeing-nojs-two-rows")
        page.get_by_role("button", name="Remove action 1").click()
        expect(page.locator("#actions-1-what")).to_have_count(0)
        expect(page.locator("#actions-0-what")).to_have_value("Parent workshops on supporting anxious children.")
        page.get_by_role("button", name="Save and continue").click()
        expect(page.locator(".govuk-notification-banner")).to_contain_text("‘Action plan’ saved")
        page.goto(dict(section_links(page))["Action plan"])
        expect(page.locator("#actions-0-what")).to_have_value("Parent workshops on supporting anxious children.")
        check_page(page, "wellbeing-nojs-saved")
    finally:
        close_early(live, window_id)
