"""Auth: sign-in codes, lockouts, API sessions, staff passwords.

Revision ID: 0002_auth
Revises: 0002_membership
Create Date: 2026-11-24 11:36:10.480446
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import models.types


revision = '0002_auth'
down_revision = '0001_spine'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('api_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('access_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('refresh_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('access_expires_at', models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('refresh_expires_at', models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('method', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('revoked_at', models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('access_hash'),
    sa.UniqueConstraint('refresh_hash')
    )
    with op.batch_alter_table('api_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_session_user_id'), ['user_id'], unique=False)

    op.create_table('sign_in_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('expires_at', models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('sign_in_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_in_code_user_id'), ['user_id'], unique=False)

    op.create_table('sign_in_lock',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('locked_until', models.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('user_id')
    )
    op.create_table('staff_password',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('password_hash', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('updated_at', models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('user_id')
    )


def downgrade() -> None:
    op.drop_table('staff_password')
    op.drop_table('sign_in_lock')
    with op.batch_alter_table('sign_in_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_in_code_user_id'))

    op.drop_table('sign_in_code')
    with op.batch_alter_table('api_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_session_user_id'))

    op.drop_table('api_session')
