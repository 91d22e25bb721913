"""Drafts keep everything: invalid answers beside the valid ones, and earlier versions of each section

`return_sections.invalid` holds what was typed but is not yet a valid answer, with its message, so a
draft saves whatever is typed and no other reader mistakes it for an answer. `section_versions`
keeps earlier working copies of a section (every one someone else overwrote, at most one per person
per section per five minutes of their own saves) until the return is accepted.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 04:10:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

ANSWERS = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade():
    with op.batch_alter_table('return_sections', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invalid', ANSWERS, nullable=False, server_default='{}'))

    op.create_table('section_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('return_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('answers', ANSWERS, nullable=False),
    sa.Column('invalid', ANSWERS, nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('saved_by_id', sa.Integer(), nullable=True),
    sa.Column('saved_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('replaced_by_id', sa.Integer(), nullable=True),
    sa.Column('replaced_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['replaced_by_id'], ['users.id'], name=op.f('fk_section_versions_replaced_by_id_users')),
    sa.ForeignKeyConstraint(['return_id'], ['returns.id'], name=op.f('fk_section_versions_return_id_returns')),
    sa.ForeignKeyConstraint(['saved_by_id'], ['users.id'], name=op.f('fk_section_versions_saved_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_section_versions'))
    )
    op.create_index('ix_section_versions_section', 'section_versions', ['return_id', 'key', 'saved_at'], unique=False)


def downgrade():
    op.drop_index('ix_section_versions_section', table_name='section_versions')
    op.drop_table('section_versions')
    with op.batch_alter_table('return_sections', schema=None) as batch_op:
        batch_op.drop_column('invalid')
