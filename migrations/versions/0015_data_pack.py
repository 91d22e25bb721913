"""The data pack: DfE's published school data, imported from performance tables and EES files

`data_imports` holds each file imported (kind, format, academic year, who, and what it changed);
`measure_values` one value of one catalogue measure for one pupil group, year and school (or an
LA or England as comparators): a number, or a status saying why DfE published none, never both.

Revision ID: 0015
Revises: 0013
Create Date: 2026-11-29 06:43:09

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('data_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('source_format', sa.String(length=24), nullable=False),
    sa.Column('academic_year', sa.String(length=7), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('catalogue_version', sa.Integer(), nullable=False),
    sa.Column('imported_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('rows_read', sa.Integer(), nullable=False),
    sa.Column('schools', sa.Integer(), nullable=False),
    sa.Column('not_in_register', sa.Integer(), nullable=False),
    sa.Column('comparators', sa.Integer(), nullable=False),
    sa.Column('rows_skipped', sa.Integer(), nullable=False),
    sa.Column('values_added', sa.Integer(), nullable=False),
    sa.Column('values_changed', sa.Integer(), nullable=False),
    sa.Column('values_unchanged', sa.Integer(), nullable=False),
    sa.Column('values_removed', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['imported_by_id'], ['users.id'], name=op.f('fk_data_imports_imported_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_imports'))
    )
    op.create_table('measure_values',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('measure', sa.String(length=48), nullable=False),
    sa.Column('pupil_group', sa.String(length=16), nullable=False),
    sa.Column('academic_year', sa.String(length=7), nullable=False),
    sa.Column('level', sa.String(length=8), nullable=False),
    sa.Column('area_code', sa.String(length=9), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=True),
    sa.Column('value', sa.Float(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('source_code', sa.String(length=10), nullable=True),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("(level = 'school') = (school_id IS NOT NULL)", name=op.f('ck_measure_values_school_rows_have_a_school')),
    sa.CheckConstraint("(status = 'value' AND value IS NOT NULL) OR (status <> 'value' AND value IS NULL)", name=op.f('ck_measure_values_value_or_status')),
    sa.ForeignKeyConstraint(['import_id'], ['data_imports.id'], name=op.f('fk_measure_values_import_id_data_imports')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_measure_values_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_measure_values')),
    sa.UniqueConstraint('academic_year', 'area_code', 'measure', 'pupil_group', 'level', name=op.f('uq_measure_values_academic_year'))
    )
    with op.batch_alter_table('measure_values', schema=None) as batch_op:
        batch_op.create_index('ix_measure_values_school_measure', ['school_id', 'measure'], unique=False)



def downgrade():
    with op.batch_alter_table('measure_values', schema=None) as batch_op:
        batch_op.drop_index('ix_measure_values_school_measure')

    op.drop_table('measure_values')
    op.drop_table('data_imports')
