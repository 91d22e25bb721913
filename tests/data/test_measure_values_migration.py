"""Migration 0017 on a real database holding values from before it: every value keeps its figure,
status and code under its year, URN, measure and group, and the way back gives each school's value
its school and each value an import again.

Runs on SQLite by default and on PostgreSQL when TEST_DATABASE_URL is set."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text

from app import create_app
from app.extensions import db
from app.models import School
from tests.engine.old_drafts import database_url

OLD_VALUES = [
    # measure, group, year, level, area code, value, status, source code
    ("ks2_rwm_expected", "all", "2024-25", "school", "880001", 67.0, "value", None),
    ("ks2_rwm_expected", "disadvantaged", "2024-25", "school", "880001", None, "withheld", "SUPP"),
    ("ks2_rwm_expected", "all", "2024-25", "la", "883", 62.0, "value", None),
    ("ks2_rwm_expected", "all", "2024-25", "england", "E92000001", 61.0, "value", None),
]


@pytest.mark.own_database
def test_0017_keys_values_by_urn_and_keeps_every_one(tmp_path):
    from flask_migrate import downgrade, upgrade

    app = create_app("test", SQLALCHEMY_DATABASE_URI=database_url(tmp_path, "measure_values_migration"))
    with app.app_context():
        try:
            upgrade(revision="0016")
            school = School(urn="880001", name="St Mary's", slug="st-marys", la_code="883", phase="Primary",
                            establishment_type="Academy converter", status="Open")
            db.session.add(school)
            db.session.flush()
            school_id = school.id
            db.session.commit()
            db.session.remove()  # no transaction left open on the register while tables are dropped
            with db.engine.begin() as connection:
                import_id = connection.execute(text(
                    "INSERT INTO data_imports (kind, source_format, academic_year, filename, catalogue_version, created_at, "
                    "rows_read, schools, not_in_register, comparators, rows_skipped, values_added, values_changed, "
                    "values_unchanged, values_removed) VALUES ('ks2', 'performance_tables', '2024-25', 'ks2.csv', 1, "
                    "CURRENT_TIMESTAMP, 3, 1, 0, 2, 0, 4, 0, 0, 0) RETURNING id"
                )).scalar_one()
                for measure, group, year, level, code, value, status, source in OLD_VALUES:
                    connection.execute(text(
                        "INSERT INTO measure_values (measure, pupil_group, academic_year, level, area_code, school_id, value, "
                        "status, source_code, import_id) VALUES (:m, :g, :y, :l, :c, :s, :v, :st, :sc, :i)"
                    ), {"m": measure, "g": group, "y": year, "l": level, "c": code, "s": school_id if level == "school" else None,
                        "v": value, "st": status, "sc": source, "i": import_id})

            upgrade(revision="0017")
            columns = {column["name"] for column in inspect(db.engine).get_columns("measure_values")}
            assert "school_id" not in columns and "import_id" not in columns and "id" not in columns
            # Constraint names as the models' naming convention gives them, on either database.
            assert inspect(db.engine).get_pk_constraint("measure_values")["name"] == "pk_measure_values"
            assert [c["name"] for c in inspect(db.engine).get_check_constraints("measure_values")] == ["ck_measure_values_value_or_status"]
            with db.engine.connect() as connection:
                rows = connection.execute(text(
                    "SELECT measure, pupil_group, academic_year, level, area_code, value, status, source_code, kind "
                    "FROM measure_values ORDER BY level DESC, pupil_group"
                )).all()
            assert sorted(tuple(row[:-1]) for row in rows) == sorted(OLD_VALUES)
            assert {row[-1] for row in rows} == {"ks2"}  # each value's kind is its import's
            # The key refuses the same value twice; the check still keeps a status from a number.
            for duplicate in ("'ks2', 'ks2_rwm_expected', 'all', '2024-25', 'school', '880001', 1.0, 'value', NULL",
                              "'ks2', 'ks2_rwm_higher', 'all', '2024-25', 'school', '880001', 1.0, 'withheld', 'SUPP'"):
                with pytest.raises(Exception), db.engine.begin() as connection:
                    connection.execute(text(
                        "INSERT INTO measure_values (kind, measure, pupil_group, academic_year, level, area_code, value, "
                        f"status, source_code) VALUES ({duplicate})"
                    ))

            db.session.remove()
            downgrade(revision="0016")
            with db.engine.connect() as connection:
                back = connection.execute(text(
                    "SELECT level, area_code, school_id, import_id, value FROM measure_values ORDER BY level DESC, pupil_group"
                )).all()
            assert {(level, code, school, imported) for level, code, school, imported, _ in back} == {
                ("school", "880001", school_id, import_id), ("la", "883", None, import_id),
                ("england", "E92000001", None, import_id),
            }
            assert len(back) == len(OLD_VALUES)
            assert inspect(db.engine).get_pk_constraint("measure_values")["name"] == "pk_measure_values"
        finally:
            db.session.remove()
            db.engine.dispose()
