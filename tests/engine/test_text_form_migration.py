"""Migration 0010 on a real database holding drafts saved before text was normalised: every string
of every working draft is put in the one form (CRLF to LF, NFC, no zero-width characters, no
non-breaking spaces, stripped), versions and everything else untouched, and snapshots (submissions)
left exactly as they were.

Runs on SQLite by default and on PostgreSQL (answers as JSONB) when TEST_DATABASE_URL is set."""

from __future__ import annotations

import json
import unicodedata

import pytest
from sqlalchemy import text

from app import create_app
from app.extensions import db
from app.engine import registry
from app.engine.text import normalise_answers
from tests.engine.old_drafts import database_url, json_of, returned_return

OLD_AREA = {
    "grade": "strong",
    "strengths": "Reading is strong.\r\n\r\nEvidence: phonics\u200b 92%.\r\n",
    "improvements": unicodedata.normalize("NFD", "Writing: r\u00e9sum\u00e9s\u00a0and\rletters\ufeff"),
}
NEW_AREA = {"grade": "strong", "strengths": "Reading is strong.\n\nEvidence: phonics 92%.", "improvements": "Writing: r\u00e9sum\u00e9s and\nletters"}
OLD_PRIORITIES = {"priorities": [{"id": "p1", "title": " Attendance\u200d ", "la_priority": "attendance", "impact": "Fewer\r\nabsentees"}]}
NEW_PRIORITIES = {"priorities": [{"id": "p1", "title": "Attendance", "la_priority": "attendance", "impact": "Fewer\nabsentees"}]}
CLEAN = {"outcome": "met", "statement": "A strong culture of safeguarding"}


@pytest.fixture
def database(tmp_path):
    return database_url(tmp_path, "textform_migration")


@pytest.mark.own_database
def test_0010_normalises_drafts_and_leaves_snapshots_as_they_were(database):
    from flask_migrate import downgrade, upgrade

    app = create_app("test", SQLALCHEMY_DATABASE_URI=database)
    with app.app_context():
        try:
            upgrade(revision="0009")
            ret_id, head_id = returned_return("900002", "Old Text Primary")

            # Drafts and a snapshot as the app before 0010 stored them, in plain SQL.
            snapshot = {"inclusion": OLD_AREA, "priorities": OLD_PRIORITIES, "safeguarding": CLEAN}
            cast = "CAST(:answers AS JSONB)" if db.engine.dialect.name == "postgresql" else ":answers"
            with db.engine.begin() as connection:
                for key, answers, version in (("inclusion", OLD_AREA, 7), ("priorities", OLD_PRIORITIES, 3), ("safeguarding", CLEAN, 2)):
                    connection.execute(
                        text(f"INSERT INTO return_sections (return_id, key, answers, version, status, updated_by_id, updated_at) VALUES (:ret, :key, {cast}, :version, 'completed', :head, CURRENT_TIMESTAMP)"),
                        {"ret": ret_id, "key": key, "answers": json.dumps(answers), "version": version, "head": head_id},
                    )
                connection.execute(
                    text(f"INSERT INTO submissions (return_id, number, answers, form_version, submitted_by_id, submitted_at, late, answers_format) VALUES (:ret, 1, {cast}, :version, :head, CURRENT_TIMESTAMP, :late, 2)"),
                    {"ret": ret_id, "answers": json.dumps(snapshot), "version": registry.get("sef").form_version, "head": head_id, "late": False},
                )
                before_other = {row[0]: tuple(row[1:]) for row in connection.execute(text("SELECT key, version, status, updated_at FROM return_sections WHERE return_id = :ret"), {"ret": ret_id})}

            upgrade(revision="0010")

            with db.engine.connect() as connection:
                drafts = {row[0]: (json_of(row[1]), tuple(row[2:])) for row in connection.execute(text("SELECT key, answers, version, status, updated_at FROM return_sections WHERE return_id = :ret"), {"ret": ret_id})}
                (frozen,), = connection.execute(text("SELECT answers FROM submissions WHERE return_id = :ret"), {"ret": ret_id})
            # Drafts: every string in its one form, by the engine's own rule too; nothing else changed.
            assert drafts["inclusion"][0] == NEW_AREA == normalise_answers(OLD_AREA)
            assert drafts["priorities"][0] == NEW_PRIORITIES == normalise_answers(OLD_PRIORITIES)
            assert drafts["safeguarding"][0] == CLEAN
            assert {key: other for key, (_, other) in drafts.items()} == before_other, "versions, statuses and times as they were"
            # The snapshot: exactly as it was (compare normalises both sides instead).
            assert json_of(frozen) == snapshot

            # Running it again changes nothing, and down and up again is harmless.
            db.session.remove()
            downgrade(revision="0009")
            upgrade(revision="0010")
            with db.engine.connect() as connection:
                again = {key: json_of(answers) for key, answers in connection.execute(text("SELECT key, answers FROM return_sections WHERE return_id = :ret"), {"ret": ret_id})}
            assert again == {key: answers for key, (answers, _) in drafts.items()}
        finally:
            db.session.remove()
            db.engine.dispose()
