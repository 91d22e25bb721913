"""A careers leader's journey through the careers return: every section with the keyboard alone,
a benchmark's score changing as they answer (htmx, worked out on the server), a query explained,
checking and submitting; the score after saving without JavaScript; and an officer reading the
heat table, sorting it and downloading it. Each school journey has a window of its own, closed at the
end; axe and the page checks on every page."""

from __future__ import annotations

import csv
import io
import re

import openpyxl
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_page, sign_in
from tests.browser.test_closing import a_window_of_our_own, close_early
from tests.browser.test_sef import choose, press, section_links, start_blank, type_into

pytestmark = pytest.mark.browser


def a_careers_window_of_our_own(live, period: str, academic_year: str = "2034/35") -> tuple[int, str]:
    """(window id, head's email): a careers window for this journey alone, asking schools with
    pupils in year 7 or above."""
    return a_window_of_our_own(live, period, academic_year, return_type="careers", title="Careers benchmark return")


def benchmark_criteria(number: int) -> list[str]:
    from app.returns.careers.benchmarks import CURRENT

    return [criterion.text for criterion in CURRENT.benchmark(number).criteria]


def score_text(page) -> str:
    return page.locator("#derived-values").inner_text()


def answer_benchmark(page, number: int, answers: list[str]) -> None:
    for criterion, answer in zip(benchmark_criteria(number), answers):
        choose(page, criterion, answer)


def test_a_careers_leader_completes_the_return_with_the_keyboard_and_sees_a_score_change(page, live):
    window_id, head = a_careers_window_of_our_own(live, "autumn")
    try:
        sign_in(page, head)
        start_blank(page, window_id, keyboard=True)
        check_page(page, "careers-task-list")
        sections = dict(section_links(page))
        titles = list(sections)
        assert titles[:3] == ["Careers leader", "Careers adviser", "Provider access"]
        assert titles[3:11] == [f"Benchmark {n}: " + title for n, title in enumerate((
            "A stable careers programme", "Learning from career and labour market information", "Addressing the needs of each young person",
            "Linking curriculum learning to careers", "Encounters with employers and employees", "Experiences of workplaces",
            "Encounters with further and higher education", "Personal guidance"), start=1)]
        assert titles[11:] == ["Encounters and guidance by year group", "Young person's entitlement"]

        page.goto(sections["Careers leader"])
        type_into(page, page.get_by_label("Name of your careers leader"), "Joanne Whitaker")
        type_into(page, page.get_by_label("Their role in the school"), "Assistant headteacher")
        type_into(page, page.get_by_label("Their email address"), "careers@school.example.org")
        choose(page, "Are they on the senior leadership team?", "Yes")
        check_page(page, "careers-leader")
        press(page, page.get_by_role("button", name="Save and continue"))
        expect(page.locator(".govuk-notification-banner")).to_contain_text("‘Careers leader’ saved")

        page.goto(sections["Careers adviser"])
        type_into(page, page.get_by_label("Name of the careers adviser who gives personal guidance"), "Rachel Amos")
        qualification = page.get_by_label("Their highest careers guidance qualification")
        qualification.focus()
        qualification.select_option("level_6_or_above")
        press(page, page.get_by_role("button", name="Save and continue"))
        expect(page.locator(".govuk-notification-banner")).to_contain_text("‘Careers adviser’ saved")

        page.goto(sections["Provider access"])
        choose(page, "Is the school's provider access policy statement published on its website?", "Yes")
        type_into(page, page.get_by_label("The statement's web address"), "https://www.school.example.org/careers/provider-access")
        counts = page.locator("input[id^='encounters_']")
        for i in range(counts.count()):
            type_into(page, counts.nth(i), "1" if i == 0 else "3")
        press(page, page.get_by_role("button", name="Save and continue"))
        # One encounter in the first key phase is a query: the school explains it rather than being refused.
        expect(page.locator(".govuk-error-summary")).to_contain_text("Fewer than two provider encounters")
        check_page(page, "careers-provider-query")
        type_into(page, page.locator(".gt-query-explanation"), "A provider cancelled in June; a replacement visit is booked for March.")
        press(page, page.get_by_role("button", name="Save and continue"))
        expect(page.locator(".govuk-notification-banner")).to_contain_text("‘Provider access’ saved")

        page.goto(sections["Benchmark 1: A stable careers programme"])
        expect(page.locator(".gt-scoring-rule")).to_contain_text("A benchmark is achieved at 100%")
        expect(page.locator("#derived-values")).to_contain_text("0%: not yet met (0 of 6 criteria answered)")
        check_page(page, "careers-benchmark-empty")
        answer_benchmark(page, 1, ["Yes"])
        # The page sends the answers after a pause in typing; the server's score comes back with the save.
        expect(page.locator("#derived-values")).to_contain_text("17%: not yet met (1 of 6 criteria answered)", timeout=10_000)
        answer_benchmark(page, 1, ["Yes", "Yes", "Partly", "Yes", "Yes", "Yes"])
        expect(page.locator("#derived-values")).to_contain_text("92%: mostly met (6 of 6 criteria answered)", timeout=10_000)
        type_into(page, page.get_by_label("Evidence for your answers"), "The programme is on the website and governors review it each year.")
        check_page(page, "careers-benchmark-answered")
        press(page, page.get_by_role("button", name="Save and continue"))
        expect(page.locator(".govuk-notification-banner")).to_contain_text("saved and marked as completed")

        for number in range(2, 9):
            title = next(name for name in sections if name.startswith(f"Benchmark {number}:"))
            page.goto(sections[title])
            answer_benchmark(page, number, ["Yes"] * len(benchmark_criteria(number)))
            type_into(page, page.get_by_label("Evidence for your answers"), "Mapped across every year group and reviewed each summer.")
            press(page, page.get_by_role("button", name="Save and continue"))
            expect(page.locator(".govuk-notification-banner")).to_contain_text("saved and marked as completed")

        page.goto(sections["Encounters and guidance by year group"])
        for suffix, value in (("on_roll", "150"), ("employer", "140"), ("stem", "60"), ("workplace", "30"), ("guidance", "120")):
            boxes = page.locator(f"input[id$='_{suffix}']")
            for i in range(boxes.count()):
                type_into(page, boxes.nth(i), value)
        check_page(page, "careers-year-groups")
        press(page, page.get_by_role("button", name="Save and continue"))
        expect(page.locator(".govuk-notification-banner")).to_contain_text("saved and marked as completed")

        page.goto(sections["Young person's entitlement"])
        groups = page.locator("fieldset .govuk-fieldset__legend")
        legends = [groups.nth(i).inner_text().strip() for i in range(groups.count())]
        assert len(legends) == 9
        for legend in legends:
            choose(page, legend, "Yes")
        check_page(page, "careers-entitlement")
        press(page, page.get_by_role("button", name="Save and continue"))
        expect(page.locator(".govuk-notification-banner")).to_contain_text("saved and marked as completed")

        press(page, page.get_by_role("link", name="Check your answers and submit"))
        main = page.locator("main")
        expect(main).to_contain_text("92%: mostly met (6 of 6 criteria answered)")
        expect(main).to_contain_text("100%: achieved (6 of 6 criteria answered)")
        expect(main).to_contain_text("A provider cancelled in June")
        check_page(page, "careers-check-answers")
        press(page, page.get_by_role("checkbox"), "Space")
        press(page, page.get_by_role("button", name="Submit return"))
        expect(page.locator(".govuk-notification-banner")).to_contain_text("Your return has been submitted")
    finally:
        close_early(live, window_id)


def test_without_javascript_the_score_shows_after_saving(nojs_page, live):
    page = nojs_page
    window_id, head = a_careers_window_of_our_own(live, "spring")
    try:
        sign_in(page, head)
        start_blank(page, window_id, keyboard=False)
        link = dict(section_links(page))["Benchmark 5: Encounters with employers and employees"]
        page.goto(link)
        expect(page.locator("#derived-values")).to_contain_text("0%: not yet met")
        for criterion, answer in zip(benchmark_criteria(5), ["Yes", "Yes", "Yes", "No", "Partly", "No"]):
            page.get_by_role("group", name=criterion).get_by_label(answer, exact=True).check()
        page.get_by_role("button", name="Save and come back later").click()
        expect(page.locator(".govuk-notification-banner")).to_contain_text("saved")
        page.goto(link)
        expect(page.locator("#derived-values")).to_contain_text("58%: partly met (6 of 6 criteria answered)")
        check_page(page, "careers-nojs-benchmark-saved")
        page.goto(link.replace("benchmark_5", "year_groups"))
        expect(page.get_by_role("heading", level=2, name="Year 7")).to_be_visible()
        check_page(page, "careers-nojs-year-groups")
    finally:
        close_early(live, window_id)


def demo_window(live) -> tuple[int, str]:
    """This year's careers window of the demo borough (other journeys add windows of their own)."""
    from datetime import date

    from sqlalchemy import select

    from app.demo import academic_year_start
    from app.extensions import db
    from app.models import CollectionWindow

    title = f"Careers benchmark return, autumn {academic_year_start(date.today())}"
    with live.app.app_context():
        window_id = db.session.scalar(select(CollectionWindow.id).where(CollectionWindow.return_type == "careers", CollectionWindow.title == title))
        db.session.remove()
    assert window_id is not None, "the demo borough has no careers window this year"
    return window_id, title


def test_an_officer_reads_the_heat_table_sorts_it_and_downloads_it(page, live):
    window_id, title = demo_window(live)
    sign_in(page, "officer@example.org")
    page.goto("/schools")
    press(page, page.get_by_role("link", name="Careers").first)
    expect(page.get_by_role("heading", level=1, name="Careers: Gatsby benchmarks")).to_be_visible()
    page.get_by_label("Collection window").select_option(str(window_id))
    press(page, page.get_by_role("button", name="Show figures"))
    expect(page.locator("#returns-count")).to_contain_text(title)
    table = page.locator(".gt-heat-table")
    expect(table).to_contain_text("Achieved")
    expect(page.locator("main")).to_contain_text("Up ")  # the change since last year's window
    check_page(page, "officer-careers")

    press(page, page.get_by_role("link", name=re.compile(r"Benchmark 3: Addressing the needs of each young person.*sort highest first")))
    expect(page.locator("th[aria-sort='descending']")).to_contain_text("B3")
    rows = page.locator(".gt-heat-table tbody tr")
    scores = [int(re.match(r"\d+", rows.nth(i).locator("td").nth(2).inner_text()).group()) for i in range(rows.count())
              if re.match(r"\d+", rows.nth(i).locator("td").nth(2).inner_text())]
    assert scores == sorted(scores, reverse=True) and len(scores) >= 3
    check_page(page, "officer-careers-sorted")

    with page.expect_download() as csv_download:
        press(page, page.get_by_role("link", name="CSV file of benchmark scores by school"))
    rows_csv = list(csv.reader(io.StringIO(open(csv_download.value.path(), encoding="utf-8-sig").read())))
    assert rows_csv[0][:2] == ["School", "Benchmark 1 (%)"] and len(rows_csv) == 1 + rows.count()
    assert [int(row[3]) for row in rows_csv[1:] if row[3]] == scores

    with page.expect_download() as xlsx_download:
        press(page, page.get_by_role("link", name="Excel workbook of benchmark scores by school"))
    with open(xlsx_download.value.path(), "rb") as workbook:
        sheet = openpyxl.load_workbook(io.BytesIO(workbook.read())).active
    cells = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert [row[0] for row in cells] == [row[0] for row in rows_csv]
