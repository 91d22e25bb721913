"""The migrations build exactly what the models describe, and the demo borough seeds through the CLI."""

from __future__ import annotations

import re

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from app import create_app
from app.extensions import db
from app.models import Role, School, User
from app.models.schools import PHASES


def test_migrations_match_the_models(app):
    with db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert diff == [], f"the models and the migrations disagree: {diff}"


@pytest.fixture
def fresh_app(tmp_path):
    from flask_migrate import upgrade

    app = create_app("test", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/demo.db")
    with app.app_context():
        upgrade()
    return app


@pytest.mark.own_database
def test_seed_demo_builds_the_borough_with_the_given_password(fresh_app, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "a demo password for tests")
    result = fresh_app.test_cli_runner().invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "admin@example.org" in result.output and "head@alderbrook-primary-school.example.org" in result.output
    with fresh_app.app_context():
        schools = db.session.scalars(select(School)).all()
        assert 20 <= len(schools) <= 30
        assert {s.la_code for s in schools} == {"883"}
        assert {s.phase for s in schools} == set(PHASES)
        assert any(s.is_special for s in schools) and any(s.is_alternative_provision for s in schools)
        heads = db.session.scalar(select(func.count()).select_from(User).where(User.role == Role.SCHOOL))
        assert heads == len(schools)
        admin = db.session.scalar(select(User).where(User.email == "admin@example.org"))
        assert admin.role == "admin"
    client = fresh_app.test_client()
    token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/sign-in").text).group(1)
    response = client.post(
        "/sign-in", data={"email": "admin@example.org", "password": "a demo password for tests", "csrf_token": token}
    )
    assert response.status_code == 303 and response.headers["Location"] == "/admin/"

    again = fresh_app.test_cli_runner().invoke(args=["seed-demo", "--if-empty"])
    assert again.exit_code == 0 and "not seeded again" in again.output
    refused = fresh_app.test_cli_runner().invoke(args=["seed-demo"])
    assert refused.exit_code != 0


@pytest.mark.own_database
def test_seed_demo_generates_and_prints_a_password_when_none_is_given(fresh_app, monkeypatch):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    result = fresh_app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    password = re.search(r"password \(set DEMO_PASSWORD to choose one\): (\S+)", result.output).group(1)
    assert len(password) >= 12
    client = fresh_app.test_client()
    token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/sign-in").text).group(1)
    response = client.post(
        "/sign-in", data={"email": "officer@example.org", "password": password, "csrf_token": token}
    )
    assert response.headers["Location"] == "/review"


@pytest.mark.own_database
def test_create_admin_command(fresh_app):
    result = fresh_app.test_cli_runner().invoke(
        args=["create-admin", "--email", "Boss@Example.org", "--name", "Boss"],
        input="a long admin password\na long admin password\n",
    )
    assert result.exit_code == 0, result.output
    with fresh_app.app_context():
        user = db.session.scalar(select(User).where(User.email == "boss@example.org"))
        assert user.role == "admin"
    short = fresh_app.test_cli_runner().invoke(
        args=["create-admin", "--email", "x@example.org", "--name", "X"], input="short\nshort\n"
    )
    assert short.exit_code != 0 and "12 characters" in short.output
