"""`flask returns remind`: schools whose returns are due within 7 days or overdue, and not yet submitted."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest

from app.extensions import db
from app.mail import outbox
from app.models import CollectionWindow, Role, WindowException
from app.models.types import utcnow
from app.engine import lifecycle
from app.engine.lifecycle import ACCEPT, RETURN_FOR_CHANGES, SUBMIT

TODAY = date.today()


def make_window(period: str, *, opens: int = -20, due: int, phases=("Primary",), closed: bool = False, **fields) -> CollectionWindow:
    window = CollectionWindow(
        return_type="sef", academic_year="2026/27", period=period, title=f"Self-evaluation, {period} 2026",
        opens_on=TODAY + timedelta(days=opens), due_on=TODAY + timedelta(days=due), phases=list(phases),
        closed_at=utcnow() if closed else None, **fields,
    )
    db.session.add(window)
    db.session.flush()
    return window


class Borough:
    def __init__(self, factory):
        self.factory = factory
        self.officer = factory.user(Role.OFFICER)

    def school(self, name: str, *, people: int = 1, phase: str = "Primary", **fields):
        school = self.factory.school(name=name, phase=phase, **fields)
        head = self.factory.user(Role.SCHOOL, school=school, approver=True, email=f"head@{school.slug}.example.org")
        for n in range(1, people):
            self.factory.user(Role.SCHOOL, school=school, email=f"staff{n}@{school.slug}.example.org")
        self.factory.user(Role.SCHOOL, school=school, active=False, email=f"left@{school.slug}.example.org")
        return school, head

    def return_in(self, state: str, window, school, head):
        ret = lifecycle.start(head, window, school)
        if state == "draft":
            return ret
        lifecycle.perform(SUBMIT, ret, head)
        if state == "returned":
            lifecycle.perform(RETURN_FOR_CHANGES, ret, self.officer, reason="More evidence")
        if state == "accepted":
            lifecycle.perform(ACCEPT, ret, self.officer)
        return ret


def remind(app, *args):
    db.session.commit()  # what the test set up, as the command would find it
    outbox().clear()
    result = app.test_cli_runner().invoke(args=["returns", "remind", *args])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def borough(factory):
    return Borough(factory)


def test_due_within_seven_days_and_overdue_are_reminded_and_the_rest_are_not(app, borough):
    soon = make_window("autumn", due=5)
    late = make_window("spring", due=-3)
    make_window("summer", due=10)  # due later than a week away
    make_window("annual", due=3, closed=True)  # closed early
    not_started, head = borough.school("Not Started Primary", people=2)
    drafting, drafting_head = borough.school("Drafting Primary")
    borough.return_in("draft", soon, drafting, drafting_head)
    for state in ("submitted", "returned", "accepted"):
        school, school_head = borough.school(f"{state.title()} Primary")
        borough.return_in(state, soon, school, school_head)
        borough.return_in(state, late, school, school_head)
    borough.school("Far Away Secondary", phase="Secondary")  # not asked by these windows
    extended, _ = borough.school("Extended Primary")
    db.session.add(WindowException(window_id=soon.id, school_id=extended.id, due_on=TODAY + timedelta(days=20)))
    db.session.add(WindowException(window_id=late.id, school_id=extended.id, due_on=TODAY + timedelta(days=20)))
    closed_for_one, _ = borough.school("Closed For One Primary")
    db.session.add(WindowException(window_id=soon.id, school_id=closed_for_one.id, closed_at=utcnow()))
    db.session.add(WindowException(window_id=late.id, school_id=closed_for_one.id, closed_at=utcnow()))

    output = remind(app)

    sent = Counter((mail.to, mail.subject) for mail in outbox())
    # Each active person once per window: never twice for one window, never the inactive account.
    assert set(sent.values()) == {1}
    to = Counter(mail.to for mail in outbox())
    assert to == {
        f"head@{not_started.slug}.example.org": 2,  # due soon, and overdue in the other window
        f"staff1@{not_started.slug}.example.org": 2,
        f"head@{drafting.slug}.example.org": 2,  # a draft in one window, not started in the other
    }
    subjects = {mail.subject for mail in outbox() if mail.to == f"head@{not_started.slug}.example.org"}
    assert subjects == {"Your school self-evaluation is overdue", f"Your school self-evaluation is due on {(TODAY + timedelta(days=5)).day} {(TODAY + timedelta(days=5)):%B %Y}"}
    assert "Reminded 2 schools: 6 mails sent." in output
    for name in ("Submitted", "Returned", "Accepted", "Far Away", "Extended", "Closed For One"):
        assert name not in output
    assert "Not Started Primary: due" in output and "Not Started Primary: overdue" in output


def test_the_mail_links_to_the_return_or_the_home_page_and_holds_no_answers(app, borough):
    window = make_window("autumn", due=2)
    started, head = borough.school("Started Primary")
    ret = borough.return_in("draft", window, started, head)
    blank, _ = borough.school("Blank Primary")
    remind(app)
    by_to = {mail.to: mail for mail in outbox()}
    assert f"https://golden-thread.test/returns/{ret.id}\n" in by_to[f"head@{started.slug}.example.org"].body
    assert "started but not submitted" in by_to[f"head@{started.slug}.example.org"].body
    assert "https://golden-thread.test/school\n" in by_to[f"head@{blank.slug}.example.org"].body
    assert "not been started" in by_to[f"head@{blank.slug}.example.org"].body


def test_a_window_not_yet_open_reminds_nobody(app, borough):
    make_window("autumn", opens=1, due=5)
    borough.school("Waiting Primary")
    output = remind(app)
    assert outbox() == [] and "Reminded 0 schools: 0 mails sent." in output


def test_special_schools_follow_the_windows_scope(app, borough):
    make_window("autumn", due=5, include_special=False)
    borough.school("Special School", phase="Not applicable", establishment_type="Community special school")
    assert "Special School" not in remind(app) and outbox() == []
    make_window("spring", due=5, include_special=True)
    assert "Special School" in remind(app) and len(outbox()) == 1


def test_a_school_with_nobody_to_tell_is_listed_but_not_counted(app, borough, factory):
    make_window("autumn", due=5)
    factory.school(name="Nobody Here Primary")
    output = remind(app)
    assert "Nobody Here Primary" in output and "nobody with an account" in output
    assert "Reminded 0 schools: 0 mails sent." in output


def test_dry_run_lists_and_sends_nothing(app, borough):
    make_window("autumn", due=5)
    borough.school("Quiet Primary", people=3)
    output = remind(app, "--dry-run")
    assert outbox() == []
    assert "Quiet Primary" in output and "3 people" in output
    assert "1 schools would be reminded, 3 mails; nothing was sent" in output


def test_the_number_of_queries_does_not_grow_with_the_schools(app, borough, count_queries):
    from app.engine.notices import due_reminders

    window = make_window("autumn", due=5)
    make_window("spring", due=-2)

    def add(n):
        for i in range(n):
            school, head = borough.school(f"School {i}", people=2)
            if i % 3 == 0:
                borough.return_in("draft", window, school, head)

    add(2)
    db.session.flush()
    with count_queries() as few:
        assert len(due_reminders()) == 4
    add(20)
    db.session.flush()
    with count_queries() as many:
        assert len(due_reminders()) == 44
    assert few.count == many.count
