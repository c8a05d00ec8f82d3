"""Escalation: levels reached per case, once-only marks (warnings), SLA clocks, daily digests.

Revision ID: 0003_escalation
Revises: 0002_cases
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import models.types


revision = '0003_escalation'
down_revision = '0002_cases'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('escalation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('due_at', models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('fired_at', models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_id', 'level', name='uq_escalation_case_level')
    )
    op.create_index(op.f('ix_escalation_case_id'), 'escalation', ['case_id'], unique=False)
    op.create_table('escalation_mark',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('due_at', models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_at', models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_id', 'kind', 'due_at', name='uq_escalation_mark_once')
    )
    op.create_index(op.f('ix_escalation_mark_case_id'), 'escalation_mark', ['case_id'], unique=False)
    op.create_table('case_clock',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('last_status', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('next_update_from', models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolution_from', models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('paused_at', models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('paused_minutes', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], ),
    sa.PrimaryKeyConstraint('case_id')
    )
    op.create_table('escalation_digest',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('sent_at', models.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('day')
    )


def downgrade() -> None:
    op.drop_table('escalation_digest')
    op.drop_table('case_clock')
    op.drop_index(op.f('ix_escalation_mark_case_id'), table_name='escalation_mark')
    op.drop_table('escalation_mark')
    op.drop_index(op.f('ix_escalation_case_id'), table_name='escalation')
    op.drop_table('escalation')
