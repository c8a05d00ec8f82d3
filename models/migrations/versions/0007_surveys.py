"""Surveys and notices to members: surveys, their options, recipients and answers; notices
and their recipients; members' settings (notices muted).

Revision ID: 0007_surveys
Revises: 0007_agenda
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import models.types


revision = '0007_surveys'
down_revision = '0007_agenda'
branch_labels = None
depends_on = None


def _str(n: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=n)


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=24)


def upgrade() -> None:
    op.create_table('survey',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('question', _str(500), nullable=False),
    sa.Column('kind', _enum('surveykind', 'single', 'multiple', 'text'), nullable=False),
    sa.Column('audience', sa.JSON(), nullable=False),
    sa.Column('results_public', sa.Boolean(), nullable=False),
    sa.Column('status', _enum('surveystatus', 'open', 'closed'), nullable=False),
    sa.Column('closes_at', models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_at', models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reminded_at', models.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_survey_author_id'), 'survey', ['author_id'], unique=False)
    op.create_index(op.f('ix_survey_status'), 'survey', ['status'], unique=False)
    op.create_index(op.f('ix_survey_closes_at'), 'survey', ['closes_at'], unique=False)
    op.create_table('survey_option',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('label', _str(60), nullable=False),
    sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_survey_option_survey_id'), 'survey_option', ['survey_id'], unique=False)
    op.create_table('survey_recipient',
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('zone_id', sa.Integer(), nullable=True),
    sa.Column('outbox_id', sa.Integer(), nullable=True),
    sa.Column('reminded', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['zone_id'], ['zone.id'], ),
    sa.PrimaryKeyConstraint('survey_id', 'user_id')
    )
    op.create_index(op.f('ix_survey_recipient_user_id'), 'survey_recipient', ['user_id'], unique=False)
    op.create_table('survey_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('option_ids', sa.JSON(), nullable=False),
    sa.Column('text', _str(1000), nullable=True),
    sa.Column('answered_at', models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('changed_at', models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('survey_id', 'user_id', name='uq_survey_answer')
    )
    op.create_index(op.f('ix_survey_answer_survey_id'), 'survey_answer', ['survey_id'], unique=False)
    op.create_index(op.f('ix_survey_answer_user_id'), 'survey_answer', ['user_id'], unique=False)
    op.create_table('member_notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('body', _str(2000), nullable=False),
    sa.Column('audience', sa.JSON(), nullable=False),
    sa.Column('created_at', models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('progress_outbox_id', sa.Integer(), nullable=True),
    sa.Column('progress_shown', _str(64), nullable=True),
    sa.Column('done', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_member_notice_author_id'), 'member_notice', ['author_id'], unique=False)
    op.create_index(op.f('ix_member_notice_done'), 'member_notice', ['done'], unique=False)
    op.create_table('notice_recipient',
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('outbox_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['notice_id'], ['member_notice.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('notice_id', 'user_id')
    )
    op.create_table('member_settings',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('notices_muted', sa.Boolean(), nullable=False),
    sa.Column('updated_at', models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('user_id')
    )


def downgrade() -> None:
    op.drop_table('member_settings')
    op.drop_table('notice_recipient')
    op.drop_index(op.f('ix_member_notice_done'), table_name='member_notice')
    op.drop_index(op.f('ix_member_notice_author_id'), table_name='member_notice')
    op.drop_table('member_notice')
    op.drop_index(op.f('ix_survey_answer_user_id'), table_name='survey_answer')
    op.drop_index(op.f('ix_survey_answer_survey_id'), table_name='survey_answer')
    op.drop_table('survey_answer')
    op.drop_index(op.f('ix_survey_recipient_user_id'), table_name='survey_recipient')
    op.drop_table('survey_recipient')
    op.drop_index(op.f('ix_survey_option_survey_id'), table_name='survey_option')
    op.drop_table('survey_option')
    op.drop_index(op.f('ix_survey_closes_at'), table_name='survey')
    op.drop_index(op.f('ix_survey_status'), table_name='survey')
    op.drop_index(op.f('ix_survey_author_id'), table_name='survey')
    op.drop_table('survey')
