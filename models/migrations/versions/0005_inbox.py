"""Inbox: inbound updates stored before they are acknowledged, handled in order per chat.

Revision ID: 0005_inbox
Revises: 0004_weekly_summary
"""
from alembic import op
import sqlalchemy as sa
import models.types


revision = '0005_inbox'
down_revision = '0004_weekly_summary'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('inbox',
    sa.Column('update_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=True),
    sa.Column('status', sa.Enum('pending', 'done', 'failed', name='inboxstatus', native_enum=False, length=24), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('not_before', models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('lease_until', models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=512), nullable=True),
    sa.Column('received_at', models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('done_at', models.types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('update_id')
    )
    op.create_index('ix_inbox_chat_order', 'inbox', ['status', 'chat_id', 'update_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_inbox_chat_order', table_name='inbox')
    op.drop_table('inbox')
