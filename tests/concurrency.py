"""What the tests of several people at once share: an app on a PostgreSQL database of its own
(these tests commit for real, from several threads) and a way to send requests at the same moment."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask

from app import create_app
from app.extensions import db
from tests.conftest import _postgres_database_for_worker


@contextmanager
def own_postgres_app(suffix: str) -> Iterator[Flask]:
    """An app on a fresh PostgreSQL database of its own, migrated; its connections closed after."""
    from flask_migrate import upgrade

    app = create_app("test", SQLALCHEMY_DATABASE_URI=_postgres_database_for_worker(suffix))
    with app.app_context():
        upgrade()
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def run_together(target, args_list: list[tuple]) -> None:
    """``target(*args)`` for each args, each on a thread of its own, all released at once. A thread
    that raises fails the test with its error; one that hangs fails it too."""
    barrier = threading.Barrier(len(args_list))
    problems: list[BaseException] = []

    def run(*args):
        try:
            barrier.wait(timeout=30)
            target(*args)
        except BaseException as error:  # noqa: BLE001 - reported on the test's thread
            problems.append(error)

    threads = [threading.Thread(target=run, args=args) for args in args_list]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    if problems:
        raise problems[0]
