"""Measure values keyed by what DfE keys them by: year, kind, URN (or LA or England), measure, group.

The surrogate id, the school's id and the import's id go. A national key stage 2 file is about
194,000 values, and on PostgreSQL each foreign key checked on each row doubled the cost of writing
them (COPY of 194,000 rows: 1.8s with both keys and the school index, 0.5s keyed as here). The
school a value belongs to is the register's school with that URN (and its predecessors' URNs, for
history); the import a value came from is the latest import of its kind and year, because an
import replaces everything held for its kind and year. The kind (ks2, ks4 ...) is part of the key,
after the year, so that what one import replaces is one run of the key.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-29 09:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

KEY = ('academic_year', 'kind', 'area_code', 'measure', 'pupil_group', 'level')
OLD_KEY = ('academic_year', 'area_code', 'measure', 'pupil_group', 'level')
VALUE_OR_STATUS = "(status = 'value' AND value IS NOT NULL) OR (status <> 'value' AND value IS NULL)"


def upgrade():
    # PostgreSQL's constraint names belong to the schema, so the new table's take a suffix until the
    # old table has gone; SQLite's are labels in the table's own SQL, and take their final names.
    postgresql = op.get_bind().dialect.name == 'postgresql'
    suffix = '_by_urn' if postgresql else ''
    op.create_table('measure_values_by_urn',
    sa.Column('academic_year', sa.String(length=7), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('area_code', sa.String(length=9), nullable=False),
    sa.Column('measure', sa.String(length=48), nullable=False),
    sa.Column('pupil_group', sa.String(length=16), nullable=False),
    sa.Column('level', sa.String(length=8), nullable=False),
    sa.Column('value', sa.Float(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('source_code', sa.String(length=10), nullable=True),
    sa.CheckConstraint(VALUE_OR_STATUS, name=op.f('ck_measure_values_value_or_status' + suffix)),
    sa.PrimaryKeyConstraint(*KEY, name=op.f('pk_measure_values' + suffix)),
    sqlite_with_rowid=False,
    )
    # Each value's kind is its import's.
    columns = ', '.join((*KEY, 'value', 'status', 'source_code'))
    chosen = ', '.join('i.kind' if column == 'kind' else f'v.{column}' for column in (*KEY, 'value', 'status', 'source_code'))
    op.execute(f"INSERT INTO measure_values_by_urn ({columns}) SELECT {chosen} FROM measure_values v "
               "JOIN data_imports i ON i.id = v.import_id")
    op.drop_table('measure_values')
    op.rename_table('measure_values_by_urn', 'measure_values')
    if postgresql:
        op.execute("ALTER TABLE measure_values RENAME CONSTRAINT pk_measure_values_by_urn TO pk_measure_values")
        op.execute("ALTER TABLE measure_values RENAME CONSTRAINT ck_measure_values_value_or_status_by_urn "
                   "TO ck_measure_values_value_or_status")
        # Room on each page for a corrected value's new version beside the old (a "HOT" update, with
        # no new entry in the key's index): a national correction of 35,000 values 0.34s to 0.29s.
        op.execute("ALTER TABLE measure_values SET (fillfactor = 90)")


def downgrade():
    postgresql = op.get_bind().dialect.name == 'postgresql'
    suffix = '_ids' if postgresql else ''  # as in upgrade
    op.create_table('measure_values_with_ids',
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
    sa.CheckConstraint("(level = 'school') = (school_id IS NOT NULL)", name=op.f('ck_measure_values_school_rows_have_a_school' + suffix)),
    sa.CheckConstraint(VALUE_OR_STATUS, name=op.f('ck_measure_values_value_or_status' + suffix)),
    sa.ForeignKeyConstraint(['import_id'], ['data_imports.id'], name=op.f('fk_measure_values_import_id_data_imports' + suffix)),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_measure_values_school_id_schools' + suffix)),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_measure_values' + suffix)),
    )
    # Each value goes back to its school by URN and to the latest import of its kind and year.
    op.execute(
        "INSERT INTO measure_values_with_ids (measure, pupil_group, academic_year, level, area_code, school_id, value, "
        "status, source_code, import_id) "
        "SELECT v.measure, v.pupil_group, v.academic_year, v.level, v.area_code, s.id, v.value, v.status, v.source_code, "
        "(SELECT max(i.id) FROM data_imports i WHERE i.academic_year = v.academic_year AND i.kind = v.kind) "
        "FROM measure_values v LEFT JOIN schools s ON v.level = 'school' AND s.urn = v.area_code "
        "WHERE (v.level <> 'school' OR s.id IS NOT NULL) "
        "AND EXISTS (SELECT 1 FROM data_imports i WHERE i.academic_year = v.academic_year AND i.kind = v.kind)"
    )
    op.drop_table('measure_values')
    op.rename_table('measure_values_with_ids', 'measure_values')
    if postgresql:
        for old, new in (('pk_measure_values_ids', 'pk_measure_values'),
                         ('ck_measure_values_school_rows_have_a_school_ids', 'ck_measure_values_school_rows_have_a_school'),
                         ('ck_measure_values_value_or_status_ids', 'ck_measure_values_value_or_status'),
                         ('fk_measure_values_import_id_data_imports_ids', 'fk_measure_values_import_id_data_imports'),
                         ('fk_measure_values_school_id_schools_ids', 'fk_measure_values_school_id_schools')):
            op.execute(f"ALTER TABLE measure_values RENAME CONSTRAINT {old} TO {new}")
    with op.batch_alter_table('measure_values', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_measure_values_academic_year', OLD_KEY)
        batch_op.create_index('ix_measure_values_school_measure', ['school_id', 'measure'], unique=False)
