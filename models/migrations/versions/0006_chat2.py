"""Chat2: a staff notice says what it is, so escalation notices are edited in place too.

Revision ID: 0006_chat2
Revises: 0005_chat
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0006_chat2'
down_revision = '0005_chat'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('staff_notice') as batch:
        batch.add_column(
            sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False,
                      server_default='case')
        )


def downgrade() -> None:
    with op.batch_alter_table('staff_notice') as batch:
        batch.drop_column('kind')
