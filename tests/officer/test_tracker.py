"""The collection tracker (issue 16): states, counts, order and filters against a small borough
seeded through the real lifecycle, with the clock before, on and after the due date, one school
extended and one closed early; both downloads hold the page's figures; schools are refused; the
query count does not grow with the borough."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, time, timedelta, timezone

import openpyxl
import pytest

from app.engine import lifecycle
from app.extensions import db
from app.formatting import LONDON
from app.models import CollectionWindow, Role, WindowException
from app.models.types import utcnow
from app.officer import tracker as tr
from tests.returns.test_sef_sections import Browser

OPENS = date(2026, 9, 1)
DUE = date(2026, 10, 16)


def at(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=LONDON).astimezone(timezone.utc)


class Borough:
    """Seven schools asked by one self-evaluation window, each in a known state, and one not asked."""

    def __init__(self, factory):
        self.factory = factory
        self.window = CollectionWindow(return_type="sef", academic_year="2026/27", period="autumn", title="Self-evaluation, autumn 2026",
                                       opens_on=OPENS, due_on=DUE, phases=["Primary", "Secondary"])
        db.session.add(self.window)
        db.session.flush()
        self.officer = factory.user(Role.OFFICER, name="Sam Officer")
        self.other_officer = factory.user(Role.OFFICER, name="Olu Officer")
        self.schools, self.heads = {}, {}
        for name, phase, trust in (
            ("Ash Primary", "Primary", None), ("Beech Primary", "Primary", "Oak Trust"), ("Cedar Primary", "Primary", "Oak Trust"),
            ("Damson Primary", "Primary", None), ("Elm Secondary", "Secondary", None), ("Fir Primary", "Primary", None),
            ("Gorse Primary", "Primary", None), ("Holly Nursery", "Nursery", None),
        ):
            low, high = {"Primary": (4, 11), "Secondary": (11, 16), "Nursery": (2, 4)}[phase]
            school = factory.school(name=name, phase=phase, trust_name=trust, statutory_low_age=low, statutory_high_age=high)
            self.schools[name] = school
            self.heads[name] = factory.user(Role.SCHOOL, school=school, approver=True, name=f"Head of {name}")
        s, h = self.schools, self.heads
        # Beech: started, not submitted. Fir: started, with its own later due date.
        self.beech = lifecycle.start(h["Beech Primary"], self.window, s["Beech Primary"])
        self.fir = lifecycle.start(h["Fir Primary"], self.window, s["Fir Primary"])
        db.session.add(WindowException(window_id=self.window.id, school_id=s["Fir Primary"].id, due_on=DUE + timedelta(days=14), reason="Head on leave"))
        # Gorse: closed early for this school alone, never started.
        db.session.add(WindowException(window_id=self.window.id, school_id=s["Gorse Primary"].id, closed_at=at(DUE - timedelta(days=3)), reason="Amalgamating"))
        db.session.flush()
        # Cedar: submitted on time, taken by Sam.
        self.cedar = self._submit("Cedar Primary", DUE - timedelta(days=5))
        lifecycle.perform(lifecycle.TAKE, self.cedar, self.officer, now=at(DUE - timedelta(days=4)))
        # Damson: submitted two days late, taken and accepted by Sam.
        self.damson = self._submit("Damson Primary", DUE + timedelta(days=2))
        lifecycle.perform(lifecycle.TAKE, self.damson, self.officer, now=at(DUE + timedelta(days=3)))
        lifecycle.perform(lifecycle.ACCEPT, self.damson, self.officer, now=at(DUE + timedelta(days=3), 15))
        # Elm: submitted on time, returned for changes by Olu.
        self.elm = self._submit("Elm Secondary", DUE - timedelta(days=1))
        lifecycle.perform(lifecycle.RETURN_FOR_CHANGES, self.elm, self.other_officer, reason="Please add the priorities", now=at(DUE))
        db.session.flush()

    def _submit(self, name: str, day: date):
        ret = lifecycle.start(self.heads[name], self.window, self.schools[name])
        lifecycle.perform(lifecycle.SUBMIT, ret, self.heads[name], now=at(day))
        return ret


@pytest.fixture
def borough(factory):
    return Borough(factory)


def names(found) -> list[str]:
    return [row.school_name for row in found.rows]


def by_name(found) -> dict[str, tr.TrackerRow]:
    return {row.school_name: row for row in found.rows}


def test_states_and_order_after_the_due_date(borough):
    found = tr.tracker(borough.window, tr.Filters(), at(DUE + timedelta(days=1)))
    # Overdue first (earliest due first, then by name), then late, then the rest by name; the
    # nursery is not asked.
    assert names(found) == ["Ash Primary", "Beech Primary", "Damson Primary", "Cedar Primary", "Elm Secondary", "Fir Primary", "Gorse Primary"]
    rows = by_name(found)
    assert [(n, rows[n].status, rows[n].overdue, rows[n].late) for n in names(found)] == [
        ("Ash Primary", "not_started", True, False),
        ("Beech Primary", "in_progress", True, False),
        ("Damson Primary", "accepted", False, True),
        ("Cedar Primary", "submitted", False, False),
        ("Elm Secondary", "returned", False, False),
        ("Fir Primary", "in_progress", False, False),  # extended: not due yet
        ("Gorse Primary", "not_started", False, False),  # closed for this school: nothing to chase
    ]
    assert rows["Fir Primary"].due_on == DUE + timedelta(days=14) and rows["Fir Primary"].extended
    assert rows["Ash Primary"].due_on == DUE and not rows["Ash Primary"].extended
    assert rows["Gorse Primary"].closed and not rows["Gorse Primary"].can_be_reminded
    assert found.counts == {"not_started": 2, "in_progress": 2, "submitted": 1, "returned": 1, "accepted": 1, "overdue": 2, "late": 1}
    assert found.total == 7
    # The officer who has it, and the last change with who made it.
    assert rows["Cedar Primary"].officer_name == "Sam Officer"
    assert (rows["Cedar Primary"].change, rows["Cedar Primary"].changed_by) == ("Taken for review", "Sam Officer")
    assert (rows["Elm Secondary"].change, rows["Elm Secondary"].changed_by) == ("Returned for changes", "Olu Officer")
    assert rows["Elm Secondary"].officer_id is None  # back with the school: nobody's
    assert (rows["Beech Primary"].change, rows["Beech Primary"].changed_by) == ("Started", "Head of Beech Primary")
    assert rows["Ash Primary"].changed_at is None


@pytest.mark.parametrize(
    ("moment", "overdue"),
    [
        (at(DUE - timedelta(days=1)), []),
        (at(DUE, 23), []),  # due at 11:59pm on the day: not overdue yet
        (at(DUE + timedelta(days=1), 0), ["Ash Primary", "Beech Primary"]),  # a minute past midnight
        (at(DUE + timedelta(days=15)), ["Ash Primary", "Beech Primary", "Fir Primary"]),  # past the extension too
    ],
    ids=["before", "on", "after", "after-the-extension"],
)
def test_overdue_before_on_and_after_the_due_date(borough, moment, overdue):
    found = tr.tracker(borough.window, tr.Filters(), moment)
    assert [row.school_name for row in found.rows if row.overdue] == overdue
    assert found.counts["overdue"] == len(overdue)
    assert names(found)[: len(overdue)] == overdue


def test_a_window_closed_early_chases_nobody(borough):
    borough.window.closed_at = at(DUE - timedelta(days=2))
    db.session.flush()
    found = tr.tracker(borough.window, tr.Filters(), at(DUE + timedelta(days=5)))
    assert found.counts["overdue"] == 0
    assert all(row.closed and not row.can_be_reminded for row in found.rows)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (tr.Filters(phase="Secondary"), ["Elm Secondary"]),
        (tr.Filters(trust="Oak Trust"), ["Beech Primary", "Cedar Primary"]),
        (tr.Filters(state="overdue"), ["Ash Primary", "Beech Primary"]),
        (tr.Filters(state="late"), ["Damson Primary"]),
        (tr.Filters(state="in_progress"), ["Beech Primary", "Fir Primary"]),
        (tr.Filters(state="not_started"), ["Ash Primary", "Gorse Primary"]),
        (tr.Filters(state="accepted"), ["Damson Primary"]),
        (tr.Filters(state="overdue", trust="Oak Trust"), ["Beech Primary"]),
    ],
    ids=["phase", "trust", "overdue", "late", "in-progress", "not-started", "accepted", "overdue-in-trust"],
)
def test_filters(borough, filters, expected):
    assert names(tr.tracker(borough.window, filters, at(DUE + timedelta(days=1)))) == expected


def test_officer_filter_and_counts_ignore_only_the_state(borough):
    sams = tr.Filters(officer=str(borough.officer.id))
    found = tr.tracker(borough.window, sams, at(DUE + timedelta(days=1)))
    assert names(found) == ["Damson Primary", "Cedar Primary"]
    assert names(tr.tracker(borough.window, tr.Filters(officer=tr.NOBODY), at(DUE + timedelta(days=1)))) == [
        "Ash Primary", "Beech Primary", "Elm Secondary", "Fir Primary", "Gorse Primary",
    ]
    # Counts follow the other filters but not the state, so each links to its own list.
    in_trust = tr.tracker(borough.window, tr.Filters(trust="Oak Trust", state="submitted"), at(DUE + timedelta(days=1)))
    assert names(in_trust) == ["Cedar Primary"]
    assert in_trust.total == 2 and in_trust.counts["in_progress"] == 1 and in_trust.counts["overdue"] == 1


def test_every_registered_type_has_a_tracker(borough, factory):
    """Nothing per type: a wellbeing window's tracker uses its own scope and states."""
    from app.engine import registry

    for kind in registry.all_types():
        window = CollectionWindow(return_type=kind.key, academic_year="2030/31", period="annual", title=f"{kind.title} 2030",
                                  opens_on=OPENS, due_on=DUE, phases=["Primary", "Secondary"])
        db.session.add(window)
        db.session.flush()
        found = tr.tracker(window, tr.Filters(), at(DUE + timedelta(days=1)))
        expected = sum(1 for school in borough.schools.values() if kind.scope.applies(window, school))
        assert found.total == expected
        assert found.counts["not_started"] == expected == found.counts["overdue"]


# Through HTTP


def page_rows(html: str) -> list[str]:
    return re.findall(r'<tr class="govuk-table__row" id="school-\d+">.*?<a class="govuk-link" href="/schools/\d+">([^<]+)</a>', html, re.S)


def test_the_page_shows_counts_linking_to_their_filters(app, borough, monkeypatch):
    monkeypatch.setattr(tr, "now", lambda: at(DUE + timedelta(days=1)))
    officer = Browser(app, borough.officer)
    html = officer.get(f"/tracker/{borough.window.id}").get_data(as_text=True)
    assert page_rows(html) == ["Ash Primary", "Beech Primary", "Damson Primary", "Cedar Primary", "Elm Secondary", "Fir Primary", "Gorse Primary"]
    assert f'href="/tracker/{borough.window.id}?state=overdue" data-count="overdue">Overdue: <strong>2</strong>' in html
    assert f'href="/tracker/{borough.window.id}?state=late" data-count="late">Late: <strong>1</strong>' in html
    assert "Extended for this school" in html
    overdue = officer.get(f"/tracker/{borough.window.id}?state=overdue").get_data(as_text=True)
    assert page_rows(overdue) == ["Ash Primary", "Beech Primary"]
    # A filter nobody could choose: the error, beside the field, and nothing filtered out.
    for bad in ("state=<script>", "phase=Kindergarten", "trust=' OR 1=1 --", "officer=abc", "officer=999999"):
        response = officer.get(f"/tracker/{borough.window.id}?{bad}")
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        assert "There is a problem" in body and len(page_rows(body)) == 7
        assert "<script>" not in body.split('<main')[1]


def test_downloads_hold_the_page_figures(app, borough, monkeypatch):
    monkeypatch.setattr(tr, "now", lambda: at(DUE + timedelta(days=1)))
    officer = Browser(app, borough.officer)
    page = officer.get(f"/tracker/{borough.window.id}?trust=Oak+Trust").get_data(as_text=True)
    response = officer.get(f"/tracker/{borough.window.id}?trust=Oak+Trust&download=csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    header = rows.index(tr.HEADINGS)
    data = rows[header + 1:]
    assert [row[0] for row in data] == page_rows(page) == ["Beech Primary", "Cedar Primary"]
    assert [(row[4], row[5], row[12]) for row in data] == [("In progress", "Yes", ""), ("Submitted", "No", "Sam Officer")]
    workbook = openpyxl.load_workbook(io.BytesIO(officer.get(f"/tracker/{borough.window.id}?trust=Oak+Trust&download=xlsx").data))
    sheet = workbook.active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    start = next(i for i, row in enumerate(values) if row[: len(tr.HEADINGS)] == tr.HEADINGS)
    assert [row[0] for row in values[start + 1:] if row[0]] == ["Beech Primary", "Cedar Primary"]
    assert officer.get(f"/tracker/{borough.window.id}?download=pdf").status_code == 404


def test_schools_are_refused_and_a_missing_window_is_not_found(app, borough):
    school = Browser(app, borough.heads["Ash Primary"])
    for path in ("/tracker", f"/tracker/{borough.window.id}", f"/tracker/{borough.window.id}?download=csv", f"/tracker/{borough.window.id}/remind?which=all"):
        assert school.get(path).status_code == 404
    assert school.post(f"/tracker/{borough.window.id}/remind", {"school": str(borough.schools["Ash Primary"].id)}).status_code == 404
    officer = Browser(app, borough.officer)
    assert officer.get("/tracker/999999").status_code == 404
    assert officer.get("/tracker").status_code == 200


# Query counts: the same at 10 and at 2,000 schools, each with three years of returns.


def seed_borough(size: int, officer_id: int, head_id: int, period: str = "summer") -> CollectionWindow:
    """Schools and three years of self-evaluation windows with a return for most schools in each
    (bulk inserts: the lifecycle is too slow for 2,000 schools), moves and section saves too."""
    from sqlalchemy import insert, select

    from app.models import Return, ReturnSection, ReturnTransition, School

    base = select(db.func.coalesce(db.func.max(School.id), 0)).scalar_subquery()
    start = db.session.scalar(select(base)) + 1
    db.session.execute(insert(School.__table__), [
        {"id": start + i, "urn": f"{900000 + start + i}", "name": f"Bulk School {i}", "search_name": f"bulk school {i}", "slug": f"bulk-{start + i}",
         "la_code": "883", "phase": "Primary" if i % 3 else "Secondary", "establishment_type": "Community school",
         "trust_name": "Bulk Trust" if i % 4 == 0 else None, "statutory_low_age": 4, "statutory_high_age": 11, "status": "Open",
         "created_at": utcnow(), "updated_at": utcnow()}
        for i in range(size)
    ])
    window = None
    for year in range(3):
        window = CollectionWindow(return_type="sef", academic_year=f"{2024 + year}/{25 + year}", period=period, title=f"Bulk {period} {year}",
                                  opens_on=date(2025 + year, 4, 1), due_on=date(2025 + year, 6, 1), phases=["Primary", "Secondary"])
        db.session.add(window)
        db.session.flush()
        first = (db.session.scalar(select(db.func.coalesce(db.func.max(Return.id), 0))) or 0) + 1
        returns = []
        for i in range(size):
            if i % 5 == 0:
                continue  # not started
            state = ("draft", "submitted", "returned", "accepted")[i % 4]
            returns.append({"id": first + len(returns), "window_id": window.id, "school_id": start + i, "return_type": "sef", "form_version": "ofsted-2025",
                            "state": state, "late": i % 7 == 0, "first_submitted_at": None if state == "draft" else utcnow(),
                            "assigned_to_id": officer_id if state == "submitted" and i % 2 else None, "created_at": utcnow(), "updated_at": utcnow()})
        db.session.execute(insert(Return.__table__), returns)
        db.session.execute(insert(ReturnTransition.__table__), [
            {"return_id": r["id"], "action": "start", "from_state": None, "to_state": "draft", "by_id": head_id, "at": utcnow(), "reason": ""} for r in returns
        ])
        db.session.execute(insert(ReturnSection.__table__), [
            {"return_id": r["id"], "key": "context", "answers": {}, "invalid": {}, "version": 1, "status": "in_progress", "updated_by_id": head_id, "updated_at": utcnow()}
            for r in returns
        ])
    return window


def test_query_count_does_not_grow_with_the_borough(app, factory, count_queries, monkeypatch):
    monkeypatch.setattr(tr, "now", lambda: at(date(2027, 6, 5)))
    officer = factory.user(Role.OFFICER)
    head = factory.user(Role.SCHOOL)
    browser = Browser(app, officer)
    counts = []
    for size, period in ((10, "spring"), (2000, "summer")):
        window = seed_borough(size, officer.id, head.id, period)
        browser.get(f"/tracker/{window.id}")  # warm: the first request loads what every request caches
        with count_queries() as counter:
            response = browser.get(f"/tracker/{window.id}")
        assert response.status_code == 200
        counts.append(counter.count)
        assert f"Bulk School {size - 1}" in response.get_data(as_text=True)
    assert counts[0] == counts[1], counts


# The window page and the schools list show each school's state and link to the tracker.


def test_window_page_shows_states_and_links_to_the_tracker(app, borough, factory):
    admin = Browser(app, factory.user(Role.ADMIN))
    html = admin.get(f"/admin/windows/{borough.window.id}").get_data(as_text=True)
    assert f'href="/tracker/{borough.window.id}" id="open-tracker"' in html
    for name, label in (("Ash Primary", "Not started"), ("Cedar Primary", "Submitted"), ("Damson Primary", "Accepted"), ("Elm Secondary", "Returned for changes")):
        table = html.split("Schools asked (", 1)[1]
        row = table.split(f">{name}<", 1)[1].split("</tr>", 1)[0]
        assert f">{label}</strong>" in row, name


def test_schools_list_shows_each_schools_state_in_open_windows(app, borough, monkeypatch):
    monkeypatch.setattr(tr, "now", lambda: at(DUE + timedelta(days=1)))
    officer = Browser(app, borough.officer)
    html = officer.get("/schools?status=open").get_data(as_text=True)

    def cell(name):
        return html.split(f">{name}</a>", 1)[1].split("</tr>", 1)[0]

    assert f'href="/tracker/{borough.window.id}#school-{borough.schools["Ash Primary"].id}"' in cell("Ash Primary")
    assert ">Not started</strong>" in cell("Ash Primary") and ">Overdue</strong>" in cell("Ash Primary")
    assert ">Submitted</strong>" in cell("Cedar Primary") and "Overdue" not in cell("Cedar Primary")
    assert ">In progress</strong>" in cell("Fir Primary") and "Overdue" not in cell("Fir Primary")  # extended
    assert "Self-evaluation" not in cell("Gorse Primary")  # closed for it
    assert "Self-evaluation" not in cell("Holly Nursery")  # not asked


def test_school_names_are_escaped_on_the_page_and_neutralised_in_the_download(app, borough, factory, monkeypatch):
    monkeypatch.setattr(tr, "now", lambda: at(DUE + timedelta(days=1)))
    factory.school(name="<script>alert(1)</script> & Co", phase="Primary", trust_name="=HYPERLINK(\"http://evil.example\")")
    officer = Browser(app, borough.officer)
    html = officer.get(f"/tracker/{borough.window.id}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in html and "<script>alert(1)</script>" not in html
    text = officer.get(f"/tracker/{borough.window.id}?download=csv").get_data(as_text=True)
    assert "'=HYPERLINK" in text


def test_schools_list_states_cost_the_same_at_any_size(app, factory, count_queries, monkeypatch):
    """The schools list reads its page of schools' states in a fixed number of queries."""
    monkeypatch.setattr(tr, "now", lambda: at(date(2027, 5, 5)))
    officer = factory.user(Role.OFFICER)
    head = factory.user(Role.SCHOOL)
    browser = Browser(app, officer)
    counts = []
    for size, period in ((10, "spring"), (300, "summer")):
        seed_borough(size, officer.id, head.id, period)
        browser.get("/schools")
        with count_queries() as counter:
            response = browser.get("/schools")
        assert response.status_code == 200 and f"Bulk {period} 2" in response.get_data(as_text=True)
        counts.append(counter.count)
    assert counts[0] == counts[1], counts
