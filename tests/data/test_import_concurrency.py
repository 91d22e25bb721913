"""Two administrators importing the same DfE file at the same moment, with real commits on PostgreSQL:
the second waits for the first and compares with what it wrote, and neither sees an error."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, insert, select

from app.data.generator import national_schools, write_performance_tables
from app.extensions import db
from app.models import DataImport, MeasureValue, Role, School, User
from app.services.passwords import hash_password
from tests.concurrency import own_postgres_app, run_together
from tests.conftest import PASSWORD, csrf_token, sign_in

pytestmark = [pytest.mark.postgres, pytest.mark.own_database]

SCHOOLS = list(national_schools("ks2", 300, seed=7, first_urn=700000))


@pytest.fixture
def race_app():
    """An app on a PostgreSQL database of its own: this test commits for real."""
    with own_postgres_app("_data_race") as app:
        with app.app_context():
            for number in (1, 2):
                db.session.add(User(email=f"data.admin{number}@example.org", name=f"Data Admin {number}", role=Role.ADMIN.value,
                                    password_hash=hash_password(PASSWORD), active=True))
            db.session.execute(insert(School.__table__), [
                {"urn": s.urn, "name": s.name, "search_name": s.name.lower(), "slug": f"school-{s.urn}", "la_code": s.la_code,
                 "phase": "Primary", "establishment_type": "Academy converter", "status": "Open"}
                for s in SCHOOLS
            ])
            db.session.commit()
        yield app


def test_the_same_file_imported_twice_at_once_is_written_once_and_compared_once(race_app):
    app = race_app
    text = io.StringIO()
    write_performance_tables(text, "ks2", "2024-25", SCHOOLS)
    content = text.getvalue().encode("utf-8")
    clients = []
    for number in (1, 2):
        client = app.test_client()
        with app.app_context():
            sign_in(client, db.session.scalar(select(User).where(User.email == f"data.admin{number}@example.org")))
        clients.append((client, csrf_token(client, "/admin/data")))
    statuses: list[int] = []

    def upload(client, token):
        response = client.post(
            "/admin/data",
            data={"data_file": (io.BytesIO(content), "ks2.csv"), "academic_year": "2024-25", "kind": "", "csrf_token": token},
            content_type="multipart/form-data",
        )
        statuses.append(response.status_code)

    run_together(upload, clients)
    assert statuses == [303, 303]
    with app.app_context():
        runs = db.session.scalars(select(DataImport).order_by(DataImport.id)).all()
        held = db.session.scalar(select(func.count()).select_from(MeasureValue))
        assert len(runs) == 2 and held > 1000
        # One import wrote every value, the other found each one there, unchanged.
        assert sorted((run.values_added, run.values_unchanged, run.values_changed, run.values_removed) for run in runs) == [
            (0, held, 0, 0), (held, 0, 0, 0)
        ]
