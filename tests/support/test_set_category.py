"""The officer's form that sets a school's support category, the school's own view of it, the
published criteria and the list of reviews that have fallen due: through HTTP."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.formatting import govuk_date
from app.models import Role
from app.models.support import SupportDecision
from app.models.types import utcnow
from app.support import criteria as criteria_data
from tests.conftest import csrf_token

TODAY = utcnow().date()  # the tests run far from midnight in London often enough; the form's rule is checked against London's day
NEXT_TERM = TODAY + timedelta(days=90)


def date_parts(day):
    return [str(day.day), str(day.month), str(day.year)]


def decisions_count() -> int:
    return db.session.scalar(select(func.count()).select_from(SupportDecision))


def post(client, school, token=None, **fields):
    data = {"category": "amber", "reason": "Attendance needs attention", "departure": "", "review_on": date_parts(NEXT_TERM)}
    data.update(fields)
    data = {key: value for key, value in data.items() if value is not None}
    data["csrf_token"] = token or csrf_token(client, f"/schools/{school.id}/support")
    return client.post(f"/schools/{school.id}/support", data=data)


@pytest.fixture
def amber_school(setting):
    setting.sef({"achievement": "needs_attention"})
    return setting


def test_the_officer_reads_the_suggestion_with_its_evidence_on_the_form(amber_school):
    page = amber_school.client(amber_school.officer).get(f"/schools/{amber_school.school.id}/support").text
    assert "Suggested:" in page and 'data-category="amber"' in page[page.index('id="suggestion"'):]
    assert "An area is graded needs attention in the latest accepted self-evaluation" in page
    assert "Achievement: needs attention" in page
    suggestion = page[page.index('id="suggestion"'):page.index(f'action="/schools/{amber_school.school.id}/support"')]
    assert 'href="/returns/' in suggestion and "/submissions/1" in suggestion


def test_agreeing_with_the_suggestion_needs_only_a_reason_and_shows_on_the_school_page(amber_school):
    client = amber_school.client(amber_school.officer)
    response = post(client, amber_school.school)
    assert response.status_code == 303 and response.location.endswith(f"/schools/{amber_school.school.id}#support")
    page = client.get(f"/schools/{amber_school.school.id}").text
    panel = page[page.index('id="support"'):page.index('id="returns-over-time"')]
    assert 'data-category="amber"' in panel and ">Amber<" in panel
    assert "Attendance needs attention" in panel and govuk_date(NEXT_TERM) in panel
    assert "Dana Okafor" in panel
    assert "is now in the Amber support category" in page


def test_a_decision_against_the_suggestion_without_its_reason_is_refused_and_nothing_is_kept(amber_school):
    client = amber_school.client(amber_school.officer)
    response = post(client, amber_school.school, category="green")
    assert response.status_code == 422
    assert "Enter why you chose other than the suggested category, Amber" in response.text
    assert "govuk-error-summary" in response.text and response.text.count("Enter why you chose") == 2
    assert decisions_count() == 0
    response = post(client, amber_school.school, category="green", departure="The grade is for a new curriculum, already improving")
    assert response.status_code == 303
    page = client.get(f"/schools/{amber_school.school.id}").text
    assert "The service suggested Amber; why this differs: The grade is for a new curriculum, already improving" in page


@pytest.mark.parametrize(
    "fields, field, message",
    [
        ({"reason": ""}, "reason", "Enter the reason for this category"),
        ({"reason": "   "}, "reason", "Enter the reason for this category"),
        ({"reason": "x" * 2001}, "reason", "Reason must be 2,000 characters or fewer"),
        ({"departure": "x" * 2001, "category": "green"}, "departure", "Why it differs must be 2,000 characters or fewer"),
        ({"category": None}, "category", "Select a support category"),
        ({"category": "purple"}, "category", "Select a support category from the list"),
        ({"category": "amber' OR 1=1 --"}, "category", "Select a support category from the list"),
        ({"review_on": None}, "review_on", "Enter the review date"),
        ({"review_on": date_parts(TODAY - timedelta(days=1))}, "review_on", "The review date must be today or in the future"),
        ({"review_on": ["31", "2", "2027"]}, "review_on", "Review date must be a real date"),
        ({"review_on": ["x", "y", "z"]}, "review_on", "Review date must be a real date"),
        ({"review_on": ["1"]}, "review_on", "Review date must be a real date"),
        ({"review_on": ["1", "2"]}, "review_on", "Review date must be a real date"),
        ({"review_on": ["1", "2", "2027", "4"]}, "review_on", "Review date must be a real date"),
    ],
)
def test_bad_input_is_a_message_beside_the_field_and_nothing_is_kept(amber_school, fields, field, message):
    client = amber_school.client(amber_school.officer)
    response = post(client, amber_school.school, **fields)
    assert response.status_code == 422, response.text[:300]
    assert message in response.text
    assert f'href="#{field}' in response.text  # the error summary links to the field
    assert decisions_count() == 0


def test_a_forged_csrf_token_changes_nothing(amber_school):
    client = amber_school.client(amber_school.officer)
    assert post(client, amber_school.school, token="forged").status_code == 400
    assert decisions_count() == 0


def test_hostile_text_is_kept_as_written_and_shown_as_text(amber_school):
    client = amber_school.client(amber_school.officer)
    hostile = "<script>alert(1)</script>'; DROP TABLE support_decisions; --"
    assert post(client, amber_school.school, reason=hostile).status_code == 303
    assert db.session.scalar(select(SupportDecision.reason)) == hostile
    for page in (client.get(f"/schools/{amber_school.school.id}").text, amber_school.client(amber_school.head).get("/school").text):
        assert "<script>alert(1)</script>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;&#39;; DROP TABLE support_decisions; --" in page


def test_an_unknown_school_is_a_404(amber_school):
    client = amber_school.client(amber_school.officer)
    assert client.get("/schools/999999/support").status_code == 404
    assert post(client, amber_school.school).status_code == 303
    response = client.post("/schools/999999/support", data={"category": "amber", "reason": "x", "review_on": date_parts(NEXT_TERM),
                                                            "csrf_token": csrf_token(client, "/accessibility")})
    assert response.status_code == 404 and decisions_count() == 1


def test_school_staff_cannot_set_a_category_for_their_own_school_or_another(amber_school):
    head = amber_school.client(amber_school.head)
    token = csrf_token(head, "/school")
    for school in (amber_school.school, amber_school.other):
        assert head.get(f"/schools/{school.id}/support").status_code == 404
        response = head.post(f"/schools/{school.id}/support", data={"category": "green", "reason": "x", "review_on": date_parts(NEXT_TERM),
                                                                     "csrf_token": token})
        assert response.status_code == 404
    assert decisions_count() == 0


def test_the_school_sees_its_own_category_reason_review_date_and_history_but_not_anothers(amber_school):
    officer = amber_school.client(amber_school.officer)
    post(officer, amber_school.school, category="green", reason="First look", departure="Early days")
    post(officer, amber_school.school, reason="Agreed at the annual conversation")
    post(officer, amber_school.other, category="red", reason="Another school's words", departure="Not for others")
    head = amber_school.client(amber_school.head)
    home = head.get("/school").text
    panel = home[home.index('id="support"'):home.index("</section>", home.index('id="support"'))]
    assert 'data-category="amber"' in panel and "Agreed at the annual conversation" in panel and govuk_date(NEXT_TERM) in panel
    assert "First look" in panel  # its history
    assert "Suggested" not in panel and "why this differs" not in panel  # the officers' working stays with them
    assert "Another school's words" not in home
    assert 'href="/support/criteria"' in panel
    own = head.get(f"/schools/{amber_school.school.id}").text
    assert "Agreed at the annual conversation" in own and "Suggested:" not in own
    assert head.get(f"/schools/{amber_school.other.id}").status_code == 404
    assert head.get("/support/criteria").status_code == 200


def test_every_role_reads_the_published_criteria_and_earlier_versions_keep_their_words(amber_school, factory):
    admin = factory.user(Role.ADMIN)
    for user in (amber_school.head, amber_school.officer, admin):
        page = amber_school.client(user).get("/support/criteria").text
        assert "Support categories and their criteria" in page
        assert ">Green<" in page and ">Amber<" in page and ">Red<" in page
        assert "A return is overdue by more than 14 days" in page and "Version 1" in page
    categories, rules = criteria_data.as_data(criteria_data.current())
    categories[2]["name"] = "Red: intensive"
    criteria_data.publish(categories, rules, "Clearer name for red", admin)
    client = amber_school.client(amber_school.head)
    now = client.get("/support/criteria").text
    assert "Red: intensive" in now and "Version 2" in now and "Clearer name for red" in now
    old = client.get("/support/criteria/1").text
    assert "no longer in use" in old and ">Red<" in old and "Red: intensive" not in old
    assert client.get("/support/criteria/3").status_code == 404
    assert amber_school.app.test_client().get("/support/criteria").status_code in (302, 303)  # sign in first


def test_schools_whose_review_date_has_passed_are_listed_longest_overdue_first(amber_school, factory):
    officer = amber_school.client(amber_school.officer)
    post(officer, amber_school.school, reason="Fine")
    post(officer, amber_school.other, category="green", reason="Fine", departure="Different")
    third = factory.school(name="Third Academy")
    post(officer, third, category="green", reason="Fine", departure="Different")
    rows = db.session.scalars(select(SupportDecision).order_by(SupportDecision.id)).all()
    rows[0].review_on = TODAY - timedelta(days=3)
    rows[1].review_on = TODAY - timedelta(days=30)
    db.session.flush()
    page = officer.get("/support/reviews-due").text
    table = page[page.index('id="reviews-due"'):]
    assert "2 schools to review" in page
    assert table.index("Some Other School") < table.index("Alderbrook Primary School")
    assert "Third Academy" not in table
    assert ">30 days ago<" in table and ">3 days ago<" in table
    rows = list(csv.reader(io.StringIO(officer.get("/support/reviews-due?download=csv").get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["School", "URN", "Category", "Review date", "Days since"]
    assert [row[0] for row in rows[1:]] == ["Some Other School", "Alderbrook Primary School"] and rows[1][4] == "30"
    xlsx = officer.get("/support/reviews-due?download=xlsx")
    assert xlsx.status_code == 200 and xlsx.headers["Content-Disposition"].endswith('.xlsx"')
    assert officer.get("/support/reviews-due?download=pdf").status_code == 404
    home = officer.get("/home").text
    panel = home[home.index('id="home-support"'):]
    panel = panel[:panel.index("</section>")]
    assert " ".join(re.sub(r"<[^>]+>", " ", panel).split()).startswith('id="home-support"> Support categories 2 Category reviews fallen due')
    assert 'href="/support/reviews-due"' in panel
    # A later decision with a future review takes the school off the list.
    post(officer, amber_school.other, category="green", reason="Looked again", departure="Different")
    page = officer.get("/support/reviews-due").text
    assert "Some Other School" not in page[page.index("<h1"):] and "1 school to review" in page
    assert amber_school.client(amber_school.head).get("/support/reviews-due").status_code == 404
