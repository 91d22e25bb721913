"""Monitoring: reminders sent by hand, when an officer last looked at new submissions, and the
alerts a submission raises until an officer acknowledges them

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29 07:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('window_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('sent_by_id', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recipients', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_reminders_school_id_schools')),
    sa.ForeignKeyConstraint(['sent_by_id'], ['users.id'], name=op.f('fk_reminders_sent_by_id_users')),
    sa.ForeignKeyConstraint(['window_id'], ['collection_windows.id'], name=op.f('fk_reminders_window_id_collection_windows')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminders'))
    )
    op.create_index('ix_reminders_window_school', 'reminders', ['window_id', 'school_id', 'sent_at'], unique=False)
    op.create_index(op.f('ix_reminders_school_id'), 'reminders', ['school_id'], unique=False)
    op.create_table('officer_marks',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('submissions_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_officer_marks_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_officer_marks'))
    )
    op.create_table('return_alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('return_id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('window_id', sa.Integer(), nullable=False),
    sa.Column('return_type', sa.String(length=32), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('raised_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('acknowledged_by_id', sa.Integer(), nullable=True),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['acknowledged_by_id'], ['users.id'], name=op.f('fk_return_alerts_acknowledged_by_id_users')),
    sa.ForeignKeyConstraint(['return_id'], ['returns.id'], name=op.f('fk_return_alerts_return_id_returns')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_return_alerts_school_id_schools')),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], name=op.f('fk_return_alerts_submission_id_submissions')),
    sa.ForeignKeyConstraint(['window_id'], ['collection_windows.id'], name=op.f('fk_return_alerts_window_id_collection_windows')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_return_alerts')),
    sa.UniqueConstraint('return_id', 'key', name='one_alert_per_return_and_key')
    )
    op.create_index('ix_return_alerts_open', 'return_alerts', ['acknowledged_at'], unique=False)
    op.create_index(op.f('ix_return_alerts_school_id'), 'return_alerts', ['school_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_return_alerts_school_id'), table_name='return_alerts')
    op.drop_index('ix_return_alerts_open', table_name='return_alerts')
    op.drop_table('return_alerts')
    op.drop_table('officer_marks')
    op.drop_index(op.f('ix_reminders_school_id'), table_name='reminders')
    op.drop_index('ix_reminders_window_school', table_name='reminders')
    op.drop_table('reminders')
