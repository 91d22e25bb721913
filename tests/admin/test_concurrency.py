"""Two administrators creating the same account at the same moment, with real commits on PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Role, User
from app.services.passwords import hash_password
from tests.concurrency import own_postgres_app, run_together
from tests.conftest import PASSWORD, csrf_token, sign_in

pytestmark = [pytest.mark.postgres, pytest.mark.own_database]


@pytest.fixture
def race_app():
    """An app on a PostgreSQL database of its own: this test commits for real, and audit rows cannot be deleted."""
    with own_postgres_app("_race") as app:
        with app.app_context():
            db.session.add(
                User(email="race.admin@example.org", name="Race Admin", role=Role.ADMIN.value,
                     password_hash=hash_password(PASSWORD), active=True)
            )
            db.session.commit()
        yield app


def test_the_same_email_created_twice_at_once_gives_one_account_and_no_error(race_app):
    app = race_app
    clients = []
    for _ in range(2):
        client = app.test_client()
        with app.app_context():
            sign_in(client, db.session.scalar(select(User).where(User.email == "race.admin@example.org")))
        clients.append((client, csrf_token(client, "/admin/users/new")))
    statuses: list[int] = []

    def create(client, token):
        response = client.post(
            "/admin/users/new",
            data={"name": "Twin", "email": "twin@example.org", "role": "officer", "school_id": "",
                  "password": "a long enough password", "csrf_token": token},
        )
        statuses.append(response.status_code)

    run_together(create, clients)
    assert sorted(statuses) == [303, 422]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User).where(User.email == "twin@example.org")) == 1
