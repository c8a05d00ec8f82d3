"""Chat: the new-case notices and applications sent to staff, so a change edits each copy.

Revision ID: 0005_chat
Revises: 0004_weekly_summary
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import models.types


revision = '0005_chat'
down_revision = '0004_weekly_summary'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('staff_notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('membership_id', sa.Integer(), nullable=True),
    sa.Column('outbox_id', sa.Integer(), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('lang', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('named', sa.Boolean(), nullable=False),
    sa.Column('tz', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('digest', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('last_edit_id', sa.Integer(), nullable=True),
    sa.Column('created_at', models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_staff_notice_case_id'), 'staff_notice', ['case_id'], unique=False)
    op.create_index(op.f('ix_staff_notice_outbox_id'), 'staff_notice', ['outbox_id'], unique=False)
    op.create_index(op.f('ix_staff_notice_membership_id'), 'staff_notice', ['membership_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_staff_notice_membership_id'), table_name='staff_notice')
    op.drop_index(op.f('ix_staff_notice_outbox_id'), table_name='staff_notice')
    op.drop_index(op.f('ix_staff_notice_case_id'), table_name='staff_notice')
    op.drop_table('staff_notice')
