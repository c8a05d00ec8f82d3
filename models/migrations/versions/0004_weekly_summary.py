"""Escalation: the admins' weekly summary, one row per week summarised.

Revision ID: 0004_weekly_summary
Revises: 0003_escalation
"""
from alembic import op
import sqlalchemy as sa
import models.types


revision = '0004_weekly_summary'
down_revision = '0003_escalation'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('escalation_weekly',
    sa.Column('week', sa.Date(), nullable=False),
    sa.Column('sent_at', models.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('week')
    )


def downgrade() -> None:
    op.drop_table('escalation_weekly')
