"""Administrators managing accounts: list, search, create, change role, deactivate."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Role, User
from app.mail import outbox
from tests.conftest import PASSWORD, csrf_token, sign_in
from tests.onboarding import choose_password, link_in


def user_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def new_user_data(client, **overrides):
    data = {
        "name": "Jo Bloggs",
        "email": "jo.bloggs@example.org",
        "role": "officer",
        "school_id": "",
        "csrf_token": csrf_token(client, "/admin/users/new"),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_users_list_shows_every_account(admin_client, factory):
    school = factory.school(name="Heronfield Primary Academy")
    factory.user(Role.SCHOOL, school=school, name="Aisha Rahman")
    page = admin_client.get("/admin/users").get_data(as_text=True)
    assert "Aisha Rahman" in page and "Heronfield Primary Academy" in page


@pytest.mark.parametrize("query", ["aisha", "RAHMAN", "heronfield", "aisha.r@"])
def test_users_search_by_name_email_or_school(admin_client, factory, query):
    school = factory.school(name="Heronfield Primary Academy")
    factory.user(Role.SCHOOL, school=school, name="Aisha Rahman", email="aisha.r@example.org")
    factory.user(Role.OFFICER, name="Someone Else")
    page = admin_client.get("/admin/users", query_string={"q": query}).get_data(as_text=True)
    assert "Aisha Rahman" in page
    assert "Someone Else" not in page
    assert "1 account matches" in page


def test_users_search_treats_wildcards_as_text(admin_client, factory):
    factory.user(Role.OFFICER, name="Percy Percent")
    page = admin_client.get("/admin/users", query_string={"q": "%"}).get_data(as_text=True)
    assert "0 accounts match" in page
    page = admin_client.get("/admin/users", query_string={"q": "' OR 1=1 --"}).get_data(as_text=True)
    assert "0 accounts match" in page


def test_users_search_with_htmx_returns_only_the_results(admin_client, factory):
    factory.user(Role.OFFICER, name="Dana Okafor")
    response = admin_client.get("/admin/users", query_string={"q": "dana"}, headers={"HX-Request": "true"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Dana Okafor" in page and "<html" not in page and 'id="users-count"' in page
    assert "HX-Request" in response.headers["Vary"]
    full = admin_client.get("/admin/users", query_string={"q": "dana"})
    assert "<html" in full.get_data(as_text=True) and "HX-Request" in full.headers["Vary"]
    # A history restore wants the whole page.
    restore = admin_client.get(
        "/admin/users", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert "<html" in restore.get_data(as_text=True)


def test_users_list_is_paginated(app, admin_client, factory):
    for n in range(30):
        factory.user(Role.OFFICER, name=f"Paged Person {n:02d}")
    first = admin_client.get("/admin/users", query_string={"q": "paged"}).get_data(as_text=True)
    assert "30 accounts match" in first
    assert "Paged Person 00" in first and "Paged Person 29" not in first
    second = admin_client.get("/admin/users", query_string={"q": "paged", "page": 2}).get_data(as_text=True)
    assert "Paged Person 29" in second and "Paged Person 00" not in second
    assert admin_client.get("/admin/users", query_string={"page": "abc"}).status_code == 200
    assert admin_client.get("/admin/users", query_string={"page": "-5"}).status_code == 200


def test_users_list_query_count_does_not_grow(admin_client, factory, count_queries):
    def measure():
        with count_queries() as counter:
            assert admin_client.get("/admin/users").status_code == 200
        return counter.count

    for _ in range(3):
        factory.user(Role.SCHOOL)
    few = measure()
    for _ in range(20):
        factory.user(Role.SCHOOL)
    assert measure() == few


def test_review_overview_query_count_does_not_grow(officer_client, factory, count_queries):
    def measure():
        with count_queries() as counter:
            assert officer_client.get("/review").status_code == 200
        return counter.count

    factory.user(Role.SCHOOL)
    few = measure()
    for _ in range(25):
        factory.user(Role.SCHOOL)
    assert measure() == few


def test_create_an_officer_who_can_then_sign_in(app, admin_client):
    response = admin_client.post("/admin/users/new", data=new_user_data(admin_client, email="Jo.Bloggs@Example.org "))
    assert response.status_code == 303
    user = db.session.scalar(select(User).where(User.email == "jo.bloggs@example.org"))
    assert user.role == "officer" and user.school_id is None and user.active
    assert user.password_hash is None and user.invited_at is not None  # invited: they choose their own
    follow = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Account created for Jo Bloggs" in follow
    fresh = app.test_client()
    assert choose_password(fresh, link_in(outbox()[0]), "a long enough password").status_code == 303
    sign_in(fresh, user, "a long enough password")
    assert fresh.get("/review").status_code == 200


def test_create_a_school_user(admin_client, factory):
    school = factory.school()
    response = admin_client.post(
        "/admin/users/new", data=new_user_data(admin_client, role="school", school_id=str(school.id))
    )
    assert response.status_code == 303
    user = db.session.scalar(select(User).where(User.email == "jo.bloggs@example.org"))
    assert user.school_id == school.id


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"name": ""}, "Enter the person&#39;s full name"),
        ({"name": "   "}, "Enter the person&#39;s full name"),
        ({"name": "x" * 121}, "Full name must be 120 characters or fewer"),
        ({"email": None}, "Enter an email address"),
        ({"email": "not-an-email"}, "Enter an email address in the correct format"),
        ({"email": "a" * 250 + "@example.org"}, "Email address must be 254 characters or fewer"),
        ({"email": "x@example.org' OR '1'='1"}, "Enter an email address in the correct format"),
        ({"role": None}, "Select a role"),
        ({"role": "superuser"}, "Select a role from the list"),
        ({"role": "school", "school_id": ""}, "Select the school this person works at"),
        ({"role": "school", "school_id": "999999"}, "Select a school from the list"),
        ({"role": "school", "school_id": "1 OR 1=1"}, "Select a school from the list"),
    ],
)
def test_create_user_bad_input(admin_client, overrides, message):
    before = user_count()
    response = admin_client.post("/admin/users/new", data=new_user_data(admin_client, **overrides))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page
    assert "govuk-error-summary" in page and "govuk-error-message" in page
    assert user_count() == before


def test_create_user_refuses_a_duplicate_email_whatever_its_case(admin_client, factory):
    factory.user(Role.OFFICER, email="dana@example.org")
    before = user_count()
    response = admin_client.post("/admin/users/new", data=new_user_data(admin_client, email="DANA@example.org"))
    assert response.status_code == 422
    assert "An account with this email address already exists" in response.get_data(as_text=True)
    assert user_count() == before


def test_create_user_for_a_closed_school_is_refused(admin_client, factory):
    closed = factory.school(status="Closed")
    response = admin_client.post(
        "/admin/users/new", data=new_user_data(admin_client, role="school", school_id=str(closed.id))
    )
    assert response.status_code == 422
    assert "Select a school from the list" in response.get_data(as_text=True)


def test_hostile_text_is_stored_as_text_and_escaped(admin_client):
    hostile = '<script>alert("x")</script>'
    response = admin_client.post("/admin/users/new", data=new_user_data(admin_client, name=hostile))
    assert response.status_code == 303
    user = db.session.scalar(select(User).where(User.email == "jo.bloggs@example.org"))
    assert user.name == hostile
    for path in (response.headers["Location"], "/admin/users"):
        page = admin_client.get(path).get_data(as_text=True)
        assert hostile not in page
        assert "&lt;script&gt;" in page


def test_create_user_with_a_forged_csrf_token_changes_nothing(admin_client):
    before = user_count()
    data = new_user_data(admin_client, csrf_token="forged")
    assert admin_client.post("/admin/users/new", data=data).status_code == 400
    data.pop("csrf_token")
    assert admin_client.post("/admin/users/new", data=data).status_code == 400
    assert user_count() == before


def test_create_user_with_a_huge_body_is_refused(admin_client):
    before = user_count()
    response = admin_client.post("/admin/users/new", data=new_user_data(admin_client, name="x" * (11 * 1024 * 1024)))
    assert response.status_code == 413
    assert user_count() == before


def test_change_role_officer_to_admin(admin_client, factory):
    officer = factory.user(Role.OFFICER)
    token = csrf_token(admin_client, "/admin/")
    response = admin_client.post(f"/admin/users/{officer.id}/role", data={"role": "admin", "csrf_token": token})
    assert response.status_code == 303
    db.session.refresh(officer)
    assert officer.role == "admin"


def test_change_role_to_school_needs_a_school(admin_client, factory):
    officer = factory.user(Role.OFFICER)
    token = csrf_token(admin_client, "/admin/")
    response = admin_client.post(f"/admin/users/{officer.id}/role", data={"role": "school", "csrf_token": token})
    assert response.status_code == 422
    assert "Select the school this person works at" in response.get_data(as_text=True)
    db.session.refresh(officer)
    assert officer.role == "officer"


def test_school_user_moved_to_council_loses_their_school(admin_client, factory):
    person = factory.user(Role.SCHOOL)
    token = csrf_token(admin_client, "/admin/")
    response = admin_client.post(
        f"/admin/users/{person.id}/role", data={"role": "officer", "school_id": str(person.school_id), "csrf_token": token}
    )
    assert response.status_code == 303
    db.session.refresh(person)
    assert person.role == "officer" and person.school_id is None


def test_the_last_active_admin_cannot_be_demoted_or_deactivated(admin_client, admin):
    token = csrf_token(admin_client, "/admin/")
    response = admin_client.post(f"/admin/users/{admin.id}/role", data={"role": "officer", "csrf_token": token})
    assert response.status_code == 422
    assert "only active administrator" in response.get_data(as_text=True)
    response = admin_client.post(f"/admin/users/{admin.id}/deactivate", data={"csrf_token": token})
    assert response.status_code == 422
    assert "only active administrator" in response.get_data(as_text=True)
    db.session.refresh(admin)
    assert admin.role == "admin" and admin.active
    assert admin_client.get("/admin/").status_code == 200


def test_an_admin_can_be_demoted_when_another_is_active(admin_client, admin, factory):
    factory.user(Role.ADMIN)
    factory.user(Role.ADMIN, active=False)
    token = csrf_token(admin_client, "/admin/")
    response = admin_client.post(f"/admin/users/{admin.id}/role", data={"role": "officer", "csrf_token": token})
    assert response.status_code == 303
    assert admin_client.get("/admin/").status_code == 404  # their own access went with the role


def test_deactivated_admins_do_not_count_towards_the_last_admin_rule(admin_client, admin, factory):
    factory.user(Role.ADMIN, active=False)
    token = csrf_token(admin_client, "/admin/")
    response = admin_client.post(f"/admin/users/{admin.id}/deactivate", data={"csrf_token": token})
    assert response.status_code == 422


def test_deactivate_and_reactivate(app, admin_client, factory):
    officer = factory.user(Role.OFFICER)
    token = csrf_token(admin_client, "/admin/")
    assert admin_client.post(f"/admin/users/{officer.id}/deactivate", data={"csrf_token": token}).status_code == 303
    db.session.refresh(officer)
    assert not officer.active
    client = app.test_client()
    response = client.post("/sign-in", data={"email": officer.email, "password": PASSWORD, "csrf_token": csrf_token(client)})
    assert response.status_code == 422
    assert admin_client.post(f"/admin/users/{officer.id}/reactivate", data={"csrf_token": token}).status_code == 303
    sign_in(client, officer)
    assert client.get("/review").status_code == 200


def test_htmx_post_gets_hx_redirect_not_a_302(admin_client, factory):
    officer = factory.user(Role.OFFICER)
    token = csrf_token(admin_client, "/admin/")
    response = admin_client.post(
        f"/admin/users/{officer.id}/deactivate",
        data={"csrf_token": token},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == f"/admin/users/{officer.id}"


def test_admin_home_counts_are_real(admin_client, factory):
    for _ in range(3):
        factory.user(Role.OFFICER)
    factory.user(Role.OFFICER, active=False)
    page = admin_client.get("/admin/").get_data(as_text=True)
    # 3 active officers; the deactivated one is not counted.
    assert '<td class="govuk-table__cell">Council officers</td><td class="govuk-table__cell govuk-table__cell--numeric">3</td>' in page


def test_the_error_summary_follows_the_order_of_the_page(admin_client):
    token = csrf_token(admin_client, "/admin/users/new")
    page = admin_client.post("/admin/users/new", data={"csrf_token": token}).get_data(as_text=True)
    summary = page[page.index("govuk-error-summary__list"):page.index("</ul>", page.index("govuk-error-summary__list"))]
    order = [summary.index(href) for href in ('href="#name"', 'href="#email"', 'href="#role"')]
    assert order == sorted(order)
