"""The reminder a rider gets before a booked slot (once, about an hour before), with a button
to cancel. A sweep, not a job per booking: safe on several workers (`reminded_at` is set by
a conditional update before the notice is queued, in the same transaction)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import User
from models.stations import BookingStatus, ServiceSlot, SlotBooking
from services.actions import Act, Action
from services.local_time import local_time
from services.outbox import notify

from .places import Stations
from .present import kind_name

LEAD = timedelta(hours=1)


async def send_due_reminders(
    session: AsyncSession, *, stations: Stations, now: datetime, lead: timedelta = LEAD
) -> int:
    """Queue the reminders of booked slots starting within `lead`; returns how many."""
    rows = await session.execute(
        select(SlotBooking, ServiceSlot, User)
        .join(ServiceSlot, ServiceSlot.id == SlotBooking.slot_id)
        .join(User, User.id == SlotBooking.rider_id)
        .where(
            SlotBooking.status == BookingStatus.booked,
            SlotBooking.reminded_at.is_(None),
            ServiceSlot.starts_at > now,
            ServiceSlot.starts_at <= now + lead,
        )
        .order_by(ServiceSlot.starts_at, SlotBooking.id)
    )
    sent = 0
    for booking, slot, rider in rows.all():
        claimed = await session.execute(
            update(SlotBooking)
            .where(SlotBooking.id == booking.id, SlotBooking.reminded_at.is_(None))
            .values(reminded_at=now)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            continue  # another worker reminded it
        station = stations.get(slot.station_id)
        await notify(
            session,
            user=rider,
            key="stations.reminder",
            actions=[[Action(Act.CANCEL_BOOKING, booking.id)]],
            when=local_time(slot.starts_at),
            kind=kind_name(rider.language, slot.kind),
            station=station.label(rider.language) if station else slot.station_id,
        )
        sent += 1
    return sent
