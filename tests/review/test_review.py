"""Officers' review over HTTP: the queue, taking and assigning, the review page (always the snapshot),
returning for changes, accepting, reopening; printing and comparing; who may reach what; hostile input;
and queries that do not grow with the borough."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Return, ReturnSection, ReturnTransition, ReviewNote, Role, SectionComment, Submission
from app.models.returns import ACCEPTED, DRAFT, RETURNED, SUBMITTED
from app.models.types import utcnow
from app.engine import lifecycle, reviews
from app.engine.history import history_of, submissions_of
from app.engine.lifecycle import SUBMIT, TAKE, LifecycleError
from tests.conftest import sign_in
from tests.returns.test_sef_sections import database_state
from tests.review.conftest import TODAY, make_window, post


def client_for(app, user):
    client = app.test_client()
    sign_in(client, user)
    return client


def text_of(response) -> str:
    return response.get_data(as_text=True)


def main_of(response) -> str:
    page = text_of(response)
    return page[page.index("<main"):page.index("</main>")]


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def submit_at(setting, school, when, window=None):
    approver = setting.factory.user(Role.SCHOOL, school=school, approver=True)
    previous = setting.window
    setting.window = window or previous
    ret = setting.return_in(DRAFT, school=school, approver=approver)
    setting.window = previous
    lifecycle.perform(SUBMIT, ret, approver, now=when)
    return ret


# The queue.


class TestQueue:
    def test_oldest_first_late_marked_and_who_has_taken_each(self, app, setting, factory):
        now = utcnow()
        late_window = make_window("Self-evaluation, summer 2026", period="summer", opens_on=TODAY - timedelta(days=60), due_on=TODAY - timedelta(days=30))
        recent = submit_at(setting, factory.school(name="Ash Primary"), now - timedelta(days=2))
        oldest = submit_at(setting, factory.school(name="Beech Primary"), now - timedelta(days=6), window=late_window)
        middle = submit_at(setting, factory.school(name="Cedar Primary"), now - timedelta(days=4))
        setting.return_in(DRAFT, school=factory.school(name="Draft Primary"))
        lifecycle.perform(TAKE, middle, setting.colleague, now=now - timedelta(days=3))
        assert oldest.late and not recent.late

        page = main_of(client_for(app, setting.officer).get("/review"))
        rows = re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', page, re.S)[1:4]
        assert [re.search(r"(\w+) Primary", row).group(0) for row in rows] == ["Beech Primary", "Cedar Primary", "Ash Primary"]
        assert "Draft Primary" not in page
        assert "Late" in rows[0] and "Late" not in rows[1] and "Late" not in rows[2]
        assert "Waiting 6 days" in rows[0]
        assert "Taken by Alex Colleague 3 days ago" in rows[1]
        assert "Not taken" in rows[0] and "Not taken" in rows[2]
        # A Take button for each untaken row only.
        assert f"/returns/{oldest.id}/take" in rows[0] and f"/returns/{middle.id}/take" not in rows[1]
        assert f"/returns/{recent.id}/review" in rows[2]

    def test_empty_queue_says_so(self, officer_client):
        response = officer_client.get("/review")
        assert response.status_code == 200
        assert "No returns are waiting for review" in text_of(response)

    def test_returned_and_accepted_are_counted_per_window(self, app, setting, factory):
        setting.return_in(RETURNED)
        setting.return_in(ACCEPTED, school=setting.other_school, approver=setting.other_approver)
        counts = reviews.window_counts()
        assert (counts[0].submitted, counts[0].returned, counts[0].accepted) == (0, 1, 1)
        # Each figure opens the window's tracker at the schools it counts.
        page = main_of(client_for(app, setting.officer).get("/review"))
        window_id = counts[0].window_id
        for state in ("submitted", "returned", "accepted"):
            assert f'href="/tracker/{window_id}?state={state}"' in page
        tracker = client_for(app, setting.officer).get(f"/tracker/{window_id}?state=returned")
        assert tracker.status_code == 200 and "Choose a state from the list" not in tracker.text

    def test_the_navigation_leads_officers_to_the_queue(self, officer_client):
        page = text_of(officer_client.get("/review"))
        assert 'href="/review"' in page and "Returns to review" in page


# Taking and assigning.


class TestTakeAndAssign:
    def test_take_from_the_queue(self, app, setting):
        ret = setting.return_in(SUBMITTED)
        client = client_for(app, setting.officer)
        response = post(client, f"/returns/{ret.id}/take", {"next": "/review"})
        assert response.status_code == 303 and response.headers["Location"] == "/review"
        db.session.refresh(ret)
        assert ret.assigned_to_id == setting.officer.id and ret.assigned_at is not None
        last = db.session.scalar(select(ReturnTransition).order_by(ReturnTransition.id.desc()))
        assert (last.action, last.by_id) == ("take", setting.officer.id)
        assert "Taken by you today" in text_of(client.get("/review"))

    def test_a_second_officer_taking_gets_a_clear_message_not_an_error(self, app, setting):
        ret = setting.return_in(SUBMITTED)
        first, second = client_for(app, setting.officer), client_for(app, setting.colleague)
        assert post(first, f"/returns/{ret.id}/take").status_code == 303
        transitions, before = count(ReturnTransition), database_state()
        response = post(second, f"/returns/{ret.id}/take", {"next": "/review"})
        assert response.status_code == 303
        assert database_state() == before  # a refusal, though a 303
        assert "Another officer has just taken this return" in text_of(second.get(response.headers["Location"]))
        db.session.refresh(ret)
        assert ret.assigned_to_id == setting.officer.id
        assert count(ReturnTransition) == transitions

    def test_a_next_address_off_the_site_is_ignored(self, app, setting):
        ret = setting.return_in(SUBMITTED)
        response = post(client_for(app, setting.officer), f"/returns/{ret.id}/take", {"next": "https://evil.example/"})
        assert response.headers["Location"] == f"/returns/{ret.id}/review"

    def test_assign_to_a_colleague(self, app, setting):
        ret = setting.return_in(SUBMITTED)
        client = client_for(app, setting.officer)
        response = post(client, f"/returns/{ret.id}/assign", {"officer": str(setting.colleague.id), "held_by": ""})
        assert response.status_code == 303
        db.session.refresh(ret)
        assert ret.assigned_to_id == setting.colleague.id
        last = db.session.scalar(select(ReturnTransition).order_by(ReturnTransition.id.desc()))
        assert (last.action, last.by_id, last.reason) == ("assign", setting.officer.id, "Assigned to Alex Colleague")
        assert "Taken by Alex Colleague today" in text_of(client.get("/review"))

    def test_moving_a_return_someone_has_just_taken_is_refused_with_a_message(self, app, setting, factory):
        ret = setting.return_in(SUBMITTED)
        client = client_for(app, setting.officer)
        lifecycle.perform(TAKE, ret, setting.colleague)  # meanwhile, a colleague takes it
        third = factory.user(Role.ADMIN, name="Pat Admin")
        before = database_state()
        response = post(client, f"/returns/{ret.id}/assign", {"officer": str(third.id), "held_by": ""})
        assert response.status_code == 303
        assert database_state() == before  # a refusal, though a 303
        assert "Another officer has just taken this return" in text_of(client.get(response.headers["Location"]))
        db.session.refresh(ret)
        assert ret.assigned_to_id == setting.colleague.id
        # Seen as the colleague's, it can be moved on.
        response = post(client, f"/returns/{ret.id}/assign", {"officer": str(third.id), "held_by": str(setting.colleague.id)})
        db.session.refresh(ret)
        assert ret.assigned_to_id == third.id

    @pytest.mark.parametrize("target", ["school_user", "inactive_officer", "nobody", ""])
    def test_assigning_to_anyone_but_an_active_officer_is_refused(self, app, setting, factory, target):
        ret = setting.return_in(SUBMITTED)
        people = {
            "school_user": str(setting.approver.id),
            "inactive_officer": str(factory.user(Role.OFFICER, active=False).id),
            "nobody": "999999",
            "": "",
        }
        transitions = count(ReturnTransition)
        client = client_for(app, setting.officer)
        before = database_state()
        response = post(client, f"/returns/{ret.id}/assign", {"officer": people[target]})
        assert response.status_code == 422
        assert "Select an officer" in text_of(response)
        assert database_state() == before
        db.session.refresh(ret)
        assert ret.assigned_to_id is None and count(ReturnTransition) == transitions

    def test_the_service_refuses_a_school_user_as_the_target(self, setting):
        ret = setting.return_in(SUBMITTED)
        with pytest.raises(LifecycleError, match="active"):
            lifecycle.assign(ret, setting.officer, setting.approver)
        with pytest.raises(LifecycleError):
            lifecycle.assign(ret, setting.approver, setting.officer)  # nor may a school user assign


# The review page.


def review_data(setting, decision: str, **fields) -> dict:
    data = {"decision": decision}
    data.update(fields)
    return data


class TestReviewPage:
    def test_shows_the_snapshot_not_the_working_copy(self, app, setting):
        ret = setting.return_in(SUBMITTED)
        working = db.session.scalar(select(ReturnSection).where(ReturnSection.return_id == ret.id, ReturnSection.key == "inclusion"))
        working.answers = {**working.answers, "strengths": "Changed after submitting"}
        db.session.flush()
        page = text_of(client_for(app, setting.officer).get(f"/returns/{ret.id}/review"))
        assert "Reading is taught well" in page and "Changed after submitting" not in page
        assert "Oakfield Primary" in page and "Self-evaluation, autumn 2026" in page
        assert "Submission 1 of 1" in page and "Hana Head" in page
        assert 'name="comment_inclusion"' in page and 'name="note"' in page
        assert "the school never sees this" in page
        assert "govuk-character-count" in page and 'data-maxlength="5000"' in page

    def test_late_submissions_are_tagged(self, app, setting):
        ret = setting.return_in(SUBMITTED)
        ret.late = True
        db.session.flush()
        assert "govuk-tag--red\">Late" in text_of(client_for(app, setting.officer).get(f"/returns/{ret.id}/review"))

    def test_save_comments_and_note(self, app, setting):
        ret = setting.return_in(SUBMITTED)
        client = client_for(app, setting.officer)
        response = post(client, f"/returns/{ret.id}/review", review_data(setting, "save", comment_inclusion="More on SEND", note="Ring the head"))
        assert response.status_code == 303
        submission = db.session.scalar(select(Submission).where(Submission.return_id == ret.id))
        assert {c.section_key: c.text for c in reviews.comments_on(submission).values()} == {"inclusion": "More on SEND"}
        assert reviews.note_on(submission).text == "Ring the head"
        page = text_of(client.get(f"/returns/{ret.id}/review"))
        assert "More on SEND" in page and "Ring the head" in page
        # Saving again changes the same rows, never a second one.
        post(client, f"/returns/{ret.id}/review", review_data(setting, "save", comment_inclusion="Even more on SEND", note=""))
        assert count(SectionComment) == 1 and reviews.comments_on(submission)["inclusion"].text == "Even more on SEND"
        assert count(ReviewNote) == 1 and reviews.note_on(submission).text == ""
        db.session.refresh(ret)
        assert ret.state == SUBMITTED

    def test_return_for_changes_needs_a_reason_and_stores_nothing_without_one(self, app, setting):
        ret = setting.return_in(SUBMITTED)
        client = client_for(app, setting.officer)
        transitions, before = count(ReturnTransition), database_state()
        response = post(client, f"/returns/{ret.id}/review", review_data(setting, "return", comment_inclusion="More on SEND", note="Hmm", reason="  "))
        assert response.status_code == 422
        assert database_state() == before
        page = text_of(response)
        assert "govuk-error-summary" in page and "Enter the reason for returning it" in page
        assert "<title>Error:" in page
        assert "More on SEND" in page  # what the officer typed is kept on the page
        db.session.refresh(ret)
        assert ret.state == SUBMITTED
        assert count(SectionComment) == 0 and count(ReviewNote) == 0 and count(ReturnTransition) == transitions

    def test_return_for_changes_sends_the_reason_and_comments_to_the_school(self, app, setting):
        ret = setting.return_in(SUBMITTED)
        client = client_for(app, setting.officer)
        response = post(
            client, f"/returns/{ret.id}/review",
            review_data(setting, "return", comment_inclusion="Add SEND evidence", comment_context="", note="Internal only", reason="The inclusion section needs evidence"),
        )
        assert response.status_code == 303 and response.headers["Location"] == "/review"
        db.session.refresh(ret)
        assert ret.state == RETURNED
        assert reviews.comments_for_school(ret) == {"inclusion": "Add SEND evidence"}
        last = history_of(ret)[-1].transition
        assert (last.action, last.reason, last.by_id) == ("return_for_changes", "The inclusion section needs evidence", setting.officer.id)
        # Afterwards the page is read-only and shows what was sent.
        page = text_of(client.get(f"/returns/{ret.id}/review"))
        assert 'name="comment_inclusion"' not in page
        assert "Add SEND evidence" in page and "The inclusion section needs evidence" in page
        # The school's print view shows the reason and comments, never the note.
        school_page = text_of(client_for(app, setting.approver).get(f"/returns/{ret.id}/submissions/1"))
        assert "Add SEND evidence" in school_page and "The inclusion section needs evidence" in school_page
        assert "Internal only" not in school_page and "Internal note" not in school_page

    def test_accept(self, app, setting):
        ret = setting.return_in(SUBMITTED)
        response = post(client_for(app, setting.officer), f"/returns/{ret.id}/review", review_data(setting, "accept", comment_priorities="Good priorities"))
        assert response.status_code == 303
        db.session.refresh(ret)
        assert ret.state == ACCEPTED
        assert history_of(ret)[-1].transition.action == "accept"
        submission = db.session.scalar(select(Submission).where(Submission.return_id == ret.id))
        assert reviews.comments_on(submission)["priorities"].text == "Good priorities"

    def test_a_return_no_longer_waiting_is_read_only_and_a_late_post_changes_nothing(self, app, setting):
        ret = setting.return_in(ACCEPTED)
        client = client_for(app, setting.officer)
        page = text_of(client.get(f"/returns/{ret.id}/review"))
        assert 'name="decision"' not in page and "Reopen this return" in page
        before = database_state()
        response = post(client, f"/returns/{ret.id}/review", review_data(setting, "return", reason="Again", comment_inclusion="x"))
        assert response.status_code == 409
        assert database_state() == before
        db.session.refresh(ret)
        assert ret.state == ACCEPTED and count(SectionComment) == 0

    def test_a_colleague_deciding_first_is_a_clear_problem_and_what_was_typed_stays_on_screen(self, app, setting):
        ret = setting.return_in(SUBMITTED)
        client = client_for(app, setting.officer)
        assert 'name="decision"' in text_of(client.get(f"/returns/{ret.id}/review"))
        lifecycle.perform(lifecycle.ACCEPT, ret, setting.colleague)  # meanwhile
        before = database_state()
        response = post(client, f"/returns/{ret.id}/review", review_data(setting, "return", reason="Needs work", comment_inclusion="Typed with care"))
        assert response.status_code == 409
        assert database_state() == before
        page = text_of(response)
        assert "no longer waiting for review (it is accepted)" in page and "govuk-error-summary" in page
        assert "Typed with care" in page and "Needs work" in page and 'id="unsaved"' in page
        db.session.refresh(ret)
        assert ret.state == ACCEPTED and count(SectionComment) == 0

    def test_a_refused_decision_keeps_none_of_its_comments(self, setting):
        ret = setting.return_in(SUBMITTED)
        submission = db.session.scalar(select(Submission).where(Submission.return_id == ret.id))
        before = database_state()
        with pytest.raises(LifecycleError, match="reason"):
            reviews.decide(lifecycle.RETURN_FOR_CHANGES, ret, submission, setting.officer, {"inclusion": "Kept?"}, "Note?", reason="")
        assert database_state() == before
        assert count(SectionComment) == 0 and count(ReviewNote) == 0 and ret.state == SUBMITTED

    def test_comments_cannot_be_written_once_a_colleague_has_decided(self, setting):
        ret = setting.return_in(SUBMITTED)
        submission = db.session.scalar(select(Submission).where(Submission.return_id == ret.id))
        lifecycle.perform(lifecycle.ACCEPT, ret, setting.colleague)
        before = database_state()
        with pytest.raises(reviews.ReviewError, match="no longer waiting"):
            reviews.save_review(ret, submission, setting.officer, {"inclusion": "Too late"}, "")
        assert database_state() == before
        assert count(SectionComment) == 0

    def test_a_decision_refused_at_the_last_moment_is_shown_on_the_page(self, app, setting, monkeypatch):
        ret = setting.return_in(SUBMITTED)

        def refused(*args, **kwargs):
            raise LifecycleError("Another officer has just decided on this return")

        monkeypatch.setattr(reviews.lifecycle, "perform", refused)
        client = client_for(app, setting.officer)
        before = database_state()
        response = post(client, f"/returns/{ret.id}/review", review_data(setting, "accept", comment_inclusion="Typed with care"))
        assert response.status_code == 409
        assert database_state() == before
        page = text_of(response)
        assert "govuk-error-summary" in page and "Another officer has just decided on this return" in page
        assert "Typed with care" in page  # nothing the officer typed is lost
        assert count(SectionComment) == 0

    def test_history_lists_every_move_with_who_and_why(self, app, setting):
        ret = setting.return_in(RETURNED)
        lifecycle.perform(SUBMIT, ret, setting.approver)
        page = main_of(client_for(app, setting.officer).get(f"/returns/{ret.id}/review"))
        history = page[page.index("History"):]
        for words in ("Started", "Submitted", "Returned for changes", "Add evidence", "Hana Head", "Sam Officer"):
            assert words in history
        assert "Submission 2 of 2" in page and f"/returns/{ret.id}/compare" in page

    def test_a_return_never_submitted_has_nothing_to_review(self, app, setting):
        ret = setting.return_in(DRAFT)
        response = client_for(app, setting.officer).get(f"/returns/{ret.id}/review")
        assert response.status_code == 200 and "has not submitted this return yet" in text_of(response)


class TestHostileInput:
    def test_html_and_script_in_comments_come_back_escaped(self, app, setting):
        ret = setting.return_in(SUBMITTED)
        client = client_for(app, setting.officer)
        hostile = '<script>alert("x")</script><b>bold</b>'
        post(client, f"/returns/{ret.id}/review", review_data(setting, "return", comment_inclusion=hostile, note=hostile, reason=hostile))
        for path in (f"/returns/{ret.id}/review", f"/returns/{ret.id}/submissions/1"):
            page = text_of(client.get(path))
            assert "<script>alert" not in page and "<b>bold</b>" not in page
            assert "&lt;script&gt;alert" in page
        school_page = text_of(client_for(app, setting.approver).get(f"/returns/{ret.id}/submissions/1"))
        assert "<script>alert" not in school_page and "&lt;script&gt;alert" in school_page

    def test_a_comment_over_5000_characters_is_refused_and_nothing_stored(self, app, setting):
        ret = setting.return_in(SUBMITTED)
        client = client_for(app, setting.officer)
        before = database_state()
        response = post(client, f"/returns/{ret.id}/review", review_data(setting, "return", comment_inclusion="x" * 5001, reason="Fine"))
        assert response.status_code == 422
        assert database_state() == before
        assert "must be 5,000 characters or fewer" in text_of(response)
        db.session.refresh(ret)
        assert ret.state == SUBMITTED and count(SectionComment) == 0

    def test_exactly_5000_characters_is_fine(self, app, setting):
        ret = setting.return_in(SUBMITTED)
        response = post(client_for(app, setting.officer), f"/returns/{ret.id}/review", review_data(setting, "save", comment_inclusion="x" * 5000))
        assert response.status_code == 303 and count(SectionComment) == 1

    @pytest.mark.parametrize("token", ["forged", None])
    @pytest.mark.parametrize("action", ["review", "take", "assign", "reopen"])
    def test_a_forged_or_missing_csrf_token_changes_nothing(self, app, setting, token, action):
        ret = setting.return_in(ACCEPTED if action == "reopen" else SUBMITTED)
        data = {"review": review_data(setting, "accept"), "take": {}, "assign": {"officer": str(setting.colleague.id)}, "reopen": {"reason": "Because"}}[action]
        state, transitions = ret.state, count(ReturnTransition)
        client = client_for(app, setting.officer)
        before = database_state()
        response = post(client, f"/returns/{ret.id}/{action}", data, token=token)
        assert response.status_code == 400
        assert database_state() == before
        db.session.refresh(ret)
        assert ret.assigned_to_id is None and ret.state == state and count(ReturnTransition) == transitions

    def test_an_unknown_decision_only_saves(self, app, setting):
        ret = setting.return_in(SUBMITTED)
        response = post(client_for(app, setting.officer), f"/returns/{ret.id}/review", review_data(setting, "delete-everything", comment_inclusion="Hello"))
        assert response.status_code == 303
        db.session.refresh(ret)
        assert ret.state == SUBMITTED and count(SectionComment) == 1


# Reopening.


class TestReopen:
    def test_reopen_needs_a_reason(self, app, setting):
        ret = setting.return_in(ACCEPTED)
        client = client_for(app, setting.officer)
        assert client.get(f"/returns/{ret.id}/reopen").status_code == 200
        before = database_state()
        response = post(client, f"/returns/{ret.id}/reopen", {"reason": ""})
        assert response.status_code == 422 and "Enter why you are reopening this return" in text_of(response)
        assert database_state() == before
        db.session.refresh(ret)
        assert ret.state == ACCEPTED

    def test_reopen_in_a_closed_window_lets_the_school_submit_again(self, app, setting):
        ret = setting.return_in(ACCEPTED)
        setting.window.closed_at = utcnow()
        db.session.flush()
        response = post(client_for(app, setting.officer), f"/returns/{ret.id}/reopen", {"reason": "The priorities need LA tags"})
        assert response.status_code == 303
        db.session.refresh(ret)
        assert ret.state == RETURNED
        assert history_of(ret)[-1].transition.reason == "The priorities need LA tags"
        lifecycle.perform(SUBMIT, ret, setting.approver)
        assert ret.state == SUBMITTED

    def test_only_an_accepted_return_can_be_reopened(self, app, setting):
        ret = setting.return_in(SUBMITTED)
        client = client_for(app, setting.officer)
        before = database_state()
        response = post(client, f"/returns/{ret.id}/reopen", {"reason": "Why not"})
        assert response.status_code == 303
        assert database_state() == before  # a refusal, though a 303
        assert "Only an accepted return can be reopened" in text_of(client.get(response.headers["Location"]))
        db.session.refresh(ret)
        assert ret.state == SUBMITTED


# Who may reach what.


class TestPermissions:
    @pytest.mark.parametrize("method,path", [
        ("GET", "/review"), ("GET", "/returns/{id}/review"), ("POST", "/returns/{id}/review"), ("POST", "/returns/{id}/take"),
        ("POST", "/returns/{id}/assign"), ("GET", "/returns/{id}/reopen"), ("POST", "/returns/{id}/reopen"),
    ])
    def test_school_users_cannot_act_as_officers(self, app, setting, method, path):
        ret = setting.return_in(ACCEPTED if "reopen" in path else SUBMITTED)
        state = ret.state
        client = client_for(app, setting.approver)  # even on their own school's return
        url = path.format(id=ret.id)
        before = database_state()
        response = client.get(url) if method == "GET" else post(client, url, {"decision": "accept", "reason": "x", "officer": str(setting.approver.id)})
        assert response.status_code == 404
        assert database_state() == before
        db.session.refresh(ret)
        assert ret.state == state and ret.assigned_to_id is None

    @pytest.mark.parametrize("path", ["/returns/{id}/submissions/1", "/returns/{id}/compare", "/returns/{id}/compare?from=1&to=2"])
    def test_a_school_user_cannot_print_or_compare_another_schools_return(self, app, setting, path):
        ret = setting.return_in(SUBMITTED)
        assert client_for(app, setting.other_approver).get(path.format(id=ret.id)).status_code == 404
        assert client_for(app, setting.approver).get(path.format(id=ret.id)).status_code in (200, 422)

    def test_missing_returns_and_submissions_are_404(self, app, setting):
        ret = setting.return_in(SUBMITTED)
        client = client_for(app, setting.officer)
        assert client.get("/returns/999999/review").status_code == 404
        assert client.get(f"/returns/{ret.id}/submissions/7").status_code == 404
        assert client.get("/returns/999999/submissions/1").status_code == 404


# Printing.


class TestPrint:
    def test_officers_see_comments_and_the_note_the_school_sees_neither_while_under_review(self, app, setting):
        ret = setting.return_in(SUBMITTED)
        officer = client_for(app, setting.officer)
        post(officer, f"/returns/{ret.id}/review", review_data(setting, "save", comment_inclusion="Draft comment", note="Secret note"))
        officer_page = text_of(officer.get(f"/returns/{ret.id}/submissions/1"))
        assert "Draft comment" in officer_page and "Secret note" in officer_page
        school_page = text_of(client_for(app, setting.approver).get(f"/returns/{ret.id}/submissions/1"))
        assert "Reading is taught well" in school_page
        assert "Draft comment" not in school_page and "Secret note" not in school_page

    def test_an_old_submission_prints_as_it_was_sent(self, app, setting):
        ret = setting.return_in(RETURNED)
        working = db.session.scalar(select(ReturnSection).where(ReturnSection.return_id == ret.id, ReturnSection.key == "inclusion"))
        working.answers = {**working.answers, "strengths": "Second time round"}
        lifecycle.perform(SUBMIT, ret, setting.approver)
        client = client_for(app, setting.approver)
        first, second = text_of(client.get(f"/returns/{ret.id}/submissions/1")), text_of(client.get(f"/returns/{ret.id}/submissions/2"))
        assert "Reading is taught well" in first and "Second time round" not in first
        assert "Second time round" in second and "Submission 2 of 2" in second

    def test_print_styles_hide_the_page_chrome(self, app):
        import pathlib

        css = (pathlib.Path(app.root_path) / "static/dist/main.css").read_text()
        assert "@media print" in css and ".govuk-service-navigation" in css
        assert re.search(r"@media print\{[^@]*\.govuk-header", css)


# Comparing.


class TestCompare:
    def returned_and_resubmitted(self, setting):
        ret = setting.return_in(RETURNED)
        working = db.session.scalar(select(ReturnSection).where(ReturnSection.return_id == ret.id, ReturnSection.key == "inclusion"))
        working.answers = {**working.answers, "strengths": "Reading is taught very well", "grade": "exceptional"}
        lifecycle.perform(SUBMIT, ret, setting.approver)
        return ret

    def test_changed_fields_are_marked_with_words_not_colour_alone(self, app, setting):
        ret = self.returned_and_resubmitted(setting)
        for user in (setting.officer, setting.approver):
            response = client_for(app, user).get(f"/returns/{ret.id}/compare?from=1&to=2")
            assert response.status_code == 200
            page = main_of(response)
            changed = page[page.index('id="section-inclusion"'):]
            changed = changed[:changed.index("unchanged")]
            assert "<del>Reading is taught well</del>" in changed and "<ins>Reading is taught very well</ins>" in changed
            assert "Changed" in changed and "<del>Strong standard</del>" in changed and "<ins>Exceptional</ins>" in changed
            # An unchanged answer is not marked as changed.
            assert "Writing at key stage 2" not in changed
            assert "Writing at key stage 2" in page

    def test_the_default_is_the_last_two_and_order_does_not_matter(self, app, setting):
        ret = self.returned_and_resubmitted(setting)
        client = client_for(app, setting.officer)
        assert "<ins>Reading is taught very well</ins>" in text_of(client.get(f"/returns/{ret.id}/compare"))
        assert "<ins>Reading is taught very well</ins>" in text_of(client.get(f"/returns/{ret.id}/compare?from=2&to=1"))

    @pytest.mark.parametrize("query", ["from=1&to=9", "from=x&to=2", "from=&to=", "from=1&to=1", "from=-1&to=2", "to=2", "from=1" + "0" * 400 + "&to=2"])
    def test_bad_numbers_get_a_clear_message_not_an_error(self, app, setting, query):
        ret = self.returned_and_resubmitted(setting)
        response = client_for(app, setting.officer).get(f"/returns/{ret.id}/compare?{query}")
        assert response.status_code == 422
        page = text_of(response)
        assert "govuk-error-summary" in page and ("Select a submission from the list" in page or "Select two different submissions" in page)

    def test_a_single_submission_has_nothing_to_compare(self, app, setting):
        ret = setting.return_in(SUBMITTED)
        response = client_for(app, setting.officer).get(f"/returns/{ret.id}/compare?from=1&to=2")
        assert response.status_code == 200 and "nothing to compare" in text_of(response)

    def test_rows_are_matched_by_key_across_sections(self, setting, factory):
        ret = self.returned_and_resubmitted(setting)
        earlier, later = [row.submission for row in submissions_of(ret)]
        school = db.session.get(type(setting.school), ret.school_id)
        sections = {section.key: section for section in reviews.compare(ret, school, earlier, later)}
        assert [row.key for row in sections["inclusion"].changed] == ["grade", "strengths"]
        assert not sections["context"].changed and sections["context"].unchanged


# Queries that do not grow with the borough.


def _submitted_returns(setting, factory, how_many: int):
    """Submitted returns straight into the tables (the lifecycle is tested elsewhere), half of them taken."""
    officers = [setting.officer, setting.colleague]
    now = utcnow()
    for n in range(how_many):
        school = factory.school()
        taken = officers[n % 2] if n % 3 else None
        ret = Return(
            window_id=setting.window.id, school_id=school.id, return_type="sef", form_version="ofsted-2025", state=SUBMITTED,
            late=bool(n % 4 == 0), first_submitted_at=now - timedelta(days=n % 9),
            assigned_to_id=taken.id if taken else None, assigned_at=now if taken else None,
        )
        db.session.add(ret)
        db.session.flush()
        db.session.add(Submission(return_id=ret.id, number=1, answers={}, form_version="ofsted-2025", submitted_by_id=setting.approver.id, submitted_at=now - timedelta(days=n % 9)))
    db.session.flush()


def test_query_counts_do_not_grow_with_the_number_of_returns(app, setting, factory, count_queries):
    ret = setting.return_in(SUBMITTED)
    lifecycle.perform(TAKE, ret, setting.colleague)
    client = client_for(app, setting.officer)
    post(client, f"/returns/{ret.id}/review", review_data(setting, "save", comment_inclusion="A comment", note="A note"))
    pages = ["/review", f"/returns/{ret.id}/review", f"/returns/{ret.id}/submissions/1"]

    def measure():
        found = {}
        for page in pages:
            with count_queries() as counter:
                assert client.get(page).status_code == 200
            found[page] = counter.count
        return found

    _submitted_returns(setting, factory, 5)
    few = measure()
    _submitted_returns(setting, factory, 195)
    assert db.session.scalar(select(func.count()).select_from(Return).where(Return.state == SUBMITTED)) == 201
    many = measure()
    assert many == few
    assert text_of(client.get("/review")).count("/take") == sum(1 for n in range(195) if not n % 3) + sum(1 for n in range(5) if not n % 3)
