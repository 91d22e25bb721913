"""One form of every text: the working drafts' answers normalised

Answers used to be stored as they arrived: CRLF line breaks from a form post, LF from an autosave,
with whatever invisible characters a paste brought. Every string in every working draft
(return_sections.answers) is now put in the one form the engine stores (app/engine/text.py), so an
unchanged answer saved before this migration equals the same words saved after it.

Snapshots (submissions) are immutable and are left exactly as they were: compare normalises both
sides instead.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 03:20:00

"""
import json
import re
import unicodedata

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


# The engine's rule (app.engine.text.normalise_text), written out here so the migration means the
# same thing however the app changes later.
LINE_BREAKS = re.compile("\r\n|[\r\u2028\u2029]")
TABLE = {**dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad")), **{ord(c): " " for c in "\u00a0\u202f\u2007"}}


def _normalised(value):
    if isinstance(value, str):
        return unicodedata.normalize("NFC", LINE_BREAKS.sub("\n", value).translate(TABLE)).strip()
    if isinstance(value, dict):
        return {key: _normalised(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_normalised(item) for item in value]
    return value


def upgrade():
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
        normalised = _normalised(answers)
        if normalised != answers:
            # The version stays: a page loaded before the migration still saves over the same words.
            bind.execute(write, {"id": row_id, "answers": json.dumps(normalised)})


def downgrade():
    # Nothing to undo: the normalised text is the same words, and the code before read it as ever.
    pass
