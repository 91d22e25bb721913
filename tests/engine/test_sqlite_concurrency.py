"""On SQLite, writes sent at once wait their turn instead of failing with "database is locked".

Real commits on a SQLite file of its own, from many threads each with its own client: every save
either lands or is refused as a clear conflict, the officers' moves never fail with a 500, and a
busy timeout that still runs out is a 503 telling the person to try again, never a 500."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from app import create_app
from app.extensions import db
from app.models import ReturnSection
from tests.returns.test_concurrency import run_together, seed, signed_in, start_return
from tests.returns.test_sef_sections import VALID_JSON, valid

pytestmark = [
    pytest.mark.own_database,
    # SQLite's own locking: deselected (never skipped) on the PostgreSQL run, which has its own
    # concurrency tests (tests/returns/test_concurrency.py).
    pytest.mark.sqlite,
]

SAVES = 20
VERSION = re.compile(r'name="version" type="hidden" value="(\d+)"')


@pytest.fixture
def sqlite_app(tmp_path):
    """An app on a fresh SQLite file (not memory): WAL and locking behave as in the demo."""
    from flask_migrate import upgrade

    app = create_app(
        "test",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'race.db'}",
        RATELIMIT_ENABLED=False,
        # As in production: an error is the response the person gets (a 500 page), not raised into the test.
        PROPAGATE_EXCEPTIONS=False,
    )
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _version(client, path: str) -> int:
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    match = VERSION.search(page.get_data(as_text=True))
    return int(match.group(1)) if match else 0


def test_twenty_saves_to_one_return_at_once_all_land_or_conflict_none_fail(sqlite_app):
    app = sqlite_app
    ids = seed(app, schools=1, staff=SAVES)
    return_id = start_return(app, ids, 0)
    keys = list(VALID_JSON)
    jobs = []
    for index, email in enumerate(ids["staff"][0]):
        client, token = signed_in(app, email)
        key = keys[index % len(keys)]
        path = f"/returns/{return_id}/sections/{key}"
        how = "autosave" if index % 2 else "save"
        jobs.append((index, client, token, key, path, how, _version(client, path)))
    outcomes: dict[int, tuple] = {}

    def save(index, client, token, key, path, how, version):
        words = f"Saved by thread {index}"
        data = {**valid(key), "version": str(version), "csrf_token": token}
        # A free-text answer of the section carries the thread's own words, so its save can be found.
        text_field = next((name for name in VALID_JSON[key] if isinstance(VALID_JSON[key][name], str) and len(VALID_JSON[key][name]) > 20), None)
        if text_field:
            data[text_field] = words
        if how == "autosave":
            response = client.post(f"{path}/autosave", data=data, headers={"HX-Request": "true"})
        else:
            response = client.post(path, data=data)
        outcomes[index] = (key, how, response.status_code, text_field, words, response.get_data(as_text=True)[:300])

    run_together(save, jobs)

    assert len(outcomes) == SAVES
    statuses = sorted(outcome[2] for outcome in outcomes.values())
    assert 500 not in statuses and 503 not in statuses, statuses
    assert set(statuses) <= {200, 303, 409}, [outcome for outcome in outcomes.values() if outcome[2] not in (200, 303, 409)]
    with app.app_context():
        rows = {row.key: row for row in db.session.scalars(select(ReturnSection).where(ReturnSection.return_id == return_id))}
        for key, how, status, text_field, words, _body in outcomes.values():
            if status in (200, 303):
                assert key in rows, f"the {how} of {key} answered {status} but nothing is stored"
        # A section's stored version counts its saves that succeeded (a save of answers identical to
        # what another had just stored succeeds without a new version), and none that failed.
        for key in {outcome[0] for outcome in outcomes.values()}:
            succeeded = [o for o in outcomes.values() if o[0] == key and o[2] in (200, 303)]
            if succeeded:
                assert 1 <= rows[key].version <= len(succeeded), (key, rows[key].version, len(succeeded))
                if succeeded[0][3]:
                    assert rows[key].answers[succeeded[0][3]] in {o[4] for o in succeeded}


def test_officers_taking_assigning_reviewing_and_reopening_at_once_never_fail(sqlite_app):
    app = sqlite_app
    ids = seed(app, schools=4, staff=1, officers=6)
    returns = [start_return(app, ids, s, complete=True, submit=True) for s in range(4)]
    officers = [signed_in(app, email) for email in ids["officers"]]
    from app.models import User

    with app.app_context():
        officer_ids = [db.session.scalar(select(User.id).where(User.email == email)) for email in ids["officers"]]
    statuses: list[tuple] = []

    def act(index, client, token):
        for round_, return_id in enumerate(returns):
            move = (index + round_) % 4
            if move == 0:
                response = client.post(f"/returns/{return_id}/take", data={"csrf_token": token})
            elif move == 1:
                response = client.post(
                    f"/returns/{return_id}/assign",
                    data={"officer": str(officer_ids[index]), "held_by": "", "csrf_token": token},
                )
            elif move == 2:
                response = client.post(f"/returns/{return_id}/review", data={"decision": "save", "note": f"Note {index}", "csrf_token": token})
            else:
                response = client.post(f"/returns/{return_id}/reopen", data={"reason": f"Reopened by {index}", "csrf_token": token})
            statuses.append((index, return_id, move, response.status_code, response.get_data(as_text=True)[:200]))

    run_together(act, [(i, client, token) for i, (client, token) in enumerate(officers)])
    assert len(statuses) == len(officers) * len(returns)
    failures = [s for s in statuses if s[3] >= 500]
    assert not failures, failures
    assert all(s[3] in (200, 303, 409, 422) for s in statuses), statuses


def test_a_busy_timeout_that_runs_out_is_a_503_not_a_500(sqlite_app, monkeypatch):
    app = sqlite_app
    ids = seed(app, schools=1, staff=1)
    return_id = start_return(app, ids, 0)
    client, token = signed_in(app, ids["staff"][0][0])
    path = f"/returns/{return_id}/sections/context"
    version = _version(client, path)

    from app.engine import drafts

    def locked(*args, **kwargs):
        raise OperationalError("UPDATE return_sections", {}, Exception("database is locked"))

    monkeypatch.setattr(drafts, "_write", locked)  # where every save writes the section
    data = {**valid("context"), "version": str(version), "csrf_token": token}

    fragment = client.post(f"{path}/autosave", data=data, headers={"HX-Request": "true", "HX-Target": "autosave-status"})
    assert fragment.status_code == 503
    body = fragment.get_data(as_text=True)
    assert "Not saved: the service is busy" in body and "your answers are kept on this page" in body
    assert "<html" not in body
    # Nothing was saved, so the version the page was loaded at stays the one to save against.
    assert f'name="version" type="hidden" value="{version}"' in body
    assert fragment.headers.get("Retry-After")

    page = client.post(path, data=data)
    assert page.status_code == 503
    assert "The service is busy" in page.get_data(as_text=True)
    assert page.headers.get("Retry-After")


def test_a_write_held_longer_than_the_busy_timeout_is_a_503_and_reads_still_work(tmp_path):
    """A real lock: another connection holds the write lock past SQLITE_BUSY_TIMEOUT."""
    import sqlite3

    from flask_migrate import upgrade

    path = tmp_path / "held.db"
    app = create_app("test", SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}", RATELIMIT_ENABLED=False, PROPAGATE_EXCEPTIONS=False, SQLITE_BUSY_TIMEOUT=0.2)
    with app.app_context():
        upgrade()
    try:
        ids = seed(app, schools=1, staff=1)
        return_id = start_return(app, ids, 0)
        client, token = signed_in(app, ids["staff"][0][0])
        section = f"/returns/{return_id}/sections/context"
        version = _version(client, section)
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            data = {**valid("context"), "version": str(version), "csrf_token": token}
            response = client.post(f"{section}/autosave", data=data, headers={"HX-Request": "true", "HX-Target": "autosave-status"})
            assert response.status_code == 503
            assert "Not saved: the service is busy" in response.get_data(as_text=True)
            # Pages that only read do not wait for the writer (WAL, deferred BEGIN).
            assert client.get(section).status_code == 200
        finally:
            holder.rollback()
            holder.close()
        # Once the other writer has finished, the same save goes through.
        response = client.post(f"{section}/autosave", data=data, headers={"HX-Request": "true", "HX-Target": "autosave-status"})
        assert response.status_code == 200 and "Saved at" in response.get_data(as_text=True)
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_writers_begin_immediate_and_readers_deferred(sqlite_app):
    """The one place that decides: requests by method, CLI commands as writers, anything else deferred."""
    import click

    from app import _transaction_writes

    for method, writes in (("GET", False), ("HEAD", False), ("OPTIONS", False), ("POST", True), ("PUT", True), ("DELETE", True)):
        with sqlite_app.test_request_context("/", method=method):
            assert _transaction_writes() is writes, method
    with sqlite_app.app_context():
        assert _transaction_writes() is False
        with click.Context(click.Command("seed-demo")):
            assert _transaction_writes() is True


def test_the_busy_timeout_is_configurable_and_fifteen_seconds_outside_tests(tmp_path):
    from config import Config, TestConfig

    assert Config.SQLITE_BUSY_TIMEOUT == 15 and TestConfig.SQLITE_BUSY_TIMEOUT == 5
    app = create_app("test", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'timeout.db'}", SQLITE_BUSY_TIMEOUT=15)
    with app.app_context(), db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 15000
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    with app.app_context():
        db.engine.dispose()
