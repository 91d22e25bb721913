"""Officers choose whether a school's submission is mailed to them

`users.submission_notices`: on for everyone already here and everyone added later (a server
default, so existing rows and the demo need nothing), turned off by an officer under Your account.
Only officers read it; a return assigned to an officer tells that officer whatever it says.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 04:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('submission_notices', sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('submission_notices')
