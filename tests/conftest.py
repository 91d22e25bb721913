"""Fixtures: one app and schema per test worker; every test runs in a transaction rolled back at the end.

The suite runs on SQLite by default and on PostgreSQL when TEST_DATABASE_URL is set. Browser tests
(tests/browser) run a live server on a database of their own and do not use the rolled-back session.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from itertools import count

import pytest
from flask import has_app_context
from flask.testing import FlaskClient
from flask_sqlalchemy.session import Session as FlaskSQLAlchemySession
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from app import create_app
from app.extensions import db as _db
from app.extensions import limiter
from app.models import Role, School, User
from app.services.passwords import hash_password

IN_CI = os.environ.get("CI", "").lower() == "true"
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "").strip()
PASSWORD = "correct horse battery staple"


def pytest_collection_modifyitems(config, items):
    """Tests marked postgres are deselected, not skipped, when the suite runs on SQLite; tests marked
    sqlite (the embedded database's own locking) are deselected when it runs on PostgreSQL."""
    other = "sqlite" if TEST_DATABASE_URL else "postgres"
    kept, deselected = [], []
    for item in items:
        (deselected if item.get_closest_marker(other) else kept).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _postgres_database_for_worker(suffix: str = "") -> str:
    """A database of this worker's own on the TEST_DATABASE_URL server, made afresh."""
    base = make_url(TEST_DATABASE_URL)
    name = f"{base.database}_{_worker()}{suffix}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # noqa: BLE001 - any failure to reach PostgreSQL fails the run
        pytest.exit(f"TEST_DATABASE_URL is set but PostgreSQL cannot be used: {error}", returncode=3)
    finally:
        admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    if TEST_DATABASE_URL:
        return _postgres_database_for_worker()
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


class RequestClient(FlaskClient):
    """Each request gets an app context (and so a ``g`` and a session) of its own, as in production.

    Without this, a request made while the test holds an app context would share the test's ``g``:
    the signed-in user and the CSRF token would leak from one request into the next.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        if has_app_context():
            _db.session.expire_all()  # what the request changed is read afresh by the test
        return response


@pytest.fixture(scope="session")
def app(database_url):
    app = create_app("test", SQLALCHEMY_DATABASE_URI=database_url)
    app.test_client_class = RequestClient
    with app.app_context():
        # The schema comes from the migrations, so the tests prove they build what the models say.
        from flask_migrate import upgrade

        upgrade()
    yield app
    with app.app_context():
        _db.engine.dispose()


class ConnectionBoundSession(FlaskSQLAlchemySession):
    """Flask-SQLAlchemy's session picks the engine itself; under test it must use the test's connection."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        return self.bind


@pytest.fixture(autouse=True)
def db(request, app) -> Iterator:
    """Each test in one outer transaction, rolled back at the end; requests commit to a savepoint."""
    if request.node.get_closest_marker("browser") or request.node.get_closest_marker("own_database"):
        yield None
        return
    with app.app_context():
        connection = _db.engine.connect()
        transaction = connection.begin()
        original_session = _db.session
        _db.session = _db._make_scoped_session(
            {"bind": connection, "join_transaction_mode": "create_savepoint", "class_": ConnectionBoundSession}
        )
        limiter.reset()
        app.extensions["golden_thread_outbox"] = []
        try:
            yield _db
        finally:
            _db.session.remove()
            _db.session = original_session
            transaction.rollback()
            connection.close()


@pytest.fixture
def client(app):
    return app.test_client()


_numbers = count(1)


class Factory:
    """Builds schools and users straight into the test's transaction."""

    def school(self, **fields) -> School:
        n = next(_numbers)
        values = {
            "urn": f"{800000 + n}",
            "name": f"Test School {n}",
            "slug": f"test-school-{n}",
            "la_code": "883",
            "phase": "Primary",
            "establishment_type": "Academy converter",
            "statutory_low_age": 4,
            "statutory_high_age": 11,
            "status": "Open",
        }
        values.update(fields)
        school = School(**values)
        _db.session.add(school)
        _db.session.flush()
        return school

    def user(self, role: Role = Role.SCHOOL, *, school: School | None = None, **fields) -> User:
        n = next(_numbers)
        if role == Role.SCHOOL and school is None:
            school = self.school()
        values = {
            "email": f"user{n}@example.org",
            "name": f"Test User {n}",
            "role": role.value,
            "school_id": school.id if role == Role.SCHOOL else None,
            "password_hash": hash_password(PASSWORD),
            "active": True,
        }
        values.update(fields)
        user = User(**values)
        _db.session.add(user)
        _db.session.flush()
        return user


@pytest.fixture
def factory(db) -> Factory:
    return Factory()


CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def csrf_token(client, path: str = "/sign-in") -> str:
    """The CSRF token a real browser would have, read from the page's meta tag."""
    response = client.get(path)
    match = CSRF_META.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {path} (status {response.status_code})"
    return match.group(1)


def sign_in(client, user: User, password: str = PASSWORD):
    token = csrf_token(client)
    response = client.post("/sign-in", data={"email": user.email, "password": password, "csrf_token": token})
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return response


@pytest.fixture
def school_user(factory) -> User:
    return factory.user(Role.SCHOOL)


@pytest.fixture
def officer(factory) -> User:
    return factory.user(Role.OFFICER)


@pytest.fixture
def admin(factory) -> User:
    return factory.user(Role.ADMIN)


@pytest.fixture
def school_client(app, school_user):
    client = app.test_client()
    sign_in(client, school_user)
    return client


@pytest.fixture
def officer_client(app, officer):
    client = app.test_client()
    sign_in(client, officer)
    return client


@pytest.fixture
def admin_client(app, admin):
    client = app.test_client()
    sign_in(client, admin)
    return client


class QueryCounter:
    def __init__(self):
        self.statements: list[str] = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN")):
            self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app):
    """with count_queries() as counter: ...; counter.count is the number of SQL statements run."""
    from contextlib import contextmanager

    @contextmanager
    def counting():
        counter = QueryCounter()
        engine = _db.engine
        event.listen(engine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            event.remove(engine, "before_cursor_execute", counter)

    return counting
