"""An officer opens the mental-health view of the demo borough, chooses the window the demo filled
(other browser tests add empty windows of their own), and downloads a table as CSV and as Excel.
The page passes axe and the page checks (no CSP violation, no sideways scroll at 320px)."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_page, sign_in

pytestmark = pytest.mark.browser


def demo_window(live) -> tuple[int, str]:
    """The wellbeing window with the most current facts in the demo borough: (id, title)."""
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import CollectionWindow, Fact

    with live.app.app_context():
        row = db.session.execute(
            select(CollectionWindow.id, CollectionWindow.title)
            .join(Fact, Fact.window_id == CollectionWindow.id)
            .where(Fact.return_type == "wellbeing", Fact.current.is_(True))
            .group_by(CollectionWindow.id, CollectionWindow.title)
            .order_by(func.count().desc())
        ).first()
        db.session.remove()
    assert row is not None, "the demo borough has no wellbeing plan sent"
    return row.id, row.title


def test_an_officer_reads_the_wellbeing_view_and_downloads_its_tables(page, live):
    window_id, title = demo_window(live)
    sign_in(page, "officer@example.org")
    page.goto("/schools")
    page.get_by_role("link", name="Mental health").first.click()
    expect(page.get_by_role("heading", level=1, name="Mental health and wellbeing plans")).to_be_visible()
    page.get_by_label("Collection window").select_option(str(window_id))
    page.get_by_role("button", name="Show figures").click()
    expect(page.get_by_label("Collection window")).to_have_value(str(window_id))
    expect(page.locator("#plans-count")).to_contain_text(title)
    expect(page.get_by_role("img", name="Principle ratings across schools")).to_be_visible()
    check_page(page, "officer-wellbeing")

    with page.expect_download() as csv_download:
        page.get_by_role("link", name="CSV file of principle ratings").click()
    rows = list(csv.reader(io.StringIO(open(csv_download.value.path(), encoding="utf-8-sig").read())))
    assert rows[0][0] == "Principle" and len(rows) == 9

    with page.expect_download() as xlsx_download:
        page.get_by_role("link", name="Excel workbook of principle ratings").click()
    assert xlsx_download.value.suggested_filename.endswith(".xlsx")
    with open(xlsx_download.value.path(), "rb") as workbook:
        sheet = openpyxl.load_workbook(io.BytesIO(workbook.read())).active
    cells = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert cells[0][0] == "Principle" and [row[1:] for row in cells[1:]] == [[int(v) for v in row[1:]] for row in rows[1:]]
