"""Living plans: a list of an accepted return that the school keeps up to date through the year

`living_plans` holds an accepted return's next review date and whether a later accepted return of
its type has replaced it; `living_rows` one row of its living list by the row's id, with the
answers as accepted and its current status and note (`target_on` and `complete` as columns, so
"due soon" and "overdue" are SQL); `living_updates` every update, never changed.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29 05:20:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

ANSWERS = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade():
    op.create_table('living_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('return_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('return_type', sa.String(length=32), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('next_review_on', sa.Date(), nullable=False),
    sa.Column('superseded_by_id', sa.Integer(), nullable=True),
    sa.Column('superseded_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['return_id'], ['returns.id'], name=op.f('fk_living_plans_return_id_returns')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_living_plans_school_id_schools')),
    sa.ForeignKeyConstraint(['superseded_by_id'], ['returns.id'], name=op.f('fk_living_plans_superseded_by_id_returns')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_living_plans')),
    sa.UniqueConstraint('return_id', name=op.f('uq_living_plans_return_id'))
    )
    op.create_index(op.f('ix_living_plans_school_id'), 'living_plans', ['school_id'], unique=False)
    op.create_table('living_rows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('return_id', sa.Integer(), nullable=False),
    sa.Column('row_id', sa.String(length=40), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('answers', ANSWERS, nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('target_on', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=40), nullable=False),
    sa.Column('complete', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('removed', sa.Boolean(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['return_id'], ['returns.id'], name=op.f('fk_living_rows_return_id_returns')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_living_rows_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_living_rows')),
    sa.UniqueConstraint('return_id', 'row_id', name='one_living_row_per_row_id')
    )
    op.create_index(op.f('ix_living_rows_return_id'), 'living_rows', ['return_id'], unique=False)
    op.create_index('ix_living_rows_due', 'living_rows', ['complete', 'target_on'], unique=False)
    op.create_table('living_updates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('living_row_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=40), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['by_id'], ['users.id'], name=op.f('fk_living_updates_by_id_users')),
    sa.ForeignKeyConstraint(['living_row_id'], ['living_rows.id'], name=op.f('fk_living_updates_living_row_id_living_rows')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_living_updates'))
    )
    op.create_index('ix_living_updates_row_at', 'living_updates', ['living_row_id', 'at'], unique=False)


def downgrade():
    op.drop_index('ix_living_updates_row_at', table_name='living_updates')
    op.drop_table('living_updates')
    op.drop_index('ix_living_rows_due', table_name='living_rows')
    op.drop_index(op.f('ix_living_rows_return_id'), table_name='living_rows')
    op.drop_table('living_rows')
    op.drop_index(op.f('ix_living_plans_school_id'), table_name='living_plans')
    op.drop_table('living_plans')
