"""A head teacher (an approver) names who else signs off the school's returns; nobody else can."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Role
from tests.conftest import csrf_token, sign_in


def _client(app, user):
    client = app.test_client()
    sign_in(client, user)
    return client


def test_a_head_makes_a_senior_leader_an_approver_and_it_is_audited(app, factory):
    school = factory.school()
    head = factory.user(Role.SCHOOL, school=school, approver=True, name="Ada Head")
    deputy = factory.user(Role.SCHOOL, school=school, name="Dee Deputy")
    client = _client(app, head)
    page = client.get("/school/approvers")
    assert page.status_code == 200 and "Dee Deputy" in page.text
    response = client.post(f"/school/approvers/{deputy.id}", data={"csrf_token": csrf_token(client, "/school/approvers"), "approver": "yes"})
    assert response.status_code == 303
    db.session.refresh(deputy)
    assert deputy.approver is True
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.event == "approver_changed")) is not None
    assert "Dee Deputy can now sign off" in client.get("/school/approvers").text


def test_a_contributor_cannot_name_approvers(app, factory):
    school = factory.school()
    factory.user(Role.SCHOOL, school=school, approver=True)
    contributor = factory.user(Role.SCHOOL, school=school)
    other = factory.user(Role.SCHOOL, school=school)
    client = _client(app, contributor)
    assert "Ask your head teacher" in client.get("/school/approvers").text
    response = client.post(f"/school/approvers/{other.id}", data={"csrf_token": csrf_token(client, "/school/approvers"), "approver": "yes"})
    assert response.status_code == 403
    db.session.refresh(other)
    assert other.approver is False


def test_another_schools_user_is_404_and_unchanged(app, factory):
    school, elsewhere = factory.school(), factory.school()
    head = factory.user(Role.SCHOOL, school=school, approver=True)
    stranger = factory.user(Role.SCHOOL, school=elsewhere)
    client = _client(app, head)
    response = client.post(f"/school/approvers/{stranger.id}", data={"csrf_token": csrf_token(client, "/school/approvers"), "approver": "yes"})
    assert response.status_code == 404
    db.session.refresh(stranger)
    assert stranger.approver is False


def test_the_last_approver_cannot_be_removed_and_bad_choices_are_errors(app, factory):
    school = factory.school()
    head = factory.user(Role.SCHOOL, school=school, approver=True)
    client = _client(app, head)
    token = csrf_token(client, "/school/approvers")
    response = client.post(f"/school/approvers/{head.id}", data={"csrf_token": token, "approver": "no"})
    assert response.status_code == 422
    assert "at least one approver" in response.text and response.text.count("govuk-error-summary") >= 1
    assert client.post(f"/school/approvers/{head.id}", data={"csrf_token": token, "approver": "<script>"}).status_code == 422
    db.session.refresh(head)
    assert head.approver is True


def test_a_forged_token_is_refused(app, factory):
    school = factory.school()
    head = factory.user(Role.SCHOOL, school=school, approver=True)
    deputy = factory.user(Role.SCHOOL, school=school)
    client = _client(app, head)
    assert client.post(f"/school/approvers/{deputy.id}", data={"csrf_token": "forged", "approver": "yes"}).status_code == 400
    db.session.refresh(deputy)
    assert deputy.approver is False
