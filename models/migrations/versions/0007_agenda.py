"""Agenda of hot issues: items, supports, meetings with invitations and RSVPs, item moves.

Revision ID: 0007_agenda
Revises: 0007_hands
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import models.types


revision = '0007_agenda'
down_revision = '0007_hands'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('meeting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('zone_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('talk', 'deliberation', 'secretary', 'property_manager', 'platform', name='meetingkind', native_enum=False, length=24), nullable=False),
    sa.Column('starts_at', models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('place_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('place', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('scheduled_by_id', sa.Integer(), nullable=True),
    sa.Column('minutes', sa.Text(), nullable=False),
    sa.Column('reminded_at', models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['scheduled_by_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['zone_id'], ['zone.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.create_index('ix_meeting_reminder', ['reminded_at', 'starts_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_zone_id'), ['zone_id'], unique=False)

    op.create_table('agenda_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('zone_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Enum('station', 'park', 'community', name='agendalevel', native_enum=False, length=24), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('details', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('proposed', 'scheduled', 'agreed', 'done', 'not_possible', name='agendastatus', native_enum=False, length=24), nullable=False),
    sa.Column('collective_id', sa.Integer(), nullable=True),
    sa.Column('proposed_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', models.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['collective_id'], ['collective_issue.id'], ),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['zone_id'], ['zone.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('collective_id')
    )
    with op.batch_alter_table('agenda_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agenda_item_proposed_by_id'), ['proposed_by_id'], unique=False)
        batch_op.create_index('ix_agenda_item_zone_status', ['zone_id', 'status'], unique=False)

    op.create_table('meeting_invite',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('rsvp', sa.Enum('yes', 'no', name='rsvp', native_enum=False, length=24), nullable=True),
    sa.Column('answered_at', models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('meeting_id', 'user_id', name='uq_meeting_invite')
    )
    with op.batch_alter_table('meeting_invite', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_invite_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_invite_user_id'), ['user_id'], unique=False)

    op.create_table('agenda_move',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('from_status', sa.Enum('proposed', 'scheduled', 'agreed', 'done', 'not_possible', name='agendastatus', native_enum=False, length=24), nullable=True),
    sa.Column('to_status', sa.Enum('proposed', 'scheduled', 'agreed', 'done', 'not_possible', name='agendastatus', native_enum=False, length=24), nullable=False),
    sa.Column('minutes', sa.Text(), nullable=False),
    sa.Column('decision', sa.Text(), nullable=False),
    sa.Column('created_at', models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['item_id'], ['agenda_item.id'], ),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('agenda_move', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agenda_move_item_id'), ['item_id'], unique=False)

    op.create_table('agenda_support',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['agenda_item.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('item_id', 'user_id', name='uq_agenda_support')
    )
    with op.batch_alter_table('agenda_support', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agenda_support_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agenda_support_user_id'), ['user_id'], unique=False)

    op.create_table('meeting_item',
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['agenda_item.id'], ),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], ),
    sa.PrimaryKeyConstraint('meeting_id', 'item_id')
    )
    with op.batch_alter_table('meeting_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_item_item_id'), ['item_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('meeting_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_item_item_id'))

    op.drop_table('meeting_item')
    with op.batch_alter_table('agenda_support', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agenda_support_user_id'))
        batch_op.drop_index(batch_op.f('ix_agenda_support_item_id'))

    op.drop_table('agenda_support')
    with op.batch_alter_table('agenda_move', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agenda_move_item_id'))

    op.drop_table('agenda_move')
    with op.batch_alter_table('meeting_invite', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_invite_user_id'))
        batch_op.drop_index(batch_op.f('ix_meeting_invite_meeting_id'))

    op.drop_table('meeting_invite')
    with op.batch_alter_table('agenda_item', schema=None) as batch_op:
        batch_op.drop_index('ix_agenda_item_zone_status')
        batch_op.drop_index(batch_op.f('ix_agenda_item_proposed_by_id'))

    op.drop_table('agenda_item')
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_zone_id'))
        batch_op.drop_index('ix_meeting_reminder')

    op.drop_table('meeting')
