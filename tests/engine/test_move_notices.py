"""Notices after a move come from one table, and who hears them is the return type's policy: a
type with a step of its own and a policy of its own (one link officer decides, another school
responds) gets the right mail to the right people without the engine knowing the type."""

from __future__ import annotations

import string
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.mail import outbox
from app.models import CollectionWindow, Role, User
from app.engine import lifecycle, registry
from app.engine.lifecycle import ACCEPT, SUBMIT
from app.engine.notices import NOTICES, period_of, render, what_is_due
from app.engine.policy import DECIDER, RESPONDENT, Policy
from app.engine.registry import ReturnType, Step

TODAY = date.today()


class LinkOfficerPolicy(Policy):
    """The school writes it; another school responds; one link officer decides and hears."""

    def __init__(self):
        self.responding_school_id: int | None = None
        self.link_officer_id: int | None = None

    def capacity(self, user, school_id, ret=None):
        if user.is_authenticated and user.active and user.is_school_user and user.school_id == self.responding_school_id:
            return RESPONDENT
        if user.is_council_staff and user.id != self.link_officer_id:
            return None
        return super().capacity(user, school_id, ret)

    def people(self, ret, capacities):
        if capacities == (DECIDER,):
            return select(User).where(User.id == self.link_officer_id, User.active.is_(True))
        return super().people(ret, capacities)


POLICY = LinkOfficerPolicy()
STEPPED = ReturnType(
    key="stepped",
    title="Visit write-up",
    summary="A return with a response step that exists only in the tests.",
    policy=POLICY,
    steps=(Step("respond", "Respond to the write-up", "Responded", "responded", "Host has responded"),),
)


@pytest.fixture
def stepped_type():
    registry.register(STEPPED)
    yield STEPPED
    registry.unregister(STEPPED.key)


@pytest.fixture
def visit(factory, stepped_type):
    school = factory.school(name="Willowbank Primary School")
    host = factory.school(name="Hillside Primary School")
    people = {
        "approver": factory.user(Role.SCHOOL, school=school, approver=True, email="head@willowbank.example.org"),
        "staff": factory.user(Role.SCHOOL, school=school, email="staff@willowbank.example.org"),
        "host": factory.user(Role.SCHOOL, school=host, approver=True, email="head@hillside.example.org"),
        "link_officer": factory.user(Role.OFFICER, email="link@council.example.org"),
        "other_officer": factory.user(Role.OFFICER, email="other@council.example.org"),
    }
    POLICY.responding_school_id = host.id
    POLICY.link_officer_id = people["link_officer"].id
    window = CollectionWindow(
        return_type="stepped", academic_year="2026/27", period="spring", title="Visit write-ups, spring 2027",
        opens_on=TODAY - timedelta(days=5), due_on=TODAY + timedelta(days=20), phases=["Primary"],
    )
    db.session.add(window)
    db.session.flush()
    return window, school, people


def test_the_policy_says_who_hears_a_submission_and_a_step_tells_the_deciders(visit):
    window, school, people = visit
    ret = lifecycle.start(people["staff"], window, school)
    lifecycle.perform(SUBMIT, ret, people["approver"])
    db.session.commit()
    told = [mail for mail in outbox() if not mail.subject.startswith("Receipt: ")]
    assert [mail.to for mail in told] == ["link@council.example.org"], "the type's deciders, not every officer"
    assert told[0].subject == "Willowbank Primary School has submitted its visit write-up (spring 2027)"
    # The school's writers (the policy's authors and approvers) get a receipt; not the host school.
    assert sorted(mail.to for mail in outbox() if mail.subject.startswith("Receipt: ")) == [
        "head@willowbank.example.org", "staff@willowbank.example.org"
    ]
    outbox().clear()

    lifecycle.perform("respond", ret, people["host"])
    db.session.commit()
    assert [mail.to for mail in outbox()] == ["link@council.example.org"]
    mail = outbox()[0]
    assert mail.subject == "Willowbank Primary School's visit write-up (spring 2027): host has responded"
    assert f"{people['host'].name} has recorded \u201cRespond to the write-up\u201d" in mail.body
    assert "It is now ready for your decision." in mail.body
    assert f"https://golden-thread.test/returns/{ret.id}/review\n" in mail.body
    outbox().clear()

    lifecycle.perform(ACCEPT, ret, people["link_officer"])
    db.session.commit()
    assert sorted(mail.to for mail in outbox()) == ["head@willowbank.example.org", "staff@willowbank.example.org"]
    assert {mail.subject for mail in outbox()} == {"Willowbank Primary School's visit write-up (spring 2027) has been accepted"}


def test_nobody_is_told_of_their_own_move(visit):
    """Except the receipt for a submission, which is the submitter's proof that it went."""
    window, school, people = visit
    # A policy whose only person to hear of a submission, or of the host's response, is the
    # person who makes that move.
    POLICY.link_officer_id = people["approver"].id
    ret = lifecycle.start(people["staff"], window, school)
    lifecycle.perform(SUBMIT, ret, people["approver"])
    db.session.commit()
    assert sorted(mail.to for mail in outbox()) == ["head@willowbank.example.org", "staff@willowbank.example.org"]
    assert all(mail.subject.startswith("Receipt: ") for mail in outbox())
    outbox().clear()
    POLICY.link_officer_id = people["host"].id
    lifecycle.perform("respond", ret, people["host"])
    db.session.commit()
    assert outbox() == []


class TestTheTable:
    VALUES = {
        "school": "Willowbank Primary School", "urn": "100001", "what": "self-evaluation", "period": "autumn 2026",
        "actor": "Sam Officer", "reason": "  Add evidence", "link": "https://golden-thread.test/returns/1",
        "late": "", "step_title": "Respond", "step_state": "host has responded", "next": "",
        "due_date": "3 October 2026", "summary": "Tell us how the year went.", "progress": "It has not been started yet.",
        "when": "3 October 2026 at 2:15pm", "again": "",
        "count": "2 actions overdue",  # a living plan's overdue actions: a count, never their words
        "due_words": "was due on 3 October 2026",  # a reminder from the tracker
        "alert": "Safeguarding not met",  # a type's alert: its few words, never the answers
    }

    @pytest.mark.parametrize("key", sorted(NOTICES))
    def test_every_notice_names_the_school_and_the_period_once_and_links_to_sign_in(self, app, key):
        notice = NOTICES[key]
        used = {name for _, name, _, _ in string.Formatter().parse(notice.subject + notice.body) if name}
        assert used <= set(self.VALUES), f"{key} uses a value nobody gives it"
        subject, body = render(key, self.VALUES)
        assert "Willowbank Primary School" in subject and "(autumn 2026)" in subject
        assert subject.count("autumn 2026") == 1 and "{" not in subject + body
        assert "https://golden-thread.test/returns/1" in body
        assert notice.who, "somebody hears every notice"

    @pytest.mark.parametrize(
        "period, year, named",
        [("autumn", "2026/27", "autumn 2026"), ("spring", "2026/27", "spring 2027"), ("summer", "2026/27", "summer 2027"), ("annual", "2026/27", "2026/27")],
    )
    def test_a_window_is_named_by_its_term_and_calendar_year(self, period, year, named):
        assert period_of(CollectionWindow(period=period, academic_year=year)) == named

    def test_the_return_is_named_in_lower_case_without_repeating_school(self, app):
        assert what_is_due("sef") == "self-evaluation"
        assert what_is_due("no-such-type") == "return"
