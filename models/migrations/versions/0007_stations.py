"""Stations: station volunteers, service slots and riders' bookings of them.

Revision ID: 0007_stations
Revises: 0006_chat2
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import models.types


revision = '0007_stations'
down_revision = '0006_chat2'
branch_labels = None
depends_on = None

LIVE = sa.text("status != 'cancelled'")


def upgrade() -> None:
    op.create_table('station_volunteer',
    sa.Column('station_id', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('station_id', 'user_id')
    )
    op.create_table('service_slot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('station_id', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('starts_at', models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', models.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('capacity >= 1', name='ck_service_slot_capacity'),
    sa.CheckConstraint('minutes >= 1', name='ck_service_slot_minutes'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('service_slot', schema=None) as batch_op:
        batch_op.create_index('ix_service_slot_station_start', ['station_id', 'starts_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_slot_starts_at'), ['starts_at'], unique=False)

    op.create_table('slot_booking',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slot_id', sa.Integer(), nullable=False),
    sa.Column('rider_id', sa.Integer(), nullable=False),
    sa.Column('seat', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('booked', 'cancelled', 'done', name='bookingstatus', native_enum=False, length=24), nullable=False),
    sa.Column('created_at', models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reminded_at', models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('done_at', models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('done_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('seat >= 1', name='ck_slot_booking_seat'),
    sa.ForeignKeyConstraint(['done_by_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['rider_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['slot_id'], ['service_slot.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('slot_booking', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_slot_booking_rider_id'), ['rider_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_slot_booking_slot_id'), ['slot_id'], unique=False)
        batch_op.create_index('uq_slot_booking_seat', ['slot_id', 'seat'], unique=True, sqlite_where=LIVE, postgresql_where=LIVE)
        batch_op.create_index('uq_slot_booking_rider', ['slot_id', 'rider_id'], unique=True, sqlite_where=LIVE, postgresql_where=LIVE)


def downgrade() -> None:
    with op.batch_alter_table('slot_booking', schema=None) as batch_op:
        batch_op.drop_index('uq_slot_booking_rider', sqlite_where=LIVE, postgresql_where=LIVE)
        batch_op.drop_index('uq_slot_booking_seat', sqlite_where=LIVE, postgresql_where=LIVE)
        batch_op.drop_index(batch_op.f('ix_slot_booking_slot_id'))
        batch_op.drop_index(batch_op.f('ix_slot_booking_rider_id'))

    op.drop_table('slot_booking')
    with op.batch_alter_table('service_slot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_slot_starts_at'))
        batch_op.drop_index('ix_service_slot_station_start')

    op.drop_table('service_slot')
    op.drop_table('station_volunteer')
