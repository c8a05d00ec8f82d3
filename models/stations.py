"""Rider stations' services: the volunteers of each station, the slots they publish, and the
riders' bookings of them. Stations themselves are places in routes_data (their id here).

A slot's seats are numbered 1..capacity and a booking takes one: two partial unique indexes
over the live (not cancelled) bookings refuse in the database a seat given twice and a rider
booked twice into one slot, however the requests race.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Index, text
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, now_field, str_enum


class StationVolunteer(SQLModel, table=True):
    """A person who serves at a station: publishes its slots and marks bookings done."""

    __tablename__ = "station_volunteer"
    station_id: str = Field(primary_key=True, max_length=120)
    user_id: int = Field(foreign_key="user.id", primary_key=True)
    added_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = now_field()


class ServiceSlot(SQLModel, table=True):
    """A time at a station when volunteers offer one kind of service to `capacity` riders."""

    __tablename__ = "service_slot"
    __table_args__ = (
        Index("ix_service_slot_station_start", "station_id", "starts_at"),
        CheckConstraint("capacity >= 1", name="ck_service_slot_capacity"),
        CheckConstraint("minutes >= 1", name="ck_service_slot_minutes"),
    )
    id: int | None = Field(default=None, primary_key=True)
    station_id: str = Field(max_length=120)
    kind: str = Field(max_length=32)
    starts_at: datetime = Field(sa_type=UTCDateTime, index=True)
    minutes: int
    capacity: int
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = now_field()


class BookingStatus(StrEnum):
    booked = "booked"
    cancelled = "cancelled"
    done = "done"


_LIVE = text("status != 'cancelled'")


class SlotBooking(SQLModel, table=True):
    """A rider's seat in a slot; reminded once, cancelled before the start, or done."""

    __tablename__ = "slot_booking"
    __table_args__ = (
        Index(
            "uq_slot_booking_seat",
            "slot_id",
            "seat",
            unique=True,
            sqlite_where=_LIVE,
            postgresql_where=_LIVE,
        ),
        Index(
            "uq_slot_booking_rider",
            "slot_id",
            "rider_id",
            unique=True,
            sqlite_where=_LIVE,
            postgresql_where=_LIVE,
        ),
        CheckConstraint("seat >= 1", name="ck_slot_booking_seat"),
    )
    id: int | None = Field(default=None, primary_key=True)
    slot_id: int = Field(foreign_key="service_slot.id", index=True)
    rider_id: int = Field(foreign_key="user.id", index=True)
    seat: int
    status: BookingStatus = Field(default=BookingStatus.booked, sa_type=str_enum(BookingStatus))
    created_at: datetime = now_field()
    reminded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    done_by_id: int | None = Field(default=None, foreign_key="user.id")
