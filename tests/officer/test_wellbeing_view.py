"""The officers' mental-health view (issue 14): every figure against a small borough seeded through
the real lifecycle (so facts and living rows are written as in production), the filters, the
overdue list, both downloads, the reads they record, the query count at 10 and at 1,000 schools, and who may see it."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import openpyxl
import pytest
from sqlalchemy import select

from app.engine import lifecycle
from app.engine.living import add_update
from app.extensions import db
from app.models import ReturnSection, Role
from app.models.returns import LivingRow, SECTION_COMPLETED
from app.returns.wellbeing.framework import CURRENT
from tests.returns.test_sef_sections import Browser, make_window, text

TODAY = date.today()
PAST = (TODAY - timedelta(days=30)).isoformat()
FUTURE = (TODAY + timedelta(days=90)).isoformat()
PRINCIPLES = [key for key, _ in CURRENT.principles]
HOSTILE = "<b>Oak</b> & Co Primary"


def action(row_id: str, *, status: str, thrive: str, focus: str, target: str, principle: str = "curriculum") -> dict:
    return {
        "id": row_id, "principle": principle, "what": f"Action {row_id}", "outcome": "Pupils use calming strategies",
        "success_criteria": "Survey", "lead_role": "PSHE lead", "start_on": "2026-09-08", "target_on": target,
        "thrive_need": thrive, "focus": focus, "status": status,
    }


def plan(*, ratings: dict[str, str], trained: str, took_part: str, mhst: str = "no", actions: list[dict]) -> dict:
    return {
        "lead": {"name": "Priya Shah", "role": "Deputy headteacher", "on_slt": "yes", "trained": trained,
                 **({"provider": "Anna Freud Centre", "trained_on": "2025-03-14"} if trained == "yes" else {})},
        "principles": {**ratings, **{f"{p}_evidence": "Evidence" for p in PRINCIPLES}},
        "survey": {"took_part": took_part, "mhst": mhst},
        "action_plan": {"actions": actions},
    }


class Borough:
    def __init__(self, app, factory):
        self.app = app
        self.factory = factory
        self.old = make_window(return_type="wellbeing", title="Wellbeing plan 2025", academic_year="2025/26",
                               opens_on=TODAY - timedelta(days=400), due_on=TODAY - timedelta(days=300), phases=["Primary", "Secondary"])
        self.window = make_window(return_type="wellbeing", title="Wellbeing plan 2026", opens_on=TODAY - timedelta(days=40),
                                  due_on=TODAY + timedelta(days=10), phases=["Primary", "Secondary"])
        self.officer = factory.user(Role.OFFICER, name="Sam Officer")

    def school(self, name: str, phase: str, trust: str | None = None):
        school = factory_school(self.factory, name, phase, trust)
        approver = self.factory.user(Role.SCHOOL, school=school, approver=True)
        return school, approver

    def send(self, name: str, phase: str, answers: dict, *, trust: str | None = None, accept: bool = False, window=None):
        school, approver = self.school(name, phase, trust)
        ret = lifecycle.start(approver, window or self.window, school)
        for key, section in answers.items():
            db.session.add(ReturnSection(return_id=ret.id, key=key, answers=dict(section), version=1, status=SECTION_COMPLETED, updated_by_id=approver.id))
        db.session.flush()
        lifecycle.perform(lifecycle.SUBMIT, ret, approver)
        if accept:
            lifecycle.perform(lifecycle.ACCEPT, ret, self.officer)
        db.session.flush()
        return school, approver, ret


def factory_school(factory, name, phase, trust):
    low, high = (4, 11) if phase == "Primary" else (11, 16)
    return factory.school(name=name, phase=phase, trust_name=trust, statutory_low_age=low, statutory_high_age=high)


def all_of(rating: str, **others) -> dict:
    return {**{p: rating for p in PRINCIPLES}, **others}


@pytest.fixture
def borough(app, factory):
    b = Borough(app, factory)
    # A: Primary in Oak Trust, accepted; a1 overdue (the school then marks it at risk), a2 complete.
    b.a, b.a_user, b.a_ret = b.send(HOSTILE, "Primary", plan(
        ratings=all_of("developing", leadership="embedded"), trained="yes", took_part="yes",
        actions=[action("a1", status="on_track", thrive="thriving", focus="anxiety", target=PAST, principle="leadership"),
                 action("a2", status="complete", thrive="getting_help", focus="anxiety", target=PAST)],
    ), trust="Oak Trust", accept=True)
    row = db.session.scalar(select(LivingRow).where(LivingRow.return_id == b.a_ret.id, LivingRow.title == "Action a1"))
    add_update(b.a_ret, row, user=b.a_user, status="at_risk", note="Behind")
    # B: Primary, no trust, submitted only: its overdue-looking action is not in the overdue list.
    b.b, _, _ = b.send("Birchwood Primary", "Primary", plan(
        ratings=all_of("emerging"), trained="no", took_part="yes",
        actions=[action("b1", status="not_started", thrive="getting_help", focus="self_harm", target=PAST)],
    ))
    # C: Secondary in Oak Trust, accepted, nothing overdue.
    b.c, _, _ = b.send("Cedar Academy", "Secondary", plan(
        ratings=all_of("not_started"), trained="yes", took_part="no", mhst="yes",
        actions=[action("c1", status="off_track", thrive="getting_more_help", focus="resilience", target=FUTURE)],
    ), trust="Oak Trust", accept=True)
    # E: sent back for changes: its facts are not current, so nothing of it counts.
    _, _, e_ret = b.send("Elm Primary", "Primary", plan(
        ratings=all_of("embedded"), trained="yes", took_part="yes",
        actions=[action("e1", status="on_track", thrive="thriving", focus="anger", target=PAST)],
    ), trust="Oak Trust")
    lifecycle.perform(lifecycle.TAKE, e_ret, b.officer)
    lifecycle.perform(lifecycle.RETURN_FOR_CHANGES, e_ret, b.officer, reason="Please add a target for the survey")
    # D: a school that only has a plan in last year's window.
    b.d, _, _ = b.send("Damson Primary", "Primary", plan(
        ratings=all_of("embedded"), trained="yes", took_part="yes",
        actions=[action("d1", status="on_track", thrive="thriving", focus="anger", target=PAST)],
    ), window=b.old, accept=True)
    db.session.flush()
    return b


def officer_browser(app, borough) -> Browser:
    return Browser(app, borough.officer)


def download_csv(browser, table: str, **params) -> list[list[str]]:
    response = browser.get("/wellbeing", query_string={"download": "csv", "table": table, **params})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def download_xlsx(browser, table: str, **params) -> list[list]:
    response = browser.get("/wellbeing", query_string={"download": "xlsx", "table": table, **params})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_figures_of_the_latest_window(app, borough):
    from app.officer import wellbeing as wb

    found = wb.figures(wb.Filters(borough.window.id), TODAY)
    assert found.plans == 3
    assert found.principles["leadership"] == {"embedded": 1, "emerging": 1, "not_started": 1}
    assert found.principles["ethos"] == {"developing": 1, "emerging": 1, "not_started": 1}
    # a1's living status (at risk) supersedes its snapshot's; B's is the snapshot's.
    assert found.statuses == {"at_risk": 1, "complete": 1, "not_started": 1, "off_track": 1}
    assert found.thrive_needs == {"thriving": 1, "getting_help": 2, "getting_more_help": 1}
    assert found.focuses == {"anxiety": 2, "self_harm": 1, "resilience": 1}
    assert (found.yes("lead.trained"), found.answered("lead.trained"), found.share("lead.trained")) == (2, 3, 67)
    assert (found.yes("survey.took_part"), found.answered("survey.took_part")) == (2, 3)
    assert [(row.school_name, row.title, row.principle, row.status) for row in found.overdue] == [(HOSTILE, "Action a1", "leadership", "at_risk")]


def test_the_page_shows_the_figures_and_escapes_school_names(app, borough):
    page = text(officer_browser(app, borough).get("/wellbeing"))
    assert "3 schools have a plan" in page
    assert "&lt;b&gt;Oak&lt;/b&gt; &amp; Co Primary" in page and HOSTILE not in page
    assert f'href="/schools/{borough.a.id}"' in page
    assert "Action a1" in page and "Action b1" not in page and "Action d1" not in page


def test_filters_by_phase_and_trust(app, borough):
    from app.officer import wellbeing as wb

    primary = wb.figures(wb.Filters(borough.window.id, phase="Primary"), TODAY)
    assert primary.plans == 2 and primary.principles["leadership"] == {"embedded": 1, "emerging": 1}
    oak = wb.figures(wb.Filters(borough.window.id, trust="Oak Trust"), TODAY)
    assert oak.plans == 2 and oak.statuses == {"at_risk": 1, "complete": 1, "off_track": 1}
    secondary = wb.figures(wb.Filters(borough.window.id, phase="Secondary"), TODAY)
    assert secondary.plans == 1 and secondary.overdue == []
    browser = officer_browser(app, borough)
    assert "1 school has a plan" in text(browser.get("/wellbeing", query_string={"phase": "Secondary"}))
    assert "2 schools have a plan" in text(browser.get("/wellbeing", query_string={"trust": "Oak Trust"}))
    forged = browser.get("/wellbeing", query_string={"phase": "Nursery<script>", "trust": "No such trust"})
    assert forged.status_code == 200 and "Choose a phase from the list" in text(forged) and "3 schools have a plan" in text(forged)
    # Each message stands beside its field too, which the summary links to.
    assert 'id="phase-error"' in text(forged) and 'aria-describedby="phase-error"' in text(forged) and 'id="trust-error"' in text(forged)
    assert browser.get("/wellbeing", query_string={"window": "999999"}).status_code == 404
    assert browser.get("/wellbeing", query_string={"window": "x"}).status_code == 404


def test_another_window_is_chosen_with_a_get(app, borough):
    page = text(officer_browser(app, borough).get("/wellbeing", query_string={"window": borough.old.id}))
    assert "1 school has a plan" in page and "Action d1" in page


def test_both_downloads_hold_the_page_s_figures(app, borough):
    browser = officer_browser(app, borough)
    ratings = [words for _, words in CURRENT.ratings]
    principles_csv = download_csv(browser, "principles")
    assert principles_csv[0] == ["Principle", *ratings]
    assert principles_csv[1] == ["Leadership and management", "1", "1", "0", "1"]
    assert download_xlsx(browser, "principles")[1] == ["Leadership and management", 1, 1, 0, 1]
    statuses = dict(row for row in download_csv(browser, "statuses")[1:])
    assert statuses == {"Not started": "1", "On track": "0", "At risk": "1", "Off track": "1", "Complete": "1"}
    assert dict(download_xlsx(browser, "focuses")[1:])["Anxiety"] == 2
    assert dict((r[0], r[1]) for r in download_xlsx(browser, "thrive")[1:])["Getting help"] == 2
    lead = download_csv(browser, "lead")
    assert lead[1] == ["Trained senior mental health lead", "2", "3", "67"]
    assert download_xlsx(browser, "lead")[3] == ["Took part in the survey", 2, 3, 67]
    overdue = download_csv(browser, "overdue")
    assert overdue[1:] == [[HOSTILE, "Action a1", "Leadership and management", PAST, "At risk"]]
    assert download_xlsx(browser, "overdue")[1][0] == HOSTILE
    # The filters apply to the downloads as to the page.
    assert download_csv(browser, "lead", phase="Secondary")[1] == ["Trained senior mental health lead", "1", "1", "100"]
    assert browser.get("/wellbeing", query_string={"download": "pdf", "table": "lead"}).status_code == 404
    assert browser.get("/wellbeing", query_string={"download": "csv", "table": "pupils"}).status_code == 404


def test_schools_are_refused_and_only_council_staff_see_the_link(app, borough):
    school = Browser(app, borough.a_user)
    assert school.get("/wellbeing").status_code == 404
    assert 'href="/wellbeing"' not in text(school.get("/school"))
    assert 'href="/wellbeing"' in text(officer_browser(app, borough).get("/schools"))
    assert school.get("/wellbeing", query_string={"download": "csv", "table": "overdue"}).status_code == 404


def test_the_plans_whose_words_are_shown_are_read_audited_on_the_page_and_the_overdue_download(app, borough):
    """The overdue actions quote schools' plans, so the page and that download each leave one read
    per plan shown; the other tables are counts across schools and leave none."""
    from sqlalchemy import func

    from app.models import AuditEvent

    def reads() -> list[tuple]:
        db.session.expire_all()
        return [
            (event.user_id, event.detail["return_id"], event.detail["school_id"], event.route)
            for event in db.session.scalars(select(AuditEvent).where(AuditEvent.event == "return_read").order_by(AuditEvent.id))
        ]

    before = db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.event == "return_read"))
    browser = officer_browser(app, borough)
    browser.get("/wellbeing")
    shown = [(borough.officer.id, borough.a_ret.id, borough.a.id, "GET /wellbeing")]
    assert reads()[before:] == shown
    download_csv(browser, "principles")
    download_xlsx(browser, "lead")
    assert reads()[before:] == shown, "counts across schools show no plan's words"
    download_csv(browser, "overdue")
    download_xlsx(browser, "overdue")
    assert reads()[before:] == shown * 3
    # The admin's audit trail names the event.
    admin = Browser(app, borough.factory.user(Role.ADMIN, name="Ada Admin"))
    assert "Return opened" in text(admin.get("/admin/audit"))


def test_hostile_action_text_is_escaped_on_the_page_and_kept_as_text_in_both_downloads(app, borough):
    """An overdue action's words as the school typed them: escaped in HTML, and a spreadsheet shows
    them as text (a leading "=" never runs as a formula)."""
    hostile = "=HYPERLINK(\"http://evil.example\") <script>alert(1)</script>"
    row = db.session.scalar(select(LivingRow).where(LivingRow.return_id == borough.a_ret.id, LivingRow.title == "Action a1"))
    row.title = hostile
    db.session.flush()
    browser = officer_browser(app, borough)
    page = text(browser.get("/wellbeing"))
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert download_csv(browser, "overdue")[1][1] == "'" + hostile
    assert download_xlsx(browser, "overdue")[1][1] == "'" + hostile


def _seed(borough, n: int, start: int) -> None:
    for i in range(start, start + n):
        borough.send(f"School {i}", "Primary" if i % 2 else "Secondary", plan(
            ratings=all_of("developing"), trained="yes", took_part="yes",
            actions=[action(f"x{i}", status="on_track", thrive="thriving", focus="anxiety", target=PAST)],
        ), trust="Oak Trust" if i % 3 else None, accept=True)


def test_the_page_s_query_count_does_not_grow_with_the_borough(app, factory, count_queries):
    borough = Borough(app, factory)
    browser = officer_browser(app, borough)
    _seed(borough, 10, 0)
    with count_queries() as at_10:
        page = text(browser.get("/wellbeing", query_string={"phase": "Primary"}))
    assert "5 schools have a plan" in page
    with count_queries() as download_at_10:
        assert len(download_csv(browser, "overdue")) == 1 + 10
    _seed(borough, 990, 10)
    with count_queries() as at_1000:
        page = text(browser.get("/wellbeing", query_string={"phase": "Primary"}))
    assert "500 schools have a plan" in page
    assert at_10.count == at_1000.count, at_1000.statements
    with count_queries() as download_at_1000:
        assert len(download_csv(browser, "overdue")) == 1 + 1000
    assert download_at_10.count == download_at_1000.count, download_at_1000.statements
