"""Administrators naming who signs a school's returns off, and seeing schools with nobody who can."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Role
from tests.conftest import csrf_token


def post(client, user, choice):
    data = {"csrf_token": csrf_token(client, f"/admin/users/{user.id}")}
    if choice is not None:
        data["approver"] = choice
    return client.post(f"/admin/users/{user.id}/approver", data=data)


def test_make_and_unmake_an_approver(admin_client, factory):
    school = factory.school(name="Alder Primary")
    deputy = factory.user(Role.SCHOOL, school=school, name="Deputy Head")
    assert "Alder Primary" in admin_client.get("/admin/").get_data(as_text=True).split('id="no-approver"')[1]
    assert post(admin_client, deputy, "yes").status_code == 303
    db.session.refresh(deputy)
    assert deputy.approver is True
    assert "Alder Primary" not in admin_client.get("/admin/").get_data(as_text=True).split('id="no-approver"')[1]
    assert "Approver" in admin_client.get(f"/schools/{school.id}").get_data(as_text=True)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.event == "approver_changed"))
    assert event.subject_user_id == deputy.id and event.detail == {"approver": True}
    assert post(admin_client, deputy, "no").status_code == 303
    db.session.refresh(deputy)
    assert deputy.approver is False


def test_a_deactivated_approver_does_not_count(admin_client, factory):
    school = factory.school(name="Birch Primary")
    factory.user(Role.SCHOOL, school=school, approver=True, active=False)
    assert "Birch Primary" in admin_client.get("/admin/").get_data(as_text=True).split('id="no-approver"')[1]


@pytest.mark.parametrize("choice", [None, "maybe", "<script>", "1 OR 1=1"])
def test_bad_choices_change_nothing(admin_client, factory, choice):
    person = factory.user(Role.SCHOOL)
    response = post(admin_client, person, choice)
    assert response.status_code == 422
    assert "Select whether they can sign off returns" in response.get_data(as_text=True)
    db.session.refresh(person)
    assert person.approver is False


def test_council_staff_cannot_be_approvers(admin_client, factory):
    officer = factory.user(Role.OFFICER)
    response = post(admin_client, officer, "yes")
    assert response.status_code == 422
    assert "Only school staff sign off" in response.get_data(as_text=True)


def test_forged_csrf_changes_nothing(admin_client, factory):
    person = factory.user(Role.SCHOOL)
    assert admin_client.post(f"/admin/users/{person.id}/approver", data={"approver": "yes", "csrf_token": "x"}).status_code == 400
    db.session.refresh(person)
    assert person.approver is False
