"""Row ids: every list row of a working draft gets an id; submissions say how they keep their rows

Snapshots are never changed: existing submissions are marked format 1 (rows by position) and are read
through app.engine.display.snapshot_answers, which gives their rows ids from their places. Working
drafts (return_sections) are not snapshots: each row of each list in them gets "p1", "p2", ... by
its place now, the same ids the adapter would give, so a draft and the snapshot it came from pair
by place at the moment of the migration.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 02:30:00

"""
import json
import re

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


# The engine's own rule (app.engine.display.with_row_ids), written out here so the migration means
# the same thing however the app changes later.
ROW_ID = re.compile(r"p[0-9]{1,4}|[0-9a-f]{12}")


def _with_row_ids(value):
    if isinstance(value, dict):
        return {key: _with_row_ids(item) for key, item in value.items()}
    if isinstance(value, list):
        if not any(isinstance(item, dict) for item in value):
            return value
        seen, rows = set(), []
        for number, item in enumerate(value, start=1):
            if not isinstance(item, dict):
                rows.append(item)
                continue
            row = _with_row_ids(item)
            own = row.get("id")
            row_id = own if isinstance(own, str) and ROW_ID.fullmatch(own) and own not in seen else f"p{number}"
            while row_id in seen:
                number += len(value)
                row_id = f"p{number}"
            seen.add(row_id)
            rows.append({**row, "id": row_id})
        return rows
    return value


def upgrade():
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answers_format', sa.Integer(), server_default='1', nullable=False))

    bind = op.get_bind()
    # Read as text on both databases (JSONB and JSON alike), written back as the column's own type.
    postgres = bind.dialect.name == "postgresql"
    read = "SELECT id, CAST(answers AS TEXT) FROM return_sections" if postgres else "SELECT id, answers FROM return_sections"
    write = sa.text(
        "UPDATE return_sections SET answers = CAST(:answers AS JSONB) WHERE id = :id" if postgres else "UPDATE return_sections SET answers = :answers WHERE id = :id"
    )
    for row_id, text in bind.execute(sa.text(read)).fetchall():
        if text is None:
            continue
        answers = json.loads(text) if isinstance(text, str) else text
        given = _with_row_ids(answers)
        if given != answers:
            bind.execute(write, {"id": row_id, "answers": json.dumps(given)})


def downgrade():
    # The drafts' row ids stay: the code before them ignored any field a form does not have.
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.drop_column('answers_format')
