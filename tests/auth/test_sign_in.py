"""Signing in and out, through HTTP as a browser would."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Role
from tests.conftest import PASSWORD, csrf_token, sign_in

WRONG = "Your email address or password is wrong"


def post_sign_in(client, email, password, **extra):
    data = {"email": email, "password": password, "csrf_token": csrf_token(client), **extra}
    return client.post("/sign-in" + (f"?next={extra.pop('next')}" if "next" in extra else ""), data=data)


def test_sign_in_page_has_the_form(client):
    response = client.get("/sign-in")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<label class="govuk-label" for="email">' in page
    assert 'autocomplete="current-password"' in page
    assert "Sign in to Golden Thread" in page


@pytest.mark.parametrize(
    "role, home",
    [(Role.SCHOOL, "/school"), (Role.OFFICER, "/home"), (Role.ADMIN, "/admin/")],
)
def test_each_role_lands_on_its_home_page(app, factory, role, home):
    user = factory.user(role)
    client = app.test_client()
    response = sign_in(client, user)
    assert response.headers["Location"] == home
    assert client.get(home).status_code == 200


def test_email_is_case_insensitive(client, factory):
    user = factory.user(Role.OFFICER, email="dana.okafor@example.org")
    response = post_sign_in(client, "  Dana.Okafor@EXAMPLE.org ", PASSWORD)
    assert response.status_code == 303
    assert client.get("/review").status_code == 200


@pytest.mark.parametrize("email, password", [("known", "wrong password"), ("nobody@example.org", PASSWORD)])
def test_wrong_details_get_one_generic_message(client, factory, email, password):
    user = factory.user(Role.OFFICER)
    response = post_sign_in(client, user.email if email == "known" else email, password)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert WRONG in page
    assert page.count(WRONG) == 2  # in the error summary and beside the field
    assert "<title>Error: Sign in" in page
    assert client.get("/review").status_code == 302


def test_deactivated_user_cannot_sign_in(client, factory):
    user = factory.user(Role.OFFICER, active=False)
    response = post_sign_in(client, user.email, PASSWORD)
    assert response.status_code == 422
    assert WRONG in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "data, message",
    [
        ({"email": "", "password": ""}, "Enter your email address"),
        ({"email": "a@example.org", "password": ""}, "Enter your password"),
        ({"email": "a" * 250 + "@example.org", "password": "x"}, "Email address must be 254 characters or fewer"),
        ({"email": "a@example.org", "password": "x" * 1025}, "Password must be 1,024 characters or fewer"),
        ({"email": "' OR 1=1 --", "password": "' OR '1'='1"}, WRONG),
        ({"email": "<script>alert(1)</script>", "password": "x"}, WRONG),
    ],
)
def test_bad_input_is_answered_beside_the_field(client, data, message):
    response = client.post("/sign-in", data={**data, "csrf_token": csrf_token(client)})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page
    assert "<script>alert(1)</script>" not in page


def test_a_wrong_type_of_field_is_an_error_not_a_crash(client):
    token = csrf_token(client)
    response = client.post("/sign-in", data={"email": ["a@example.org", "b@example.org"], "password": "x", "csrf_token": token})
    assert response.status_code == 422


@pytest.mark.parametrize("token", [None, "forged-token", "IjEyMyI.abc.def"])
def test_sign_in_without_a_valid_csrf_token_is_refused(client, factory, token):
    user = factory.user(Role.OFFICER)
    csrf_token(client)
    data = {"email": user.email, "password": PASSWORD}
    if token:
        data["csrf_token"] = token
    response = client.post("/sign-in", data=data)
    assert response.status_code == 400
    assert "Your form could not be sent" in response.get_data(as_text=True)
    assert client.get("/review").status_code == 302  # not signed in
    db.session.refresh(user)
    assert user.last_signed_in_at is None


def test_sign_out_ends_the_session_and_every_copy_of_its_cookie(app, factory):
    user = factory.user(Role.OFFICER)
    client = app.test_client()
    sign_in(client, user)
    stolen = client.get_cookie("golden_thread_session").value
    token = csrf_token(client, "/review")
    response = client.post("/sign-out", data={"csrf_token": token})
    assert response.status_code == 303
    assert response.headers["Location"] == "/signed-out"
    assert client.get("/review").status_code == 302
    replay = app.test_client()
    replay.set_cookie("golden_thread_session", stolen)
    response = replay.get("/review")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def test_sign_out_needs_a_csrf_token(app, factory):
    user = factory.user(Role.OFFICER)
    client = app.test_client()
    sign_in(client, user)
    assert client.post("/sign-out").status_code == 400
    assert client.get("/review").status_code == 200


def test_a_demoted_user_loses_access_on_the_next_request(app, factory, admin_client):
    officer = factory.user(Role.OFFICER)
    school = factory.school()
    client = app.test_client()
    sign_in(client, officer)
    assert client.get("/review").status_code == 200
    token = csrf_token(admin_client, "/admin/")
    response = admin_client.post(
        f"/admin/users/{officer.id}/role",
        data={"role": "school", "school_id": str(school.id), "csrf_token": token},
    )
    assert response.status_code == 303
    assert client.get("/review").status_code == 404
    assert client.get("/school").status_code == 200


def test_a_deactivated_user_is_signed_out_on_the_next_request(app, factory, admin_client):
    officer = factory.user(Role.OFFICER)
    client = app.test_client()
    sign_in(client, officer)
    token = csrf_token(admin_client, "/admin/")
    assert admin_client.post(f"/admin/users/{officer.id}/deactivate", data={"csrf_token": token}).status_code == 303
    response = client.get("/review")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


@pytest.mark.parametrize("target", ["/admin/users", "/admin/users?q=kings"])
def test_sign_in_goes_on_to_the_page_asked_for(client, factory, target):
    admin = factory.user(Role.ADMIN)
    first = client.get(target)
    assert first.status_code == 302
    next_path = first.headers["Location"].split("next=", 1)[1]
    token = csrf_token(client)
    response = client.post(f"/sign-in?next={next_path}", data={"email": admin.email, "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == target


@pytest.mark.parametrize(
    "evil",
    [
        "//evil.example",
        "https://evil.example/admin",
        "http:evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "%2F%2Fevil.example",
        "/\t/evil.example",
        "admin/users",
    ],
)
def test_sign_in_never_goes_to_another_site(client, factory, evil):
    admin = factory.user(Role.ADMIN)
    token = csrf_token(client)
    response = client.post("/sign-in", query_string={"next": evil}, data={"email": admin.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location == "/admin/", f"next={evil!r} sent the user to {location!r}"


def test_sign_in_is_rate_limited_per_address(app, client, factory):
    user = factory.user(Role.OFFICER)
    app.config["SIGN_IN_RATE_LIMIT"] = "3 per minute"
    try:
        statuses = [post_sign_in(client, user.email, "wrong").status_code for _ in range(4)]
        assert statuses == [422, 422, 422, 429]
        response = post_sign_in(client, user.email, PASSWORD)
        assert response.status_code == 429
        page = response.get_data(as_text=True)
        assert "Too many attempts" in page
        assert "govuk-heading-l" in page
        # Reading the sign-in page is not limited.
        assert client.get("/sign-in").status_code == 200
    finally:
        app.config["SIGN_IN_RATE_LIMIT"] = "30 per 5 minutes;200 per hour"


def test_an_expired_htmx_request_is_sent_to_sign_in_not_swapped(client):
    response = client.get(
        "/admin/users?q=x",
        headers={"HX-Request": "true", "HX-Current-URL": "http://localhost/admin/users?q=x"},
    )
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/sign-in?next=/admin/users?q%3Dx"
    assert response.get_data(as_text=True) == ""


def test_signed_in_user_visiting_sign_in_goes_home(officer_client):
    response = officer_client.get("/sign-in")
    assert response.status_code == 302
    assert response.headers["Location"] == "/home"
