"""A school's returns: on its own home page (one row per window, with the next step) and on the
council's page about the school (every return, with its history)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from itertools import count

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.formatting import govuk_date
from app.models import CollectionWindow, Role, School, WindowException
from app.models.types import utcnow
from app.engine import lifecycle
from app.services import windows as window_service
from app.engine.lifecycle import ACCEPT, RETURN_FOR_CHANGES, SUBMIT, TAKE
from tests.conftest import sign_in

TODAY = date.today()
_years = count(2030)


def make_window(*, opens: int = -20, due: int = 10, phases=("Primary",), closed: bool = False, title: str | None = None, **fields) -> CollectionWindow:
    year = next(_years)
    window = CollectionWindow(
        return_type="sef", academic_year=f"{year}/{str(year + 1)[-2:]}", period="autumn",
        title=title or f"Self-evaluation, autumn {year}", opens_on=TODAY + timedelta(days=opens),
        due_on=TODAY + timedelta(days=due), phases=list(phases), closed_at=utcnow() if closed else None, **fields,
    )
    db.session.add(window)
    db.session.flush()
    return window


def row_of(page: str, window: CollectionWindow) -> str:
    """The card for one window on the school's home page."""
    match = re.search(r'data-window="%d">(.*?)(?=data-window=|<h2)' % window.id, page, re.S)
    assert match, f"no card for window {window.title}"
    return re.sub(r"\s+", " ", match.group(1))


def tags(row: str) -> list[str]:
    return [tag.strip() for tag in re.findall(r'<strong class="govuk-tag[^"]*">([^<]*)</strong>', row)]


def link(row: str) -> str | None:
    match = re.search(r'<a class="govuk-link" href="([^"]+)">(\w+)', row)
    return f"{match.group(2)} {match.group(1)}" if match else None


class Setting:
    def __init__(self, app, factory):
        self.app = app
        self.school = factory.school(name="Alderbrook Primary School")
        self.other = factory.school(name="Some Other School")
        self.head = factory.user(Role.SCHOOL, school=self.school, approver=True, name="Tom Ashworth")
        self.other_head = factory.user(Role.SCHOOL, school=self.other, approver=True)
        self.officer = factory.user(Role.OFFICER, name="Dana Okafor")

    def client(self, user):
        client = self.app.test_client()
        sign_in(client, user)
        return client

    def return_in(self, state: str, window, school=None, head=None, *, late: bool = False):
        school, head = school or self.school, head or self.head
        ret = lifecycle.start(head, window, school)
        if state == "draft":
            return ret
        due = window_service.due_at(window.due_on)
        when = due + timedelta(hours=1) if late else min(utcnow(), due - timedelta(days=1))
        lifecycle.perform(SUBMIT, ret, head, now=when)
        if state == "returned":
            lifecycle.perform(RETURN_FOR_CHANGES, ret, self.officer, reason="Say how you know <b>attendance</b> improved")
        elif state == "accepted":
            lifecycle.perform(ACCEPT, ret, self.officer)
        return ret


@pytest.fixture
def setting(app, factory):
    return Setting(app, factory)


class TestSchoolHome:
    def test_without_windows_it_says_none_is_open(self, setting):
        page = setting.client(setting.head).get("/school").text
        assert "has not opened a collection window for your school yet" in page

    def test_each_window_shows_its_state_due_date_and_next_step(self, setting):
        not_started = make_window(due=16, title="Not started window")
        drafting = make_window(title="Drafting window")
        submitted = make_window(title="Submitted window")
        returned = make_window(title="Returned window")
        accepted_last_year = make_window(opens=-400, due=-380, title="Last year's window")
        not_open = make_window(opens=30, due=60, title="Future window")
        missed = make_window(opens=-60, due=-30, closed=True, title="Missed window")
        drafted = setting.return_in("draft", drafting)
        sent = setting.return_in("submitted", submitted)
        back = setting.return_in("returned", returned)
        done = setting.return_in("accepted", accepted_last_year)
        accepted_last_year.closed_at = utcnow()  # closed once its returns were in
        db.session.flush()
        page = setting.client(setting.head).get("/school").text
        assert "has not opened a collection window" not in page

        row = row_of(page, not_started)
        assert "School self-evaluation" in row and f"Due {govuk_date(not_started.due_on)}" in row
        assert tags(row) == ["Not started"] and link(row) == f"Start /windows/{not_started.id}/start"
        row = row_of(page, drafting)
        assert tags(row) == ["In progress"] and link(row) == f"Continue /returns/{drafted.id}"
        row = row_of(page, submitted)
        assert tags(row) == ["Submitted"] and link(row) == f"View /returns/{sent.id}"
        row = row_of(page, returned)
        assert tags(row) == ["Returned for changes"] and link(row) == f"Continue /returns/{back.id}"
        row = row_of(page, accepted_last_year)
        assert tags(row) == ["Accepted", "Closed"] and link(row) == f"View /returns/{done.id}"
        row = row_of(page, not_open)
        assert f"Opens {govuk_date(not_open.opens_on)}" in row and link(row) is None
        row = row_of(page, missed)
        assert "Closed" in tags(row) and link(row) is None and "/start" not in row

    def test_late_and_overdue_are_tagged(self, setting):
        overdue = make_window(opens=-30, due=-2, title="Overdue window")
        late = make_window(opens=-30, due=-5, title="Late window")
        sent_late = setting.return_in("submitted", late, late=True)
        page = setting.client(setting.head).get("/school").text
        assert tags(row_of(page, overdue)) == ["Not started", "Overdue"]
        assert link(row_of(page, overdue)) == f"Start /windows/{overdue.id}/start"
        assert tags(row_of(page, late)) == ["Submitted", "Late"] and sent_late.late

    def test_the_schools_own_later_due_date_is_shown(self, setting):
        window = make_window(due=5)
        db.session.add(WindowException(window_id=window.id, school_id=setting.school.id, due_on=window.due_on + timedelta(days=14)))
        db.session.flush()
        row = row_of(setting.client(setting.head).get("/school").text, window)
        assert f"Due {govuk_date(window.due_on + timedelta(days=14))}" in row and "Extended for your school" in row

    def test_a_window_closed_for_this_school_alone_offers_no_start(self, setting):
        window = make_window()
        db.session.add(WindowException(window_id=window.id, school_id=setting.school.id, closed_at=utcnow()))
        db.session.flush()
        row = row_of(setting.client(setting.head).get("/school").text, window)
        assert "Closed" in tags(row) and link(row) is None

    def test_never_another_schools_return_nor_a_window_that_does_not_ask_it(self, setting):
        shared = make_window(title="Shared window")
        secondary_only = make_window(phases=("Secondary",), title="Secondary window")
        theirs = setting.return_in("accepted", shared, setting.other, setting.other_head)
        page = setting.client(setting.head).get("/school").text
        row = row_of(page, shared)
        assert tags(row) == ["Not started"] and link(row) == f"Start /windows/{shared.id}/start"
        assert f"/returns/{theirs.id}" not in page
        assert f'data-window="{secondary_only.id}"' not in page and "Secondary window" not in page

    def test_the_number_of_queries_does_not_grow_with_windows_and_returns(self, setting, count_queries):
        client = setting.client(setting.head)
        setting.return_in("submitted", make_window())
        client.get("/school")
        with count_queries() as few:
            assert client.get("/school").status_code == 200
        for state in ("draft", "submitted", "returned", "accepted", None, "draft", "accepted"):
            window = make_window()
            if state:
                setting.return_in(state, window)
        make_window(opens=10)
        make_window(closed=True)
        with count_queries() as many:
            page = client.get("/school").text
        assert page.count("data-window=") == 10
        assert many.count == few.count, many.statements


class TestWhichWindowsAskASchool:
    def test_the_python_rule_agrees_with_the_sql_one(self, factory):
        schools = [
            factory.school(phase="Primary"),
            factory.school(phase="Secondary"),
            factory.school(phase="Not applicable", establishment_type="Community special school"),
            factory.school(phase="Not applicable", establishment_type="Academy alternative provision converter"),
            factory.school(phase="Not applicable", establishment_type="Pupil referral unit"),
            factory.school(phase="Secondary", establishment_type="Academy special converter"),
            factory.school(phase="Primary", status="Closed"),
            factory.school(phase="Primary", status="Open, but proposed to close"),
        ]
        windows = [
            make_window(phases=phases, include_special=special, include_alternative_provision=alternative)
            for phases in (("Primary",), ("Secondary", "Primary"), ("Nursery",))
            for special in (True, False)
            for alternative in (True, False)
        ]
        for school in schools:
            expected = {
                window.id
                for window in windows
                if db.session.scalar(select(func.count(School.id)).where(School.id == school.id, window_service._in_scope(window)))
            }
            found = {window.id for window, _ in window_service.windows_for_school(school)}
            assert found == expected, school


class TestSchoolPage:
    def test_officers_see_every_return_newest_first_with_its_history(self, setting):
        older = make_window(opens=-400, due=-380, title="Self-evaluation, autumn 2025")
        newer = make_window(title="Self-evaluation, autumn 2026")
        untouched = make_window(title="Nobody started this")
        first = setting.return_in("accepted", older, late=False)
        second = setting.return_in("returned", newer)
        lifecycle.perform(SUBMIT, second, setting.head)
        lifecycle.perform(TAKE, second, setting.officer)
        setting.return_in("submitted", newer, setting.other, setting.other_head)  # another school's
        page = setting.client(setting.officer).get(f"/schools/{setting.school.id}").text
        section = page[page.index('id="returns"'):page.index("Details from GIAS")]
        assert section.index("Self-evaluation, autumn 2026") < section.index("Self-evaluation, autumn 2025")
        assert "Nobody started this" not in section
        assert section.count("data-return=") == 2
        assert f'href="/returns/{second.id}/review"' in section and f'href="/returns/{first.id}/review"' in section
        card = re.sub(r"\s+", " ", section[section.index(f'data-return="{second.id}"'):section.index(f'data-return="{first.id}"')])
        assert "Submitted" in card and re.search(r"Submissions </dt> <dd[^>]*> 2 </dd>", card)
        assert "History of Self-evaluation, autumn 2026" in card
        # Who, from, to and why, with the reason escaped.
        moves = [" ".join(re.sub(r"<[^>]+>", " ", item).split()).replace(" :", ":").replace(" ,", ",") for item in re.findall(r"<li[^>]*>(.*?)</li>", card)]
        moves = [re.sub(r"^\S.*? at \S+: ", "", move) for move in moves]  # the time, tested below
        assert moves == [
            "Tom Ashworth, Not started to In progress",
            "Tom Ashworth, In progress to Submitted",
            "Dana Okafor, Submitted to Returned for changes Say how you know &lt;b&gt;attendance&lt;/b&gt; improved",
            "Tom Ashworth, Returned for changes to Submitted",
            "Dana Okafor, Submitted to Submitted Taken for review",
        ]
        assert "<b>attendance</b>" not in page
        assert re.search(r'gt-history__when">\d{1,2} \w+ \d{4} at \d', card)

    def test_late_is_tagged(self, setting):
        window = make_window(opens=-30, due=-5)
        setting.return_in("submitted", window, late=True)
        page = setting.client(setting.officer).get(f"/schools/{setting.school.id}").text
        assert '<strong class="govuk-tag govuk-tag--red">Late</strong>' in page

    def test_a_school_user_sees_their_own_returns_without_the_review_links(self, setting):
        ret = setting.return_in("returned", make_window())
        theirs = setting.return_in("submitted", make_window(), setting.other, setting.other_head)
        page = setting.client(setting.head).get(f"/schools/{setting.school.id}").text
        assert f'href="/returns/{ret.id}"' in page and "/review" not in page
        assert f"/returns/{theirs.id}" not in page
        assert setting.client(setting.head).get(f"/schools/{setting.other.id}").status_code == 404

    def test_a_school_without_returns_says_so(self, setting):
        page = setting.client(setting.officer).get(f"/schools/{setting.school.id}").text
        assert "This school has not started a return yet." in page

    def test_the_number_of_queries_does_not_grow_with_returns(self, setting, count_queries):
        client = setting.client(setting.officer)
        url = f"/schools/{setting.school.id}"
        setting.return_in("submitted", make_window())
        client.get(url)
        with count_queries() as few:
            assert client.get(url).status_code == 200
        for state in ("draft", "submitted", "returned", "accepted", "returned", "accepted"):
            setting.return_in(state, make_window())
        with count_queries() as many:
            page = client.get(url).text
        assert page.count("data-return=") == 7
        assert many.count == few.count, many.statements
