"""Who hears about each move of a return, and that mail waits for the commit of the change it reports."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import Response
from sqlalchemy import select

from app.extensions import db
from app.mail import outbox, pending_mail, send_mail
from app.models import CollectionWindow, Return, ReturnSection, Role
from app.models.returns import ACCEPTED, DRAFT, RETURNED, SECTION_COMPLETED, SUBMITTED
from app.engine import registry
from app.engine import lifecycle
from app.engine.lifecycle import ACCEPT, REOPEN, RETURN_FOR_CHANGES, SUBMIT, TAKE, WITHDRAW
from tests.conftest import csrf_token, sign_in

TODAY = date.today()
# An answer that must never travel by mail.
PRIVATE_ANSWER = "Pupil X's counselling notes are private"


@pytest.fixture
def setting(factory):
    school = factory.school(name="Alderbrook Primary School")
    other = factory.school(name="Some Other School")
    window = CollectionWindow(
        return_type="sef", academic_year="2026/27", period="autumn", title="Self-evaluation, autumn 2026",
        opens_on=TODAY - timedelta(days=10), due_on=TODAY + timedelta(days=10), phases=["Primary"],
    )
    db.session.add(window)
    db.session.flush()
    people = {
        "contributor": factory.user(Role.SCHOOL, school=school, email="staff@alderbrook.example.org"),
        "approver": factory.user(Role.SCHOOL, school=school, approver=True, email="head@alderbrook.example.org"),
        "former": factory.user(Role.SCHOOL, school=school, active=False, email="former@alderbrook.example.org"),
        "other_school": factory.user(Role.SCHOOL, school=other, approver=True, email="head@other.example.org"),
        "officer": factory.user(Role.OFFICER, email="officer@council.example.org"),
        "admin": factory.user(Role.ADMIN, email="admin@council.example.org"),
        "retired_officer": factory.user(Role.OFFICER, active=False, email="retired@council.example.org"),
    }
    return window, school, people


SCHOOL_PEOPLE = {"staff@alderbrook.example.org", "head@alderbrook.example.org"}
# A submission is mailed to the officers (every active one who has not turned it off, while nobody
# has the return), never to administrators; the school's people get a receipt each.
OFFICERS = {"officer@council.example.org"}
SUBMISSION_TELLS = OFFICERS | SCHOOL_PEOPLE


def completed_return(window, school, people) -> Return:
    """A draft with every section completed, ready for the approver to submit."""
    ret = lifecycle.start(people["contributor"], window, school)
    kind = registry.get("sef")
    for section in kind.sections_for(ret.form_version, school):
        db.session.add(
            ReturnSection(
                return_id=ret.id, key=section.key, answers={"statement": PRIVATE_ANSWER}, version=1,
                status=SECTION_COMPLETED, updated_by_id=people["contributor"].id,
            )
        )
    db.session.flush()
    return ret


def in_state(state, window, school, people) -> Return:
    ret = completed_return(window, school, people)
    if state in (SUBMITTED, RETURNED, ACCEPTED):
        lifecycle.perform(SUBMIT, ret, people["approver"])
    if state == RETURNED:
        lifecycle.perform(RETURN_FOR_CHANGES, ret, people["officer"], reason="Add evidence")
    if state == ACCEPTED:
        lifecycle.perform(ACCEPT, ret, people["officer"])
    return ret


def recipients() -> set[str]:
    return {mail.to for mail in outbox()}


def client_for(app, user):
    client = app.test_client()
    sign_in(client, user)
    return client


class TestWhoHears:
    def test_a_submission_tells_every_active_officer_and_gives_the_school_receipts_and_nobody_else(self, setting):
        window, school, people = setting
        ret = in_state(DRAFT, window, school, people)
        db.session.commit()
        lifecycle.perform(SUBMIT, ret, people["approver"])
        assert outbox() == [], "nothing goes before the commit"
        db.session.commit()
        assert recipients() == SUBMISSION_TELLS
        assert len(outbox()) == 3  # one each: nobody learns who else was told
        mail = next(mail for mail in outbox() if mail.to in OFFICERS)
        assert mail.subject == "Alderbrook Primary School has submitted its self-evaluation (autumn 2026)"
        assert "Alderbrook Primary School (URN " in mail.body and "has submitted its self-evaluation (autumn 2026)." in mail.body
        assert "Self-evaluation, autumn 2026" not in mail.body, "the period is named once, not the window's title"
        assert mail.body.startswith(f"Dear {people['officer'].name},")
        assert f"https://golden-thread.test/returns/{ret.id}/review" in mail.body
        assert PRIVATE_ANSWER not in mail.body and "late" not in mail.body

    def test_a_late_submission_says_so(self, setting):
        window, school, people = setting
        window.due_on = TODAY - timedelta(days=2)
        ret = in_state(DRAFT, window, school, people)
        lifecycle.perform(SUBMIT, ret, people["approver"])
        db.session.commit()
        assert ret.late and recipients() == SUBMISSION_TELLS
        assert all("marked late" in mail.body for mail in outbox())

    def test_returning_for_changes_tells_the_schools_active_people_with_the_reason(self, setting):
        window, school, people = setting
        ret = in_state(SUBMITTED, window, school, people)
        db.session.commit()
        outbox().clear()
        lifecycle.perform(RETURN_FOR_CHANGES, ret, people["officer"], reason="Say how you know attendance improved")
        db.session.commit()
        assert recipients() == SCHOOL_PEOPLE
        mail = outbox()[0]
        assert mail.subject == "Alderbrook Primary School's self-evaluation (autumn 2026) has been returned for changes"
        assert f"{people['officer'].name} from the School Improvement Team has returned" in mail.body
        assert "Say how you know attendance improved" in mail.body
        assert f"https://golden-thread.test/returns/{ret.id}\n" in mail.body
        assert PRIVATE_ANSWER not in mail.body

    def test_a_resubmission_is_called_one(self, setting):
        window, school, people = setting
        ret = in_state(RETURNED, window, school, people)
        db.session.commit()
        outbox().clear()
        lifecycle.perform(SUBMIT, ret, people["approver"])
        db.session.commit()
        assert recipients() == SUBMISSION_TELLS
        assert {mail.subject for mail in outbox() if mail.to in OFFICERS} == {
            "Alderbrook Primary School has resubmitted its self-evaluation (autumn 2026)"
        }

    def test_accepting_tells_the_school(self, setting):
        window, school, people = setting
        ret = in_state(SUBMITTED, window, school, people)
        db.session.commit()
        outbox().clear()
        lifecycle.perform(ACCEPT, ret, people["admin"])
        db.session.commit()
        assert recipients() == SCHOOL_PEOPLE
        assert outbox()[0].subject == "Alderbrook Primary School's self-evaluation (autumn 2026) has been accepted"
        assert people["admin"].name in outbox()[0].body

    def test_reopening_tells_the_school_why(self, setting):
        window, school, people = setting
        ret = in_state(ACCEPTED, window, school, people)
        db.session.commit()
        outbox().clear()
        lifecycle.perform(REOPEN, ret, people["officer"], reason="The attendance figures were for last year")
        db.session.commit()
        assert recipients() == SCHOOL_PEOPLE
        assert outbox()[0].subject == "Alderbrook Primary School's self-evaluation (autumn 2026) has been reopened"
        assert "The attendance figures were for last year" in outbox()[0].body

    @pytest.mark.parametrize("action, who", [(TAKE, "officer"), (WITHDRAW, "approver")])
    def test_taking_and_withdrawing_tell_nobody(self, setting, action, who):
        window, school, people = setting
        ret = in_state(SUBMITTED, window, school, people)
        db.session.commit()
        assert recipients() == SUBMISSION_TELLS, "the submission itself was told, so mail does go"
        outbox().clear()
        lifecycle.perform(action, ret, people[who])
        db.session.commit()
        assert outbox() == []

    def test_a_refused_move_tells_nobody(self, setting):
        window, school, people = setting
        ret = in_state(DRAFT, window, school, people)
        db.session.commit()
        with pytest.raises(lifecycle.LifecycleError):
            lifecycle.perform(SUBMIT, ret, people["contributor"])
        db.session.commit()
        assert outbox() == []


class TestOverHttp:
    def test_the_approver_submits_and_officers_hear(self, app, setting):
        window, school, people = setting
        ret = in_state(DRAFT, window, school, people)
        client = client_for(app, people["approver"])
        response = client.post(
            f"/returns/{ret.id}/check", data={"declaration": "y", "csrf_token": csrf_token(client, f"/returns/{ret.id}/check")}
        )
        assert response.status_code == 303, response.text[:500]
        assert recipients() == SUBMISSION_TELLS

    def test_an_officer_returns_it_and_the_school_hears(self, app, setting):
        window, school, people = setting
        ret = in_state(SUBMITTED, window, school, people)
        outbox().clear()
        client = client_for(app, people["officer"])
        token = csrf_token(client, f"/returns/{ret.id}/review")
        response = client.post(
            f"/returns/{ret.id}/review", data={"decision": "return", "reason": "Finish the priorities", "csrf_token": token}
        )
        assert response.status_code == 303, response.text[:500]
        assert db.session.get(Return, ret.id).state == RETURNED
        assert recipients() == SCHOOL_PEOPLE and "Finish the priorities" in outbox()[0].body

    def test_a_request_that_fails_after_the_move_mails_nobody_and_keeps_nothing(self, app, setting, monkeypatch):
        window, school, people = setting
        ret = in_state(DRAFT, window, school, people)
        client = client_for(app, people["approver"])
        token = csrf_token(client, f"/returns/{ret.id}/check")

        def broken(*args, **kwargs):
            raise RuntimeError("the page failed after the return was submitted")

        monkeypatch.setattr("app.engine.routes.flash", broken)
        monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
        response = client.post(f"/returns/{ret.id}/check", data={"declaration": "y", "csrf_token": token})
        assert response.status_code == 500
        assert db.session.get(Return, ret.id).state == DRAFT
        assert outbox() == []


class TestMailWaitsForTheCommit:
    @pytest.mark.parametrize("status, sent", [(200, True), (303, True), (422, False), (500, False)])
    def test_the_requests_own_commit_or_rollback_decides(self, app, setting, status, sent):
        window, school, people = setting
        ret = in_state(DRAFT, window, school, people)
        db.session.commit()
        with app.test_request_context(f"/returns/{ret.id}/check", method="POST"):
            lifecycle.perform(SUBMIT, ret, people["approver"])
            assert outbox() == [] and len(pending_mail()) == 3
            app.process_response(Response(status=status))  # the app's own end-of-request hook
        assert (recipients() == SUBMISSION_TELLS) if sent else (outbox() == [])
        state = db.session.scalar(select(Return.state).where(Return.id == ret.id))
        assert state == (SUBMITTED if sent else DRAFT)

    def test_mail_queued_in_a_savepoint_that_rolls_back_is_dropped_and_the_rest_goes(self, app, setting):
        with app.test_request_context("/"):
            send_mail("kept@example.org", "Kept", "Kept")
            savepoint = db.session.begin_nested()
            send_mail("dropped@example.org", "Dropped", "Dropped")
            savepoint.rollback()
            kept_savepoint = db.session.begin_nested()
            send_mail("released@example.org", "Released", "Released")
            kept_savepoint.commit()
            assert outbox() == [], "a savepoint released is not the commit"
            app.process_response(Response(status=200))
        assert [mail.to for mail in outbox()] == ["kept@example.org", "released@example.org"]

    def test_a_failed_delivery_is_logged_and_does_not_stop_the_others(self, app, setting, monkeypatch, caplog):
        from app import mail as mail_module

        real = mail_module._deliver

        def flaky(to, subject, body):
            if to.startswith("officer@"):
                raise ConnectionRefusedError("SMTP server down")
            real(to, subject, body)

        monkeypatch.setattr(mail_module, "_deliver", flaky)
        window, school, people = setting
        ret = in_state(DRAFT, window, school, people)
        lifecycle.perform(SUBMIT, ret, people["approver"])
        db.session.commit()
        assert recipients() == SCHOOL_PEOPLE, "the receipts went, though the officer's notice did not"
        assert "Could not send the mail" in caplog.text
