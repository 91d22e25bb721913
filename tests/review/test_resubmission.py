"""An officer checks a resubmission in minutes (issue 13): a return sent back and submitted again goes
back to the officer who sent it, the review of submission N opens on what changed since N-1 beside
what officers said about N-1, and officers read the questions in their own words while the school
keeps its own."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import ReturnSection, Role
from app.models.returns import ACCEPTED, RETURNED, SUBMITTED
from app.engine import lifecycle, reviews
from app.engine.display import OFFICER, SCHOOL, answers_by_section
from app.engine.history import submissions_of
from app.engine.lifecycle import ACCEPT, REOPEN, RETURN_FOR_CHANGES, SUBMIT
from tests.conftest import sign_in
from tests.review.conftest import post

HOSTILE = '<script>alert("x")</script><b>bold</b>'


def client_for(app, user):
    client = app.test_client()
    sign_in(client, user)
    return client


def page_of(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    page = response.get_data(as_text=True)
    return page[page.index("<main"):page.index("</main>")]


def section_of(page: str, key: str) -> str:
    start = page.index(f'aria-labelledby="section-{key}"')
    return page[start:page.index("</section>", start)]


def queue_row(page: str, school_name: str) -> str:
    return next(row for row in re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', page, re.S) if school_name in row)


def returned_by(setting, officer, comments: dict[str, str] | None = None, reason: str = "Add evidence"):
    """A submitted return sent back by this officer, with these comments on its sections."""
    ret = setting.return_in(SUBMITTED)
    latest = submissions_of(ret)[-1].submission
    reviews.decide(RETURN_FOR_CHANGES, ret, latest, officer, comments or {}, None, reason=reason)
    db.session.flush()
    return ret


def change(ret, key: str, **answers) -> None:
    working = db.session.scalar(select(ReturnSection).where(ReturnSection.return_id == ret.id, ReturnSection.key == key))
    working.answers = {**working.answers, **answers}
    db.session.flush()


def resubmit(setting, ret) -> None:
    lifecycle.perform(SUBMIT, ret, setting.approver)
    db.session.flush()


# Back to its reviewer.


class TestBackToItsReviewer:
    def test_a_resubmission_goes_back_to_the_officer_who_returned_it(self, app, setting):
        ret = returned_by(setting, setting.colleague)
        assert ret.assigned_to_id is None, "while the school has it, nobody is reviewing it"
        change(ret, "inclusion", strengths="Reading is taught very well")
        resubmit(setting, ret)
        db.session.refresh(ret)
        assert ret.state == SUBMITTED
        assert ret.assigned_to_id == setting.colleague.id and ret.assigned_at is not None

        theirs = queue_row(page_of(client_for(app, setting.colleague), "/review"), "Oakfield Primary")
        assert "Taken by you today" in theirs and "Not taken" not in theirs
        assert "submission 2" in theirs
        assert f"/returns/{ret.id}/take" not in theirs
        others = queue_row(page_of(client_for(app, setting.officer), "/review"), "Oakfield Primary")
        assert "Taken by Alex Colleague today" in others and "Taken by you" not in others

    def test_the_review_page_says_it_is_yours(self, app, setting):
        ret = returned_by(setting, setting.colleague)
        resubmit(setting, ret)
        assert "Taken by you today" in page_of(client_for(app, setting.colleague), f"/returns/{ret.id}/review")
        assert "Taken by Alex Colleague today" in page_of(client_for(app, setting.officer), f"/returns/{ret.id}/review")

    def test_a_first_submission_is_not_taken(self, app, setting):
        ret = setting.return_in(SUBMITTED)
        assert ret.assigned_to_id is None and ret.assigned_at is None
        row = queue_row(page_of(client_for(app, setting.officer), "/review"), "Oakfield Primary")
        assert "Not taken" in row and f"/returns/{ret.id}/take" in row

    def test_it_goes_back_to_whoever_sent_it_back_last(self, app, setting):
        ret = setting.return_in(SUBMITTED)
        lifecycle.perform(lifecycle.TAKE, ret, setting.officer)
        lifecycle.perform(RETURN_FOR_CHANGES, ret, setting.officer, reason="First go")
        resubmit(setting, ret)
        assert ret.assigned_to_id == setting.officer.id
        lifecycle.assign(ret, setting.officer, setting.colleague, held_by_id=setting.officer.id)
        lifecycle.perform(RETURN_FOR_CHANGES, ret, setting.colleague, reason="Second go")
        resubmit(setting, ret)
        assert ret.assigned_to_id == setting.colleague.id

    def test_a_reopened_return_goes_back_to_the_officer_who_reopened_it(self, setting):
        ret = setting.return_in(SUBMITTED)
        lifecycle.perform(ACCEPT, ret, setting.officer)
        lifecycle.perform(REOPEN, ret, setting.colleague, reason="The grades need another look")
        resubmit(setting, ret)
        assert ret.assigned_to_id == setting.colleague.id

    def test_an_officer_who_has_left_leaves_it_for_anyone_to_take(self, app, setting):
        ret = returned_by(setting, setting.colleague)
        setting.colleague.active = False
        db.session.flush()
        resubmit(setting, ret)
        assert ret.assigned_to_id is None and ret.assigned_at is None
        assert "Not taken" in queue_row(page_of(client_for(app, setting.officer), "/review"), "Oakfield Primary")


# The review of a resubmission.


class TestReviewOfAResubmission:
    @pytest.fixture
    def resubmitted(self, setting):
        ret = returned_by(
            setting, setting.officer,
            {"inclusion": "Say how you know the SEND strategy works.", "safeguarding": HOSTILE},
        )
        change(ret, "inclusion", strengths="Reading is taught very well", grade="exceptional")
        resubmit(setting, ret)
        return ret

    def test_changed_sections_open_on_their_changes_beside_the_earlier_comment(self, app, setting, resubmitted):
        page = page_of(client_for(app, setting.officer), f"/returns/{resubmitted.id}/review")
        inclusion = section_of(page, "inclusion")
        assert "Changes since submission 1" in inclusion
        assert '<del class="gt-preserve-lines">Reading is taught well</del>' in inclusion
        assert '<ins class="gt-preserve-lines">Reading is taught very well</ins>' in inclusion
        assert "<del" in inclusion[inclusion.index("Self-evaluated grade"):] and "Exceptional</ins>" in inclusion
        assert "Your comment on submission 1" in inclusion and "Say how you know the SEND strategy works." in inclusion
        # The changes come first, then every answer of the section, then the box for this round's comment.
        assert inclusion.index("Changes since submission 1") < inclusion.index("All answers in submission 2") < inclusion.index('name="comment_inclusion"')
        assert "Writing at key stage 2" in inclusion[inclusion.index("All answers in submission 2"):]
        # The top of the page lists what changed, with a link to each section.
        summary = page[page.index('id="since-last"'):]
        summary = summary[:summary.index("</div>")]
        assert 'href="#section-inclusion">Inclusion</a> (2 changes)' in summary and "Safeguarding" not in summary

    def test_an_unchanged_section_says_so_with_its_earlier_comment(self, app, setting, resubmitted):
        page = page_of(client_for(app, setting.officer), f"/returns/{resubmitted.id}/review")
        safeguarding = section_of(page, "safeguarding")
        assert "No changes since submission 1" in safeguarding and "<ins" not in safeguarding
        assert "Your comment on submission 1" in safeguarding
        # Its answers are still there, folded away.
        assert "<details" in safeguarding and "A strong culture of safeguarding" in safeguarding
        context = section_of(page, "context")
        assert "No changes since submission 1" in context and "comment on submission 1" not in context.lower()

    def test_a_colleague_sees_whose_comment_it_was(self, app, setting, resubmitted):
        page = page_of(client_for(app, setting.colleague), f"/returns/{resubmitted.id}/review")
        assert "Comment on submission 1 by Sam Officer" in section_of(page, "inclusion")
        assert "Your comment" not in page

    def test_html_in_earlier_comments_and_changed_answers_comes_back_escaped(self, app, setting):
        ret = returned_by(setting, setting.officer, {"inclusion": HOSTILE})
        change(ret, "inclusion", strengths=HOSTILE)
        resubmit(setting, ret)
        inclusion = section_of(page_of(client_for(app, setting.officer), f"/returns/{ret.id}/review"), "inclusion")
        assert "<script>" not in inclusion and "<b>bold</b>" not in inclusion
        # Once as the earlier comment, once as the changed answer (and again among all the answers).
        assert inclusion.count("&lt;script&gt;alert") >= 3 and inclusion.count("&lt;b&gt;bold&lt;/b&gt;") >= 3

    def test_once_decided_the_page_still_opens_on_the_changes(self, app, setting, resubmitted):
        client = client_for(app, setting.officer)
        post(client, f"/returns/{resubmitted.id}/review", {"decision": "accept", "comment_inclusion": "Much better"})
        db.session.refresh(resubmitted)
        assert resubmitted.state == ACCEPTED
        inclusion = section_of(page_of(client, f"/returns/{resubmitted.id}/review"), "inclusion")
        assert "Changes since submission 1" in inclusion and "Your comment on submission 1" in inclusion
        assert "Comment on submission 2" in inclusion and "Much better" in inclusion

    def test_a_long_answer_edited_by_one_sentence_shows_only_that_sentence_as_changed(self, app, setting):
        officer = setting.officer
        ret = returned_by(setting, officer, {"inclusion": "Say how you know"})
        before = " ".join(f"Sentence {n} about inclusion and how the school knows it works." for n in range(60))
        change(ret, "inclusion", strengths=before)
        resubmit(setting, ret)
        returned_by_again = submissions_of(ret)[-1].submission
        reviews.decide(RETURN_FOR_CHANGES, ret, returned_by_again, officer, {"inclusion": "One more thing"}, None, reason="More")
        db.session.flush()
        change(ret, "inclusion", strengths=before + " The new sentence the officer asked for.")
        resubmit(setting, ret)
        inclusion = section_of(page_of(client_for(app, officer), f"/returns/{ret.id}/review"), "inclusion")
        inserted = re.findall(r"<ins[^>]*>(.*?)</ins>", inclusion, re.S)
        assert [re.sub(r"<[^>]+>", "", part).strip() for part in inserted if re.sub(r"<[^>]+>", "", part).strip()] == [
            "The new sentence the officer asked for."
        ]
        assert "<del" not in inclusion.split("Changes since submission 2")[1].split("All answers")[0]

    def test_a_first_submission_has_no_changes_to_show(self, app, setting):
        ret = setting.return_in(SUBMITTED)
        page = page_of(client_for(app, setting.officer), f"/returns/{ret.id}/review")
        assert "Changes since" not in page and 'id="since-last"' not in page
        assert "Reading is taught well" in page

    def test_comments_never_sent_are_not_shown_as_sent(self, app, setting):
        """A submission the school withdrew before anyone decided: the officer's saved comments on it
        never reached the school, so they are not "the comment on submission 1"."""
        ret = setting.return_in(SUBMITTED)
        latest = submissions_of(ret)[-1].submission
        reviews.save_review(ret, latest, setting.officer, {"inclusion": "Unsent thought"}, None)
        lifecycle.perform(lifecycle.WITHDRAW, ret, setting.approver)
        resubmit(setting, ret)
        page = page_of(client_for(app, setting.officer), f"/returns/{ret.id}/review")
        assert "Unsent thought" not in page and "No changes since submission 1" in page


# Officers' words and the school's.


class TestOfficerLabels:
    def test_the_section_form_gives_each_audience_its_words(self, setting):
        ret = setting.return_in(SUBMITTED)
        latest = submissions_of(ret)[-1].submission
        for audience, label in ((OFFICER, "Self-evaluated grade"), (SCHOOL, "Your self-evaluated grade")):
            sections = {item.section.key: item for item in answers_by_section("sef", latest.form_version, setting.school, latest.answers, ret, audience=audience)}
            assert sections["inclusion"].rows[0].label == label
            assert sections["inclusion"].rows[0].key == "grade"

    def test_officers_read_their_words_on_review_print_and_compare(self, app, setting):
        ret = returned_by(setting, setting.officer)
        change(ret, "inclusion", grade="exceptional")
        resubmit(setting, ret)
        client = client_for(app, setting.officer)
        for path in (f"/returns/{ret.id}/review", f"/returns/{ret.id}/submissions/2", f"/returns/{ret.id}/compare?from=1&to=2"):
            page = page_of(client, path)
            assert "Self-evaluated grade" in page, path
            assert "Your self-evaluated grade" not in page, path

    def test_the_school_keeps_its_own_words(self, app, setting):
        ret = returned_by(setting, setting.officer)
        school = client_for(app, setting.approver)
        assert "Your self-evaluated grade" in page_of(school, f"/returns/{ret.id}/check")
        change(ret, "inclusion", grade="exceptional")
        resubmit(setting, ret)
        for path in (f"/returns/{ret.id}/submissions/2", f"/returns/{ret.id}/compare?from=1&to=2"):
            assert "Your self-evaluated grade" in page_of(school, path), path

    def test_a_school_user_is_never_shown_officer_words_by_default(self, app, setting, factory):
        reader = factory.user(Role.SCHOOL, school=setting.school)
        ret = setting.return_in(RETURNED)
        assert "Your self-evaluated grade" in page_of(client_for(app, reader), f"/returns/{ret.id}/submissions/1")
