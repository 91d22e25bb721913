"""The lifecycle every return shares: every state x action x capacity, late and overdue, snapshots, taking."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import CollectionWindow, Return, ReturnSection, ReturnTransition, Role, Submission, WindowException
from app.models.returns import ACCEPTED, DRAFT, RETURNED, SUBMITTED, FrozenRecordError
from app.engine import lifecycle
from app.engine.history import history_of, submissions_of
from app.engine.lifecycle import (
    ACCEPT,
    REOPEN,
    RETURN_FOR_CHANGES,
    SUBMIT,
    TAKE,
    WITHDRAW,
    LifecycleError,
)
from app.services.windows import due_at

TODAY = date.today()


@pytest.fixture
def setting(factory):
    school = factory.school(phase="Primary")
    other = factory.school(phase="Primary")
    window = CollectionWindow(
        return_type="sef", academic_year="2026/27", period="autumn", title="SEF", opens_on=TODAY - timedelta(days=10),
        due_on=TODAY + timedelta(days=10), phases=["Primary"],
    )
    db.session.add(window)
    db.session.flush()
    people = {
        "contributor": factory.user(Role.SCHOOL, school=school),
        "approver": factory.user(Role.SCHOOL, school=school, approver=True),
        "officer": factory.user(Role.OFFICER),
        "admin": factory.user(Role.ADMIN),
        "other_school": factory.user(Role.SCHOOL, school=other, approver=True),
    }
    return window, school, people


def in_state(state, window, school, people) -> Return:
    """A return brought to this state through the lifecycle itself."""
    ret = lifecycle.start(people["contributor"], window, school, answers={"context": {"pupils": 200}})
    if state in (SUBMITTED, RETURNED, ACCEPTED):
        lifecycle.perform(SUBMIT, ret, people["approver"])
    if state == RETURNED:
        lifecycle.perform(RETURN_FOR_CHANGES, ret, people["officer"], reason="Add evidence for attendance")
    if state == ACCEPTED:
        lifecycle.perform(ACCEPT, ret, people["officer"])
    return ret


ALLOWED = {
    # (state, action): the capacities that may
    (DRAFT, SUBMIT): {"approver"},
    (RETURNED, SUBMIT): {"approver"},
    (SUBMITTED, WITHDRAW): {"approver"},
    (SUBMITTED, TAKE): {"officer", "admin"},
    (SUBMITTED, RETURN_FOR_CHANGES): {"officer", "admin"},
    (SUBMITTED, ACCEPT): {"officer", "admin"},
    (ACCEPTED, REOPEN): {"officer", "admin"},
}
EXPECTED = {DRAFT: {SUBMIT: SUBMITTED}, RETURNED: {SUBMIT: SUBMITTED},
            SUBMITTED: {WITHDRAW: DRAFT, TAKE: SUBMITTED, RETURN_FOR_CHANGES: RETURNED, ACCEPT: ACCEPTED},
            ACCEPTED: {REOPEN: RETURNED}}


@pytest.mark.parametrize("state", [DRAFT, SUBMITTED, RETURNED, ACCEPTED])
@pytest.mark.parametrize("action", [SUBMIT, WITHDRAW, TAKE, RETURN_FOR_CHANGES, ACCEPT, REOPEN])
@pytest.mark.parametrize("who", ["contributor", "approver", "officer", "admin", "other_school"])
def test_every_state_action_and_capacity(setting, state, action, who):
    window, school, people = setting
    ret = in_state(state, window, school, people)
    transitions = db.session.scalar(select(func.count()).select_from(ReturnTransition))
    submissions = db.session.scalar(select(func.count()).select_from(Submission))
    if who in ALLOWED.get((state, action), set()):
        lifecycle.perform(action, ret, people[who], reason="Because")
        assert ret.state == EXPECTED[state][action]
        assert db.session.scalar(select(func.count()).select_from(ReturnTransition)) == transitions + 1
        last = db.session.scalar(select(ReturnTransition).order_by(ReturnTransition.id.desc()))
        assert (last.action, last.from_state, last.to_state, last.by_id) == (action, state, ret.state, people[who].id)
    else:
        with pytest.raises(LifecycleError):
            lifecycle.perform(action, ret, people[who], reason="Because")
        db.session.refresh(ret)
        assert ret.state == state
        assert db.session.scalar(select(func.count()).select_from(ReturnTransition)) == transitions
        assert db.session.scalar(select(func.count()).select_from(Submission)) == submissions


def test_a_contributor_is_told_the_return_is_ready_for_sign_off(setting):
    window, school, people = setting
    ret = in_state(DRAFT, window, school, people)
    with pytest.raises(LifecycleError, match="ready for them to sign off"):
        lifecycle.perform(SUBMIT, ret, people["contributor"])


def test_only_the_schools_own_users_start_a_return_and_only_once(setting):
    window, school, people = setting
    for who in ("officer", "other_school"):
        with pytest.raises(LifecycleError):
            lifecycle.start(people[who], window, school)
    lifecycle.start(people["contributor"], window, school)
    with pytest.raises(LifecycleError):
        lifecycle.start(people["approver"], window, school)


def test_returning_and_reopening_need_a_reason(setting):
    window, school, people = setting
    ret = in_state(SUBMITTED, window, school, people)
    with pytest.raises(LifecycleError, match="reason"):
        lifecycle.perform(RETURN_FOR_CHANGES, ret, people["officer"], reason="   ")
    lifecycle.perform(ACCEPT, ret, people["officer"])
    with pytest.raises(LifecycleError, match="reason"):
        lifecycle.perform(REOPEN, ret, people["officer"])


def test_a_taken_return_cannot_be_withdrawn(setting):
    window, school, people = setting
    ret = in_state(SUBMITTED, window, school, people)
    lifecycle.perform(TAKE, ret, people["officer"])
    with pytest.raises(LifecycleError, match="already started reviewing"):
        lifecycle.perform(WITHDRAW, ret, people["approver"])


def test_two_officers_taking_at_once_get_a_clear_message(setting):
    window, school, people = setting
    ret = in_state(SUBMITTED, window, school, people)
    lifecycle.perform(TAKE, ret, people["officer"])
    with pytest.raises(LifecycleError, match="Another officer has just taken this return"):
        lifecycle.perform(TAKE, ret, people["admin"])
    assert ret.assigned_to_id == people["officer"].id


def test_snapshots_are_immutable_and_editing_after_submission_changes_nothing_reviewed(setting):
    window, school, people = setting
    ret = in_state(SUBMITTED, window, school, people)
    working = db.session.scalar(select(ReturnSection).where(ReturnSection.return_id == ret.id))
    working.answers = {"pupils": 999}
    db.session.flush()
    snapshot = db.session.scalar(select(Submission).where(Submission.return_id == ret.id))
    assert snapshot.answers == {"context": {"pupils": 200}}
    savepoint = db.session.begin_nested()
    snapshot.answers = {"context": {"pupils": 1}}
    with pytest.raises(FrozenRecordError):
        db.session.flush()
    savepoint.rollback()


def test_each_resubmission_is_a_new_numbered_snapshot(setting):
    window, school, people = setting
    ret = in_state(RETURNED, window, school, people)
    working = db.session.scalar(select(ReturnSection).where(ReturnSection.return_id == ret.id))
    working.answers = {"pupils": 210}
    lifecycle.perform(SUBMIT, ret, people["approver"])
    numbers = [(s.number, s.answers["context"]["pupils"]) for s in [row.submission for row in submissions_of(ret)]]
    assert numbers == [(1, 200), (2, 210)]


class TestLateAndOverdue:
    def test_a_first_submission_after_23_59_on_the_due_date_is_late(self, setting):
        window, school, people = setting
        ret = in_state(DRAFT, window, school, people)
        on_time = due_at(window.due_on).astimezone(timezone.utc)
        lifecycle.perform(SUBMIT, ret, people["approver"], now=on_time)
        assert ret.late is False
        other = lifecycle.start(people["other_school"], window, db.session.get(type(school), people["other_school"].school_id))
        lifecycle.perform(SUBMIT, other, people["other_school"], now=on_time + timedelta(minutes=1))
        assert other.late is True

    def test_a_resubmission_after_returned_is_never_late(self, setting):
        """Submission 2's own flag, not the return's: the return's is set by the first submission
        only, so reading it could never see a resubmission wrongly marked late."""
        window, school, people = setting
        ret = in_state(RETURNED, window, school, people)
        lifecycle.perform(SUBMIT, ret, people["approver"], now=datetime.now(timezone.utc) + timedelta(days=60))
        first, second = [row.submission for row in submissions_of(ret)]
        assert (first.number, first.late, second.number, second.late) == (1, False, 2, False)
        assert ret.late is False

    def test_a_late_first_submission_stays_late_and_its_resubmission_is_not(self, setting):
        window, school, people = setting
        ret = in_state(DRAFT, window, school, people)
        lifecycle.perform(SUBMIT, ret, people["approver"], now=due_at(window.due_on) + timedelta(minutes=1))
        lifecycle.perform(RETURN_FOR_CHANGES, ret, people["officer"], reason="Add evidence for attendance")
        lifecycle.perform(SUBMIT, ret, people["approver"], now=due_at(window.due_on) + timedelta(days=5))
        assert [(s.number, s.late) for s in [row.submission for row in submissions_of(ret)]] == [(1, True), (2, False)]
        assert ret.late is True

    def test_one_schools_extension_moves_its_due_time(self, setting):
        window, school, people = setting
        db.session.add(WindowException(window_id=window.id, school_id=school.id, due_on=window.due_on + timedelta(days=7)))
        db.session.flush()
        ret = in_state(DRAFT, window, school, people)
        lifecycle.perform(SUBMIT, ret, people["approver"], now=due_at(window.due_on + timedelta(days=3)))
        assert ret.late is False

    def test_overdue_means_not_yet_submitted_after_the_due_time(self, setting):
        window, school, people = setting
        after = due_at(window.due_on) + timedelta(seconds=1)
        assert lifecycle.is_overdue(None, window, school.id, after)
        ret = in_state(DRAFT, window, school, people)
        assert lifecycle.is_overdue(ret, window, school.id, after)
        assert not lifecycle.is_overdue(ret, window, school.id, after - timedelta(seconds=2))
        lifecycle.perform(SUBMIT, ret, people["approver"])
        assert not lifecycle.is_overdue(ret, window, school.id, after + timedelta(days=30))


class TestClosedWindows:
    def test_a_closed_window_takes_no_submission(self, setting):
        window, school, people = setting
        ret = in_state(DRAFT, window, school, people)
        window.closed_at = datetime.now(timezone.utc)
        db.session.flush()
        with pytest.raises(LifecycleError, match="closed"):
            lifecycle.perform(SUBMIT, ret, people["approver"])

    def test_closed_for_one_school_only(self, setting):
        window, school, people = setting
        ret = in_state(DRAFT, window, school, people)
        db.session.add(WindowException(window_id=window.id, school_id=school.id, closed_at=datetime.now(timezone.utc)))
        db.session.flush()
        with pytest.raises(LifecycleError, match="closed"):
            lifecycle.perform(SUBMIT, ret, people["approver"])

    def test_an_officer_reopening_one_schools_return_lets_it_resubmit_in_a_closed_window(self, setting):
        window, school, people = setting
        ret = in_state(ACCEPTED, window, school, people)
        window.closed_at = datetime.now(timezone.utc)
        db.session.flush()
        lifecycle.perform(REOPEN, ret, people["officer"], reason="The priorities need LA tags")
        lifecycle.perform(SUBMIT, ret, people["approver"])
        assert ret.state == SUBMITTED

    def test_a_window_not_yet_open_takes_no_start(self, setting, factory):
        window, school, people = setting
        window.opens_on = TODAY + timedelta(days=1)
        db.session.flush()
        with pytest.raises(LifecycleError, match="closed"):
            lifecycle.start(people["contributor"], window, school)


def test_a_return_keeps_the_form_version_it_started_with(setting):
    window, school, people = setting
    ret = in_state(SUBMITTED, window, school, people)
    assert ret.form_version == "ofsted-2025"
    assert [row.submission for row in submissions_of(ret)][0].form_version == "ofsted-2025"


def test_the_history_lists_every_move(setting):
    window, school, people = setting
    ret = in_state(RETURNED, window, school, people)
    assert [(row.transition.action, row.transition.from_state, row.transition.to_state) for row in history_of(ret)] == [
        ("start", None, DRAFT), ("submit", DRAFT, SUBMITTED), ("return_for_changes", SUBMITTED, RETURNED)
    ]
    assert history_of(ret)[-1].transition.reason == "Add evidence for attendance"
