"""Outbox leases fenced by a token, a chat index for its order; form submissions by key.

Revision ID: 0005_outbox
Revises: 0004_weekly_summary
"""
from alembic import op
import sqlalchemy as sa
import models.types


revision = '0005_outbox'
down_revision = '0004_weekly_summary'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox') as batch:
        batch.add_column(sa.Column('lease_token', sa.String(length=32), nullable=True))
    op.create_index('ix_outbox_chat', 'outbox', ['chat_id', 'status'], unique=False)
    op.create_table('form_submission',
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('form', sa.String(length=16), nullable=False),
    sa.Column('created_id', sa.Integer(), nullable=False),
    sa.Column('created_at', models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_index(op.f('ix_form_submission_user_id'), 'form_submission', ['user_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_form_submission_user_id'), table_name='form_submission')
    op.drop_table('form_submission')
    op.drop_index('ix_outbox_chat', table_name='outbox')
    with op.batch_alter_table('outbox') as batch:
        batch.drop_column('lease_token')
