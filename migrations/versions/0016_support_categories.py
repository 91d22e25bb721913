"""Support categories: each published version of the categories, their criteria and the rules that
suggest one (`support_criteria`, never changed), and every category an officer has set for a school
(`support_decisions`, never changed; the latest is the school's).

Revision ID: 0016
Revises: 0013
Create Date: 2026-11-29 07:00:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

ANSWERS = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade():
    op.create_table('support_criteria',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('categories', ANSWERS, nullable=False),
    sa.Column('rules', ANSWERS, nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_support_criteria_published_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_support_criteria')),
    sa.UniqueConstraint('number', name=op.f('uq_support_criteria_number'))
    )
    op.create_table('support_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('criteria_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('departure', sa.Text(), nullable=False),
    sa.Column('review_on', sa.Date(), nullable=False),
    sa.Column('suggested', sa.String(length=40), nullable=True),
    sa.Column('suggested_because', ANSWERS, nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['criteria_id'], ['support_criteria.id'], name=op.f('fk_support_decisions_criteria_id_support_criteria')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_support_decisions_decided_by_id_users')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_support_decisions_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_support_decisions'))
    )
    op.create_index('ix_support_decisions_school_id_id', 'support_decisions', ['school_id', 'id'], unique=False)


def downgrade():
    op.drop_index('ix_support_decisions_school_id_id', table_name='support_decisions')
    op.drop_table('support_decisions')
    op.drop_table('support_criteria')
