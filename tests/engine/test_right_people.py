"""Notices to the right people: a submission tells the officer who has the return, or the officers
who want to know, never the administrators; the school gets a receipt; a contributor asks the
approvers, and only them, to sign off; mail links open the server `make run` started."""

from __future__ import annotations

import os
import re
import subprocess
from datetime import date, timedelta
from html import unescape
from pathlib import Path

import pytest
from sqlalchemy import select, text

from app.engine import lifecycle, notices, registry
from app.engine.lifecycle import RETURN_FOR_CHANGES, SUBMIT
from app.engine.signals import return_moved
from app.extensions import db
from app.formatting import govuk_datetime
from app.mail import outbox
from app.models import AuditEvent, CollectionWindow, Return, ReturnSection, Role, User
from app.models.returns import RETURNED, SECTION_COMPLETED, SUBMITTED
from app.models.types import utcnow
from config import base_url
from tests.conftest import csrf_token, sign_in

ROOT = Path(__file__).resolve().parents[2]
TODAY = date.today()
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
        "contributor": factory.user(Role.SCHOOL, school=school, name="Cara Contributor", email="staff@alderbrook.example.org"),
        "approver": factory.user(Role.SCHOOL, school=school, approver=True, name="Hana Head", email="head@alderbrook.example.org"),
        "deputy": factory.user(Role.SCHOOL, school=school, approver=True, name="Dev Deputy", email="deputy@alderbrook.example.org"),
        "former": factory.user(Role.SCHOOL, school=school, active=False, email="former@alderbrook.example.org"),
        "other_school": factory.user(Role.SCHOOL, school=other, approver=True, email="head@other.example.org"),
        "officer": factory.user(Role.OFFICER, name="Olu Officer", email="officer@council.example.org"),
        "quiet": factory.user(Role.OFFICER, name="Quinn Quiet", email="quiet@council.example.org", submission_notices=False),
        "admin": factory.user(Role.ADMIN, name="Ada Admin", email="admin@council.example.org"),
        "retired_officer": factory.user(Role.OFFICER, active=False, email="retired@council.example.org"),
    }
    return window, school, people


SCHOOL_PEOPLE = {"staff@alderbrook.example.org", "head@alderbrook.example.org", "deputy@alderbrook.example.org"}
APPROVERS = {"head@alderbrook.example.org", "deputy@alderbrook.example.org"}


def completed_return(window, school, people) -> Return:
    ret = lifecycle.start(people["contributor"], window, school)
    for section in registry.get("sef").sections_for(ret.form_version, school):
        db.session.add(
            ReturnSection(
                return_id=ret.id, key=section.key, answers={"statement": PRIVATE_ANSWER}, version=1,
                status=SECTION_COMPLETED, updated_by_id=people["contributor"].id,
            )
        )
    db.session.flush()
    return ret


def receipts() -> set[str]:
    return {mail.to for mail in outbox() if mail.subject.startswith("Receipt: ")}


def notices_to_council() -> set[str]:
    return {mail.to for mail in outbox() if not mail.subject.startswith("Receipt: ")}


def client_for(app, user):
    client = app.test_client()
    sign_in(client, user)
    return client


# ---------------------------------------------------------------------------------------------
# A submission


class TestReceipts:
    def test_everyone_at_the_school_who_works_on_it_gets_a_receipt_and_nobody_else(self, setting):
        window, school, people = setting
        ret = completed_return(window, school, people)
        lifecycle.perform(SUBMIT, ret, people["approver"])
        db.session.commit()
        # The submitter too: it is their proof it went. Not the former colleague, not the council.
        assert receipts() == SCHOOL_PEOPLE
        assert len([mail for mail in outbox() if mail.subject.startswith("Receipt: ")]) == 3, "one each"
        mail = next(mail for mail in outbox() if mail.to == "staff@alderbrook.example.org")
        assert mail.subject == "Receipt: Alderbrook Primary School's self-evaluation (autumn 2026) has been submitted"
        assert mail.body.startswith("Dear Cara Contributor,")
        assert "Hana Head submitted Alderbrook Primary School's self-evaluation (autumn 2026) to the School Improvement Team on " in mail.body
        assert f"on {govuk_datetime(ret.first_submitted_at)}." in mail.body
        assert f"https://golden-thread.test/returns/{ret.id}\n" in mail.body
        assert PRIVATE_ANSWER not in mail.body and "late" not in mail.body

    def test_a_resubmission_receipt_says_again_and_a_late_one_says_late(self, setting):
        window, school, people = setting
        window.due_on = TODAY - timedelta(days=1)
        ret = completed_return(window, school, people)
        lifecycle.perform(SUBMIT, ret, people["approver"])
        db.session.commit()
        assert all("marked late" in mail.body for mail in outbox() if mail.subject.startswith("Receipt: "))
        lifecycle.perform(RETURN_FOR_CHANGES, ret, people["officer"], reason="Add evidence")
        db.session.commit()
        outbox().clear()
        lifecycle.perform(SUBMIT, ret, people["approver"])
        db.session.commit()
        assert receipts() == SCHOOL_PEOPLE
        assert all("(autumn 2026) again to the School Improvement Team" in mail.body for mail in outbox() if mail.subject.startswith("Receipt: "))


class TestSubmissionNotices:
    def test_with_nobody_assigned_the_officers_who_want_it_hear_and_nobody_else(self, setting):
        window, school, people = setting
        ret = completed_return(window, school, people)
        lifecycle.perform(SUBMIT, ret, people["approver"])
        db.session.commit()
        # Not the officer who turned it off, not the administrator, not the retired officer, not
        # the other school: only receipts and the one officer's notice.
        assert notices_to_council() == {"officer@council.example.org"}
        assert {mail.to for mail in outbox()} == SCHOOL_PEOPLE | {"officer@council.example.org"}
        mail = next(mail for mail in outbox() if mail.to == "officer@council.example.org")
        assert mail.subject == "Alderbrook Primary School has submitted its self-evaluation (autumn 2026)"
        assert f"https://golden-thread.test/returns/{ret.id}/review" in mail.body

    def test_turning_it_back_on_brings_the_notices_back(self, setting):
        window, school, people = setting
        people["quiet"].submission_notices = True
        ret = completed_return(window, school, people)
        lifecycle.perform(SUBMIT, ret, people["approver"])
        db.session.commit()
        assert notices_to_council() == {"officer@council.example.org", "quiet@council.example.org"}

    def test_with_nobody_who_wants_them_nobody_at_the_council_is_mailed(self, setting):
        window, school, people = setting
        people["officer"].submission_notices = False
        ret = completed_return(window, school, people)
        lifecycle.perform(SUBMIT, ret, people["approver"])
        db.session.commit()
        assert notices_to_council() == set() and receipts() == SCHOOL_PEOPLE

    @pytest.mark.parametrize("assignee", ["quiet", "officer", "admin"])
    def test_the_assigned_officer_alone_hears_of_a_resubmission_whatever_their_setting(self, setting, assignee):
        """The officer who returned a return gets it back when the school submits it again
        (app/engine/lifecycle.py), and their notice is the only one the council gets."""
        window, school, people = setting
        ret = completed_return(window, school, people)
        lifecycle.perform(SUBMIT, ret, people["approver"])
        lifecycle.perform(RETURN_FOR_CHANGES, ret, people[assignee], reason="Add evidence")
        db.session.commit()
        outbox().clear()
        lifecycle.perform(SUBMIT, ret, people["approver"])
        db.session.commit()
        assert ret.assigned_to_id == people[assignee].id
        assert notices_to_council() == {people[assignee].email}
        assert {mail.subject for mail in outbox() if mail.to == people[assignee].email} == {
            "Alderbrook Primary School has resubmitted its self-evaluation (autumn 2026)"
        }
        assert receipts() == SCHOOL_PEOPLE

    def test_an_assignee_who_has_left_is_replaced_by_the_officers_who_want_to_know(self, setting):
        window, school, people = setting
        ret = completed_return(window, school, people)
        lifecycle.perform(SUBMIT, ret, people["approver"])
        db.session.commit()
        outbox().clear()
        ret.state, ret.assigned_to_id = SUBMITTED, people["retired_officer"].id
        return_moved.send(ret, action=SUBMIT, user=people["approver"], reason="", from_state=RETURNED, return_type=registry.get("sef"))
        db.session.commit()
        assert notices_to_council() == {"officer@council.example.org"}

    def test_who_reads_a_submission_is_worked_out_from_the_policys_deciders(self, setting):
        window, school, people = setting
        ret = completed_return(window, school, people)
        deciders = [people["officer"], people["quiet"], people["admin"]]
        assert notices.told_of_submission(ret, deciders) == [people["officer"]]
        ret.assigned_to_id = people["admin"].id
        assert notices.told_of_submission(ret, deciders) == [people["admin"]]
        # A type whose policy names one deciding officer: they alone, if they want it.
        ret.assigned_to_id = None
        assert notices.told_of_submission(ret, [people["quiet"]]) == []

    def test_over_http_the_approver_submits_and_the_right_people_hear(self, app, setting):
        window, school, people = setting
        ret = completed_return(window, school, people)
        client = client_for(app, people["approver"])
        token = csrf_token(client, f"/returns/{ret.id}/check")
        response = client.post(f"/returns/{ret.id}/check", data={"declaration": "y", "csrf_token": token})
        assert response.status_code == 303
        assert {mail.to for mail in outbox()} == SCHOOL_PEOPLE | {"officer@council.example.org"}


class TestTheSetting:
    def test_a_new_account_has_submission_notices_on(self, setting):
        # As an account made before this setting existed, or by SQL that does not name it: the
        # database's own default, not the model's.
        db.session.execute(
            text(
                "INSERT INTO users (email, name, role, active, approver, session_version, failed_sign_ins, created_at) "
                "VALUES ('new@council.example.org', 'New Officer', 'officer', :yes, :no, 1, 0, :now)"
            ),
            {"yes": True, "no": False, "now": utcnow()},
        )
        assert db.session.scalar(select(User.submission_notices).where(User.email == "new@council.example.org")) is True

    def test_an_officer_turns_it_off_and_on_again_under_your_account(self, app, setting):
        window, school, people = setting
        officer = people["officer"]
        client = client_for(app, officer)
        account = unescape(client.get("/account").get_data(as_text=True))
        assert "When a school submits a return" in account and 'href="/account/notices"' in account
        page = client.get("/account/notices").get_data(as_text=True)
        assert re.search(r'<input[^>]*value="yes"[^>]*checked', page)
        token = csrf_token(client, "/account/notices")
        response = client.post("/account/notices", data={"submission_notices": "no", "csrf_token": token})
        assert response.status_code == 303 and response.headers["Location"] == "/account"
        assert db.session.get(User, officer.id).submission_notices is False
        shown = unescape(client.get("/account").get_data(as_text=True))
        assert "You will not be emailed when a school submits a return, unless it is assigned to you." in shown
        assert "govuk-notification-banner--success" in shown
        changed = db.session.scalars(select(AuditEvent).where(AuditEvent.event == "notice_setting_changed")).all()
        assert [(event.user_id, event.detail) for event in changed] == [(officer.id, {"submission_notices": False})]
        response = client.post("/account/notices", data={"submission_notices": "yes", "csrf_token": token})
        assert response.status_code == 303 and db.session.get(User, officer.id).submission_notices is True

    @pytest.mark.parametrize(
        "data",
        [{}, {"submission_notices": ""}, {"submission_notices": "maybe"}, {"submission_notices": "YES"},
         {"submission_notices": "<script>alert(1)</script>"}, {"submission_notices": "x" * 10_000}],
        ids=["nothing", "empty", "maybe", "capitals", "markup", "long"],
    )
    def test_a_wrong_value_is_a_field_error_and_changes_nothing(self, app, setting, data):
        window, school, people = setting
        client = client_for(app, people["officer"])
        token = csrf_token(client, "/account/notices")
        response = client.post("/account/notices", data={**data, "csrf_token": token})
        assert response.status_code == 422
        page = response.get_data(as_text=True)
        assert "Select yes if you want an email when a school submits a return" in page
        assert 'href="#submission_notices' in page and "<title>Error: " in page
        assert "<script>alert(1)</script>" not in page
        assert db.session.get(User, people["officer"].id).submission_notices is True

    @pytest.mark.parametrize("token", ["", "forged", None])
    def test_a_forged_or_missing_csrf_token_is_refused(self, app, setting, token):
        window, school, people = setting
        client = client_for(app, people["officer"])
        data = {"submission_notices": "no"} | ({} if token is None else {"csrf_token": token})
        response = client.post("/account/notices", data=data)
        assert response.status_code == 400
        assert db.session.get(User, people["officer"].id).submission_notices is True

    @pytest.mark.parametrize("who", ["contributor", "approver", "admin"])
    def test_only_officers_have_the_setting(self, app, setting, who):
        window, school, people = setting
        client = client_for(app, people[who])
        assert client.get("/account/notices").status_code == 404
        token = csrf_token(client, "/account")
        assert client.post("/account/notices", data={"submission_notices": "no", "csrf_token": token}).status_code == 404
        assert "When a school submits a return" not in client.get("/account").get_data(as_text=True)


# ---------------------------------------------------------------------------------------------
# Asking the approvers to sign off


def ask(client, ret):
    token = csrf_token(client, f"/returns/{ret.id}")
    return client.post(f"/returns/{ret.id}/ask-for-sign-off", data={"csrf_token": token})


def shown(client, ret) -> str:
    return unescape(client.get(f"/returns/{ret.id}").get_data(as_text=True))


class TestAskingForSignOff:
    def test_a_contributor_with_every_section_complete_asks_and_only_the_approvers_hear(self, app, setting):
        window, school, people = setting
        ret = completed_return(window, school, people)
        db.session.commit()
        client = client_for(app, people["contributor"])
        page = shown(client, ret)
        assert "Ask the approvers to sign off" in page and f'action="/returns/{ret.id}/ask-for-sign-off"' in page
        response = ask(client, ret)
        assert response.status_code == 303 and response.headers["Location"] == f"/returns/{ret.id}"
        assert {mail.to for mail in outbox()} == APPROVERS
        mail = next(mail for mail in outbox() if mail.to == "head@alderbrook.example.org")
        assert mail.subject == "Cara Contributor asks you to sign off Alderbrook Primary School's self-evaluation (autumn 2026)"
        assert mail.body.startswith("Dear Hana Head,") and "Cara Contributor has completed every section" in mail.body
        assert f"https://golden-thread.test/returns/{ret.id}/check\n" in mail.body and PRIVATE_ANSWER not in mail.body
        banner = shown(client, ret)
        assert "We have emailed Dev Deputy and Hana Head to ask them to check the return and submit it." in banner
        assert "govuk-notification-banner--success" in banner
        asked = db.session.scalars(select(AuditEvent).where(AuditEvent.event == "sign_off_requested")).all()
        assert [(event.user_id, event.detail["return_id"]) for event in asked] == [(people["contributor"].id, ret.id)]
        assert db.session.get(Return, ret.id).state == "draft", "asking moves nothing"

    def test_asking_again_within_ten_minutes_is_refused_and_said_so(self, app, factory, setting, monkeypatch):
        window, school, people = setting
        ret = completed_return(window, school, people)
        db.session.commit()
        client = client_for(app, people["contributor"])
        assert ask(client, ret).status_code == 303
        outbox().clear()
        assert ask(client, ret).status_code == 303
        assert outbox() == []
        page = shown(client, ret)
        assert "You asked for sign-off at " in page and "so the approvers have not been emailed again" in page
        assert "You can ask again from " in page
        # A colleague may ask about the same return; and after ten minutes, so may the first again.
        colleague = factory.user(Role.SCHOOL, school=school, name="Sol Staff")
        assert ask(client_for(app, colleague), ret).status_code == 303 and {mail.to for mail in outbox()} == APPROVERS
        outbox().clear()
        later = utcnow() + timedelta(minutes=11)
        monkeypatch.setattr(notices, "utcnow", lambda: later)
        assert ask(client, ret).status_code == 303 and {mail.to for mail in outbox()} == APPROVERS

    @pytest.mark.parametrize("who", ["other_school", "officer", "admin"])
    def test_anyone_with_no_part_in_the_return_gets_404(self, app, setting, who):
        window, school, people = setting
        ret = completed_return(window, school, people)
        db.session.commit()
        client = client_for(app, people[who])
        token = csrf_token(client, "/accessibility")
        assert client.post(f"/returns/{ret.id}/ask-for-sign-off", data={"csrf_token": token}).status_code == 404
        assert outbox() == []

    def test_anonymous_is_sent_to_sign_in(self, client, setting):
        window, school, people = setting
        ret = completed_return(window, school, people)
        token = csrf_token(client, "/accessibility")
        response = client.post(f"/returns/{ret.id}/ask-for-sign-off", data={"csrf_token": token})
        assert response.status_code == 302 and "/sign-in?next=" in response.headers["Location"]
        assert outbox() == []

    def test_an_approver_is_told_to_submit_it_themselves(self, app, setting):
        window, school, people = setting
        ret = completed_return(window, school, people)
        db.session.commit()
        client = client_for(app, people["approver"])
        assert "to sign off" not in shown(client, ret).split("Check and submit")[1].split("Check your answers")[0]
        assert ask(client, ret).status_code == 303
        assert outbox() == [] and "You can sign off this return yourself" in shown(client, ret)

    def test_an_incomplete_return_has_no_button_and_is_refused(self, app, setting):
        window, school, people = setting
        ret = lifecycle.start(people["contributor"], window, school)
        db.session.commit()
        client = client_for(app, people["contributor"])
        assert "to sign off" not in shown(client, ret)
        assert ask(client, ret).status_code == 303
        assert outbox() == [] and "Complete every section before you ask for sign-off." in shown(client, ret)

    def test_a_submitted_return_is_refused(self, app, setting):
        window, school, people = setting
        ret = completed_return(window, school, people)
        lifecycle.perform(SUBMIT, ret, people["approver"])
        db.session.commit()
        outbox().clear()
        client = client_for(app, people["contributor"])
        assert "to sign off" not in shown(client, ret)
        assert ask(client, ret).status_code == 303
        assert outbox() == [] and "This return has been submitted" in shown(client, ret)

    def test_a_school_with_no_approver_is_told_whom_to_ask(self, app, setting):
        window, school, people = setting
        people["approver"].approver = people["deputy"].approver = False
        ret = completed_return(window, school, people)
        db.session.commit()
        client = client_for(app, people["contributor"])
        assert "to sign off" not in shown(client, ret)
        assert ask(client, ret).status_code == 303
        assert outbox() == [] and "Nobody at your school can sign off returns yet" in shown(client, ret)

    @pytest.mark.parametrize("token", ["", "forged", None])
    def test_a_forged_or_missing_csrf_token_is_refused(self, app, setting, token):
        window, school, people = setting
        ret = completed_return(window, school, people)
        db.session.commit()
        client = client_for(app, people["contributor"])
        data = {} if token is None else {"csrf_token": token}
        assert client.post(f"/returns/{ret.id}/ask-for-sign-off", data=data).status_code == 400
        assert client.get(f"/returns/{ret.id}/ask-for-sign-off").status_code == 405
        assert outbox() == []

    def test_htmx_gets_a_redirect_header(self, app, setting):
        window, school, people = setting
        ret = completed_return(window, school, people)
        db.session.commit()
        client = client_for(app, people["contributor"])
        token = csrf_token(client, f"/returns/{ret.id}")
        response = client.post(f"/returns/{ret.id}/ask-for-sign-off", headers={"HX-Request": "true", "X-CSRFToken": token})
        assert response.status_code == 204 and response.headers["HX-Redirect"] == f"/returns/{ret.id}"
        assert {mail.to for mail in outbox()} == APPROVERS


# ---------------------------------------------------------------------------------------------
# Links in mail open the server that sent them


class TestBaseUrl:
    @pytest.mark.parametrize(
        "environ, expected",
        [
            ({}, "http://127.0.0.1:5000"),
            ({"BASE_URL": ""}, "http://127.0.0.1:5000"),
            ({"BASE_URL": "  "}, "http://127.0.0.1:5000"),
            ({"BASE_URL": "https://golden-thread.fenmoor.gov.example/"}, "https://golden-thread.fenmoor.gov.example"),
            ({"BASE_URL": "http://127.0.0.1:8080", "PORT": "9000"}, "http://127.0.0.1:8080"),
        ],
    )
    def test_the_setting_is_base_url_without_a_trailing_slash(self, environ, expected):
        assert base_url(environ) == expected

    @pytest.mark.parametrize(
        "environ, arguments, expected",
        [
            ({}, [], "http://127.0.0.1:5000"),
            ({"PORT": "8123"}, [], "http://127.0.0.1:8123"),
            ({}, ["PORT=8124"], "http://127.0.0.1:8124"),
            ({"PORT": "8125", "BASE_URL": ""}, [], "http://127.0.0.1:8125"),
            ({"PORT": "8126", "BASE_URL": "https://golden-thread.example"}, [], "https://golden-thread.example"),
        ],
        ids=["default", "port-from-environment", "port-on-command-line", "empty-base-url", "base-url-wins"],
    )
    def test_make_run_gives_the_app_the_address_it_serves_on(self, tmp_path, environ, arguments, expected):
        """`make -n run` prints the run recipe without running it; a prerequisite added from a second
        makefile runs anyway (+) and prints the BASE_URL that `run` exports to its commands."""
        probe = tmp_path / "probe.mk"
        probe.write_text("run: probe-base-url\nprobe-base-url:\n\t+@echo \"probe BASE_URL=$$BASE_URL\"\n")
        env = {key: value for key, value in os.environ.items() if key not in ("BASE_URL", "PORT", "MAKEFLAGS", "MFLAGS")} | environ
        result = subprocess.run(
            ["make", "--no-print-directory", "-n", "-f", "Makefile", "-f", str(probe), "run", *arguments],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
        )
        assert result.returncode == 0, result.stderr
        printed = [line for line in result.stdout.splitlines() if line.startswith("probe BASE_URL=")]
        assert printed == [f"probe BASE_URL={expected}"], result.stdout
        port = expected.rsplit(":", 1)[-1] if "127.0.0.1" in expected else None
        if port:
            assert f"--port {port}" in result.stdout, "the link's port is the port served on"
