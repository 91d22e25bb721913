"""For the data migrations' tests: a database of the test's own (SQLite file, or PostgreSQL when
TEST_DATABASE_URL is set) holding one school's returned self-evaluation, made at an earlier revision
so old-format rows can then be written with plain SQL."""

from __future__ import annotations

import json
from datetime import date, timedelta

from app.engine import registry
from app.extensions import db
from sqlalchemy import MetaData, Table, insert

from app.models import CollectionWindow, Return, Role, School
from app.models.types import utcnow
from tests.conftest import TEST_DATABASE_URL, _postgres_database_for_worker


def database_url(tmp_path, name: str) -> str:
    if TEST_DATABASE_URL:
        return _postgres_database_for_worker(f"_{name}")
    return f"sqlite:///{tmp_path}/{name}.db"


def returned_return(urn: str, name: str) -> tuple[int, int]:
    """A school, its head, a closed autumn window and the school's return, back with the school:
    (return id, head's id), committed."""
    school = School(urn=urn, name=name, slug=name.lower().replace(" ", "-"), la_code="883", phase="Primary", establishment_type="Academy converter", status="Open")
    db.session.add(school)
    db.session.flush()
    # The head through the table as it is at this revision (the model may have columns added since).
    users = Table("users", MetaData(), autoload_with=db.session.connection())
    wanted = {
        "email": f"head@{urn}.example.org", "name": "Head", "role": Role.SCHOOL.value, "school_id": school.id, "password_hash": "x",
        "active": True, "approver": True, "session_version": 1, "created_at": utcnow(), "failed_sign_ins": 0,
    }
    head_id = db.session.execute(insert(users).values({key: value for key, value in wanted.items() if key in users.c}).returning(users.c.id)).scalar_one()
    window = CollectionWindow(
        return_type="sef", academic_year="2025/26", period="autumn", title="Self-evaluation, autumn 2025",
        opens_on=date.today() - timedelta(days=30), due_on=date.today() - timedelta(days=10), phases=["Primary"],
    )
    db.session.add(window)
    db.session.flush()
    ret = Return(window_id=window.id, school_id=school.id, return_type="sef", form_version=registry.get("sef").form_version, state="returned")
    db.session.add(ret)
    db.session.flush()
    ids = ret.id, head_id
    db.session.commit()
    return ids


def json_of(value):
    """JSON as the driver hands it back: text on SQLite, already decoded on PostgreSQL."""
    return json.loads(value) if isinstance(value, str) else value
