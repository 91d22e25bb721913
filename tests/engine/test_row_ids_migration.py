"""Migration 0009 on a real database holding rows from before row ids: it marks every existing
submission format 1 and leaves its answers as they were (snapshots are immutable), gives every list
row of every working draft an id, and the engine then reads the old snapshot through its adapter.

Runs on SQLite by default and on PostgreSQL (answers as JSONB) when TEST_DATABASE_URL is set."""

from __future__ import annotations

import json
import pytest
from sqlalchemy import inspect, select, text

from app import create_app
from app.extensions import db
from app.models import School, Submission
from app.engine import registry
from app.engine.display import snapshot_answers
from tests.engine.old_drafts import database_url, json_of, returned_return

OLD_PRIORITIES = {
    "priorities": [
        {"title": "Reading for pleasure", "la_priority": "attainment", "impact": "More pupils read daily"},
        {"title": "Attendance", "la_priority": "attendance", "impact": "Fewer persistent absentees"},
        {"title": "Writing", "la_priority": "attainment", "impact": "Better writing at key stage 2"},
    ]
}
OLD_AREA = {"grade": "strong", "strengths": "Reading", "improvements": "Writing"}


@pytest.fixture
def database(tmp_path):
    return database_url(tmp_path, "rowids_migration")


@pytest.mark.own_database
def test_0009_gives_drafts_row_ids_and_leaves_old_snapshots_as_they_were(database):
    from flask_migrate import downgrade, upgrade

    app = create_app("test", SQLALCHEMY_DATABASE_URI=database)
    with app.app_context():
        try:
            upgrade(revision="0008")
            ret_id, head_id = returned_return("900001", "Old Format Primary")

            # Old-format rows, as the app before row ids wrote them, in plain SQL.
            cast = "CAST(:answers AS JSONB)" if db.engine.dialect.name == "postgresql" else ":answers"
            with db.engine.begin() as connection:
                for key, answers in (("priorities", OLD_PRIORITIES), ("inclusion", OLD_AREA)):
                    connection.execute(
                        text(f"INSERT INTO return_sections (return_id, key, answers, version, status, updated_by_id, updated_at) VALUES (:ret, :key, {cast}, 1, 'completed', :head, CURRENT_TIMESTAMP)"),
                        {"ret": ret_id, "key": key, "answers": json.dumps(answers), "head": head_id},
                    )
                connection.execute(
                    text(f"INSERT INTO submissions (return_id, number, answers, form_version, submitted_by_id, submitted_at, late) VALUES (:ret, 1, {cast}, :version, :head, CURRENT_TIMESTAMP, :late)"),
                    {"ret": ret_id, "answers": json.dumps({"priorities": OLD_PRIORITIES, "inclusion": OLD_AREA}), "version": registry.get("sef").form_version, "head": head_id, "late": False},
                )

            upgrade(revision="0009")

            with db.engine.connect() as connection:
                drafts = {key: json_of(answers) for key, answers in connection.execute(text("SELECT key, answers FROM return_sections WHERE return_id = :ret"), {"ret": ret_id})}
                (snapshot, answers_format), = connection.execute(text("SELECT answers, answers_format FROM submissions WHERE return_id = :ret"), {"ret": ret_id})
            # Drafts: every list row has an id, by its place; nothing else changed.
            assert drafts["priorities"] == {"priorities": [{**row, "id": f"p{n}"} for n, row in enumerate(OLD_PRIORITIES["priorities"], start=1)]}
            assert drafts["inclusion"] == OLD_AREA
            # Snapshots: marked format 1, answers exactly as they were.
            assert answers_format == 1 and json_of(snapshot) == {"priorities": OLD_PRIORITIES, "inclusion": OLD_AREA}

            # The engine reads the old snapshot through the adapter: ids from places, labels as ever.
            submission = db.session.get(Submission, db.session.scalar(text("SELECT id FROM submissions WHERE return_id = :ret").bindparams(ret=ret_id)))
            assert submission.answers_format == 1
            read = snapshot_answers(submission)
            assert [row["id"] for row in read["priorities"]["priorities"]] == ["p1", "p2", "p3"]
            section = registry.get("sef").section(submission.form_version, db.session.scalar(select(School).where(School.urn == "900001")), "priorities")
            rows = section.form.rows(submission.answers["priorities"])
            assert [(row.key, row.label) for row in rows][:2] == [("priorities.p1.title", "Priority 1"), ("priorities.p1.la_priority", "Priority 1: LA priority it supports")]
            assert rows[-1].label == "Priority 3: Intended impact" and rows[-1].value == "Better writing at key stage 2"
            # A new submission through the models is format 2.
            assert Submission.__table__.c.answers_format.default.arg == 2

            # And back down: the column goes, the drafts keep their (harmless) ids.
            db.session.remove()
            downgrade(revision="0008")
            assert "answers_format" not in {column["name"] for column in inspect(db.engine).get_columns("submissions")}
        finally:
            db.session.remove()
            db.engine.dispose()
