"""Migration 0009 on a real database holding rows from before row ids: it marks every existing
submission format 1 and leaves its answers as they were (snapshots are immutable), gives every list
row of every working draft an id, and the engine then reads the old snapshot through its adapter.

Runs on SQLite by default and on PostgreSQL (answers as JSONB) when TEST_DATABASE_URL is set."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import inspect, text

from app import create_app
from app.extensions import db
from app.models import CollectionWindow, Return, Role, School, Submission, User
from app.engine import registry
from app.engine.display import snapshot_answers
from tests.conftest import TEST_DATABASE_URL, _postgres_database_for_worker

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
    if TEST_DATABASE_URL:
        return _postgres_database_for_worker("_rowids_migration")
    return f"sqlite:///{tmp_path}/rowids.db"


def json_of(value):
    return json.loads(value) if isinstance(value, str) else value


@pytest.mark.own_database
def test_0009_gives_drafts_row_ids_and_leaves_old_snapshots_as_they_were(database):
    from flask_migrate import downgrade, upgrade

    app = create_app("test", SQLALCHEMY_DATABASE_URI=database)
    with app.app_context():
        try:
            upgrade(revision="0008")
            school = School(urn="900001", name="Old Format Primary", slug="old-format-primary", la_code="883", phase="Primary", establishment_type="Academy converter", status="Open")
            db.session.add(school)
            db.session.flush()
            head = User(email="head@old.example.org", name="Head", role=Role.SCHOOL.value, school_id=school.id, password_hash="x", active=True, approver=True)
            window = CollectionWindow(
                return_type="sef", academic_year="2025/26", period="autumn", title="Self-evaluation, autumn 2025",
                opens_on=date.today() - timedelta(days=30), due_on=date.today() - timedelta(days=10), phases=["Primary"],
            )
            db.session.add_all([head, window])
            db.session.flush()
            ret = Return(window_id=window.id, school_id=school.id, return_type="sef", form_version=registry.get("sef").form_version, state="returned")
            db.session.add(ret)
            db.session.flush()
            ret_id, head_id = ret.id, head.id
            db.session.commit()

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
            section = registry.get("sef").section(submission.form_version, db.session.get(School, school.id), "priorities")
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
