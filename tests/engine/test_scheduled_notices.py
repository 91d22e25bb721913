"""`flask notices send`: every notice that falls due on a date (a window opening, a return due
within a week, a return overdue, a return type's own) goes once to each person, however often the
command runs, and is recorded in sent_notices."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.formatting import LONDON, govuk_date
from app.mail import outbox
from app.models import CollectionWindow, Role, User, WindowException
from app.models.returns import SentNotice
from app.models.types import utcnow
from app.engine import lifecycle, registry
from app.engine import notices as notices_module
from app.engine.lifecycle import ACCEPT, RETURN_FOR_CHANGES, SUBMIT
from app.engine.notices import ScheduledNotice, due_notices
from app.engine.registry import ReturnType

TODAY = date.today()


def day(offset: int) -> date:
    return TODAY + timedelta(days=offset)


def moment(offset: int, hour: int = 9) -> str:
    """A London time `offset` days from today, as the command takes it."""
    return datetime.combine(day(offset), time(hour), tzinfo=LONDON).isoformat()


def make_window(period: str, *, opens: int = -20, due: int, phases=("Primary",), closed: bool = False, **fields) -> CollectionWindow:
    window = CollectionWindow(
        return_type="sef", academic_year="2026/27", period=period, title=f"Self-evaluation, {period} 2026",
        opens_on=day(opens), due_on=day(due), phases=list(phases), closed_at=utcnow() if closed else None, **fields,
    )
    db.session.add(window)
    db.session.flush()
    return window


class Borough:
    def __init__(self, factory):
        self.factory = factory
        self.officer = factory.user(Role.OFFICER)

    def school(self, name: str, *, people: int = 1, phase: str = "Primary", **fields):
        """A school with an approver, `people - 1` more staff and one account that has left."""
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


@pytest.fixture
def borough(factory):
    return Borough(factory)


def send(app, at: int | None = None, *args: str, hour: int = 9) -> str:
    """Run the command as cron would, `at` days from today; the outbox then holds what it sent."""
    db.session.commit()  # what the test set up, as the command would find it
    outbox().clear()
    clock = ["--now", moment(at, hour)] if at is not None else []
    result = app.test_cli_runner().invoke(args=["notices", "send", *clock, *args])
    assert result.exit_code == 0, result.output
    return result.output


def sent() -> Counter:
    """(to, subject) of each mail the last run sent."""
    return Counter((mail.to, mail.subject) for mail in outbox())


def recorded() -> list[tuple[str, int, str, date]]:
    return list(db.session.execute(select(SentNotice.notice, SentNotice.user_id, SentNotice.subject, SentNotice.due_on).order_by(SentNotice.id)))


def head_of(school) -> str:
    return f"head@{school.slug}.example.org"


def test_run_twice_at_the_same_moment_each_notice_goes_once(app, borough):
    window = make_window("autumn", due=5)
    blank, _ = borough.school("Blank Primary", people=2)
    drafting, drafting_head = borough.school("Drafting Primary")
    borough.return_in("draft", window, drafting, drafting_head)

    output = send(app, 0)
    assert sent() == {
        (head_of(blank), "Blank Primary can now send its self-evaluation (autumn 2026)"): 1,
        (f"staff1@{blank.slug}.example.org", "Blank Primary can now send its self-evaluation (autumn 2026)"): 1,
        (head_of(blank), f"Blank Primary's self-evaluation (autumn 2026) is due on {govuk_date(day(5))}"): 1,
        (f"staff1@{blank.slug}.example.org", f"Blank Primary's self-evaluation (autumn 2026) is due on {govuk_date(day(5))}"): 1,
        # A school that has started knows the window is open: only the reminder.
        (head_of(drafting), f"Drafting Primary's self-evaluation (autumn 2026) is due on {govuk_date(day(5))}"): 1,
    }
    assert "Sent 5 notices." in output and f"due soon to {head_of(drafting)}" in output
    rows = recorded()
    assert len(rows) == 5
    assert (
        "due_soon", db.session.scalar(select(User.id).where(User.email == head_of(drafting))),
        f"window:{window.id}:school:{drafting.id}", day(5),
    ) in rows

    assert "Sent 0 notices." in send(app, 0)
    assert outbox() == [] and len(recorded()) == 5
    assert "Sent 0 notices." in send(app, 0, hour=10), "an hour later: still nothing new"
    assert outbox() == []


def test_across_a_due_date_the_reminder_goes_and_then_the_overdue_notice(app, borough):
    make_window("autumn", opens=-20, due=10)
    school, _ = borough.school("Slow Primary")
    subjects = lambda: [subject for _, subject in sent()]  # noqa: E731

    send(app, 0)
    assert subjects() == ["Slow Primary can now send its self-evaluation (autumn 2026)"]
    send(app, 2)
    assert subjects() == [], "more than a week before the due date"
    send(app, 3)
    assert subjects() == [f"Slow Primary's self-evaluation (autumn 2026) is due on {govuk_date(day(10))}"]
    send(app, 9)
    assert subjects() == []
    send(app, 10, hour=23)
    assert subjects() == [], "due by 11:59pm: not overdue yet"
    send(app, 11, hour=0)
    assert subjects() == ["Slow Primary's self-evaluation (autumn 2026) is overdue"]
    overdue = outbox()[0]
    assert f"was due on {govuk_date(day(10))} and has not been submitted yet. It has not been started yet." in overdue.body
    send(app, 12)
    send(app, 40)
    assert subjects() == []
    assert [row[0] for row in recorded()] == ["window_open", "due_soon", "overdue"]


def test_a_school_that_has_submitted_hears_nothing(app, borough):
    window = make_window("autumn", due=5)
    for state in ("submitted", "returned", "accepted"):
        school, head = borough.school(f"{state.title()} Primary", people=2)
        borough.return_in(state, window, school, head)
    waiting, _ = borough.school("Waiting Primary")
    borough.school("Far Away Secondary", phase="Secondary")  # not asked by this window
    outbox().clear()

    for offset in (0, 6):  # due soon, then overdue
        output = send(app, offset)
        assert outbox(), "the school that has not submitted is told, so mail does go"
        assert {mail.to for mail in outbox()} == {head_of(waiting)}
        for name in ("Submitted", "Returned", "Accepted", "Far Away", "left@"):
            assert name not in output


def test_one_schools_extension_and_closing_are_honoured(app, borough):
    window = make_window("autumn", opens=-20, due=2)
    plain, _ = borough.school("Plain Primary")
    extended, _ = borough.school("Extended Primary")
    db.session.add(WindowException(window_id=window.id, school_id=extended.id, due_on=day(20), reason="Flood"))
    closed, _ = borough.school("Closed For One Primary")
    db.session.add(WindowException(window_id=window.id, school_id=closed.id, closed_at=utcnow(), reason="Closing"))
    db.session.flush()
    everyone_else = {head_of(plain), head_of(extended)}

    send(app, 0)
    assert {to for to, _ in sent()} == everyone_else  # opening notices; the due-soon one to Plain only
    assert (head_of(extended), f"Extended Primary's self-evaluation (autumn 2026) is due on {govuk_date(day(2))}") not in sent()
    opening = next(mail for mail in outbox() if mail.to == head_of(extended))
    assert f"It is due by 11:59pm on {govuk_date(day(20))}." in opening.body

    send(app, 3)
    assert sent() == {(head_of(plain), "Plain Primary's self-evaluation (autumn 2026) is overdue"): 1}
    send(app, 13)
    assert sent() == {(head_of(extended), f"Extended Primary's self-evaluation (autumn 2026) is due on {govuk_date(day(20))}"): 1}
    send(app, 21)
    assert sent() == {(head_of(extended), "Extended Primary's self-evaluation (autumn 2026) is overdue"): 1}
    assert not any(row[1] == db.session.scalar(select(User.id).where(User.email == head_of(closed))) for row in recorded())


def test_the_window_opening_notice_goes_once_from_the_opening_day(app, borough, factory):
    make_window("spring", opens=2, due=40)
    make_window("summer", opens=-3, due=40, closed=True)  # closed early: tells nobody
    school, _ = borough.school("Opening Primary", people=2)

    send(app, 1)
    assert outbox() == [], "not open yet"
    send(app, 2, hour=7)
    assert set(sent()) == {
        (head_of(school), "Opening Primary can now send its self-evaluation (spring 2027)"),
        (f"staff1@{school.slug}.example.org", "Opening Primary can now send its self-evaluation (spring 2027)"),
    }
    mail = outbox()[0]
    assert f"It is due by 11:59pm on {govuk_date(day(40))}." in mail.body
    assert registry.get("sef").summary in mail.body
    assert "https://golden-thread.test/school\n" in mail.body
    assert mail.body.startswith("Dear ") and "School Improvement Team" in mail.body
    send(app, 2, hour=8)
    assert outbox() == []

    # Someone who joins the school later hears once, and nobody else again.
    factory.user(Role.SCHOOL, school=school, email=f"newcomer@{school.slug}.example.org")
    send(app, 3)
    assert [to for to, _ in sent()] == [f"newcomer@{school.slug}.example.org"]


def test_the_mail_links_to_the_return_or_the_home_page_and_holds_no_answers(app, borough):
    window = make_window("autumn", due=2)
    started, head = borough.school("Started Primary")
    ret = borough.return_in("draft", window, started, head)
    from app.models import ReturnSection

    db.session.add(ReturnSection(return_id=ret.id, key="context", answers={"statement": "A private answer"}, version=1, updated_by_id=head.id))
    blank, _ = borough.school("Blank Primary")
    send(app, 0)
    by_to = {(mail.to, "overdue" in mail.subject or "due on" in mail.subject): mail for mail in outbox()}
    reminder = by_to[(head_of(started), True)]
    assert f"https://golden-thread.test/returns/{ret.id}\n" in reminder.body
    assert "started but not submitted" in reminder.body
    assert "https://golden-thread.test/school\n" in by_to[(head_of(blank), True)].body
    assert "not been started" in by_to[(head_of(blank), True)].body
    assert outbox() and not any("A private answer" in mail.body for mail in outbox())


def test_special_schools_follow_the_windows_scope(app, borough):
    make_window("autumn", due=5, include_special=False)
    special, _ = borough.school("Special School", phase="Not applicable", establishment_type="Community special school")
    assert "Special School" not in send(app, 0) and outbox() == []
    make_window("spring", due=5, include_special=True)
    assert "Special School" in send(app, 0) and {to for to, _ in sent()} == {head_of(special)}


def test_dry_run_lists_what_would_go_and_sends_and_records_nothing(app, borough):
    make_window("autumn", due=5)
    borough.school("Quiet Primary", people=3)
    output = send(app, 0, "--dry-run")
    assert outbox() == [] and recorded() == []
    assert output.count("Quiet Primary") == 6  # three people, the opening notice and the reminder
    assert "Dry run: 6 notices would be sent; nothing was sent or recorded." in output
    assert "Sent 6 notices." in send(app, 0)
    assert len(outbox()) == 6 and len(recorded()) == 6


def test_a_notice_already_recorded_is_skipped_even_when_another_run_records_it_first(app, borough, monkeypatch):
    make_window("autumn", due=30)
    school, head = borough.school("Racing Primary", people=2)
    window_id = db.session.scalar(select(CollectionWindow.id))
    # Another run, at the same moment, has just recorded the head's notice and not yet committed:
    # this run did not see it when it looked, and meets it at the unique key.
    db.session.add(SentNotice(notice="window_open", user_id=head.id, subject=f"window:{window_id}:school:{school.id}", due_on=day(-20)))
    monkeypatch.setattr(notices_module, "_already_sent", lambda notices: set())
    output = send(app, 0)
    assert [to for to, _ in sent()] == [f"staff1@{school.slug}.example.org"]
    assert "Sent 1 notice." in output
    assert db.session.scalar(select(func.count()).select_from(SentNotice)) == 2


def test_a_moment_that_is_not_a_date_is_refused(app):
    result = app.test_cli_runner().invoke(args=["notices", "send", "--now", "next Tuesday"])
    assert result.exit_code == 2 and "2026-10-03T09:00" in result.output


def test_the_number_of_queries_does_not_grow_with_the_schools(app, borough, count_queries):
    window = make_window("autumn", due=5)
    make_window("spring", due=-2)
    now = datetime.combine(TODAY, time(9), tzinfo=LONDON)

    def add(n):
        for i in range(n):
            school, head = borough.school(f"School {i}", people=2)
            if i % 3 == 0:
                borough.return_in("draft", window, school, head)

    add(2)
    db.session.flush()
    with count_queries() as few:
        assert len(due_notices(now)) == 10  # autumn: 2 opening (one school started) + 4 due soon; spring: 4 overdue
    add(20)
    db.session.flush()
    with count_queries() as many:
        assert len(due_notices(now)) == 2 * 8 + 4 * 14 + 2 * 22  # 8 started, 14 not
    assert few.count == many.count


# ---------------------------------------------------------------------------------------------
# A return type's own scheduled notice

REVIEW_ON = day(30)


def plan_reviews(now: datetime):
    """The test type's own notice: on its review date, every active approver hears that the plans
    are due for review (the type looks up whom itself)."""
    if now.astimezone(LONDON).date() < REVIEW_ON:
        return []
    approvers = db.session.scalars(select(User).where(User.approver.is_(True)).order_by(User.id))
    return [
        ScheduledNotice("plan_review", user, f"school:{user.school_id}", REVIEW_ON, "Time to review your plan", "Your plan is due for its review.\n\nhttps://golden-thread.test/school")
        for user in approvers
    ]


PLAN = ReturnType(key="plan", title="Living plan", summary="A plan with a review date, only in the tests.", scheduled_notices=plan_reviews)


@pytest.fixture
def plan_type():
    registry.register(PLAN)
    yield PLAN
    registry.unregister(PLAN.key)


def test_a_return_types_own_scheduled_notice_goes_once(app, borough, plan_type, factory):
    school, head = borough.school("Planning Primary", people=2)
    factory.user(Role.SCHOOL, school=school, approver=True, active=False, email="gone@planning.example.org")

    send(app, 29)
    assert outbox() == []
    output = send(app, 30)
    assert sent() == {(head_of(school), "Time to review your plan"): 1}, "the approver, not the inactive one nor the staff"
    mail = outbox()[0]
    assert mail.body.startswith(f"Dear {head.name},\n\nYour plan is due for its review.") and "School Improvement Team" in mail.body
    assert f"plan_review to {head_of(school)}: Time to review your plan" in output
    assert recorded() == [("plan_review", head.id, f"school:{school.id}", REVIEW_ON)]
    send(app, 30, hour=10)
    send(app, 31)
    assert outbox() == []


def test_a_notice_too_long_to_record_is_logged_and_the_rest_still_go(app, borough, caplog):
    school, head = borough.school("Careless Primary")
    careless = ReturnType(
        key="careless", title="Careless return", summary="Only in the tests.",
        scheduled_notices=lambda now: [
            ScheduledNotice("careless", head, "x" * 81, TODAY, "Too long", "Never sent."),
            ScheduledNotice("careless", head, "fine", TODAY, "Fine", "Sent."),
        ],
    )
    registry.register(careless)
    try:
        send(app, 0)
    finally:
        registry.unregister(careless.key)
    assert sent() == {(head_of(school), "Fine"): 1}
    assert "too long to record" in caplog.text
