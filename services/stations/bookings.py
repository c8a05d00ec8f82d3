"""A rider books a seat in a slot, cancels it before the start; the station's volunteers see
the day's bookings and mark them done.

A booking takes the lowest free seat number. Two requests racing for the last seat (or one
rider tapping twice) both try to insert; the partial unique indexes of `slot_booking` let one
in and refuse the other, which then reads again and is told the slot is full (with the next
free slot) or that it holds the booking already.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from models import User
from models.stations import BookingStatus, ServiceSlot, SlotBooking
from models.types import utcnow
from services.errors import Conflict, Invalid, NotFound
from services.local_time import local_time

from .slots import local_day, next_free_slot, require_volunteer

LIVE = (BookingStatus.booked, BookingStatus.done)


@dataclass(frozen=True)
class BookingView:
    booking: SlotBooking
    slot: ServiceSlot
    rider: User


async def _live_seats(session: AsyncSession, slot_id: int) -> tuple[set[int], set[int]]:
    rows = await session.execute(
        select(SlotBooking.seat, SlotBooking.rider_id).where(
            SlotBooking.slot_id == slot_id, SlotBooking.status.in_(LIVE)
        )
    )
    pairs = rows.all()
    return {seat for seat, _ in pairs}, {rider for _, rider in pairs}


async def _full(session: AsyncSession, slot: ServiceSlot, now: datetime) -> Conflict:
    nxt = await next_free_slot(
        session, station_id=slot.station_id, kind=slot.kind, after=max(now, slot.starts_at)
    )
    if nxt is None:
        return Conflict("slot_full")
    return Conflict("slot_full_next", next=local_time(nxt.slot.starts_at), next_id=nxt.slot.id)


async def book(
    session: AsyncSession, *, rider: User, slot_id: int, now: datetime | None = None
) -> SlotBooking:
    now = now or utcnow()
    slot = await session.get(ServiceSlot, slot_id)
    if slot is None:
        raise NotFound("slot_unknown")
    if slot.starts_at <= now:
        raise Invalid("slot_started")
    # One try per seat at most: each refusal means someone else took a seat meanwhile.
    for _ in range(slot.capacity + 1):
        seats, riders = await _live_seats(session, slot_id)
        if rider.id in riders:
            raise Conflict("already_booked")
        free = [n for n in range(1, slot.capacity + 1) if n not in seats]
        if not free:
            raise await _full(session, slot, now)
        row = SlotBooking(slot_id=slot_id, rider_id=rider.id, seat=free[0])
        try:
            async with session.begin_nested():
                session.add(row)
                await session.flush()
        except IntegrityError:  # the index refused a seat or a rider given twice
            if row in session:
                session.expunge(row)
            continue
        return row
    raise await _full(session, slot, now)


async def _own_booking(session: AsyncSession, *, rider: User, booking_id: int) -> SlotBooking:
    row = await session.get(SlotBooking, booking_id)
    if row is None or row.rider_id != rider.id:
        raise NotFound("booking_unknown")
    return row


async def cancel(
    session: AsyncSession, *, rider: User, booking_id: int, now: datetime | None = None
) -> SlotBooking:
    """The rider gives the seat back, up to the slot's start."""
    now = now or utcnow()
    row = await _own_booking(session, rider=rider, booking_id=booking_id)
    if row.status is BookingStatus.cancelled:
        return row
    if row.status is BookingStatus.done:
        raise Conflict("booking_done")
    slot = await session.get(ServiceSlot, row.slot_id)
    assert slot is not None
    if slot.starts_at <= now:
        raise Invalid("cancel_after_start")
    row.status = BookingStatus.cancelled
    row.cancelled_at = now
    await session.flush()
    return row


async def mark_done(
    session: AsyncSession, *, actor: User, booking_id: int, now: datetime | None = None
) -> SlotBooking:
    """A volunteer of the slot's station records that the rider was served."""
    row = await session.get(SlotBooking, booking_id)
    if row is None:
        raise NotFound("booking_unknown")
    slot = await session.get(ServiceSlot, row.slot_id)
    assert slot is not None
    await require_volunteer(session, user=actor, station_id=slot.station_id)
    if row.status is BookingStatus.cancelled:
        raise Conflict("booking_cancelled")
    if row.status is BookingStatus.booked:
        result = await session.execute(
            update(SlotBooking)
            .where(SlotBooking.id == row.id, SlotBooking.status == BookingStatus.booked)
            .values(status=BookingStatus.done, done_at=now or utcnow(), done_by_id=actor.id)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:  # type: ignore[attr-defined]
            await session.refresh(row)
    return row


async def my_bookings(
    session: AsyncSession, *, rider: User, now: datetime | None = None
) -> list[tuple[SlotBooking, ServiceSlot]]:
    """The rider's booked slots still to come, soonest first."""
    rows = await session.execute(
        select(SlotBooking, ServiceSlot)
        .join(ServiceSlot, ServiceSlot.id == SlotBooking.slot_id)
        .where(
            SlotBooking.rider_id == rider.id,
            SlotBooking.status == BookingStatus.booked,
            ServiceSlot.starts_at > (now or utcnow()),
        )
        .order_by(ServiceSlot.starts_at)
    )
    return [(b, s) for b, s in rows.all()]


async def day_bookings(
    session: AsyncSession, *, station_ids: list[str], day: date
) -> list[BookingView]:
    """The live bookings of the stations' slots on a local day, by time then seat."""
    if not station_ids:
        return []
    start, end = local_day(day)
    rows = await session.execute(
        select(SlotBooking, ServiceSlot, User)
        .join(ServiceSlot, ServiceSlot.id == SlotBooking.slot_id)
        .join(User, User.id == SlotBooking.rider_id)
        .where(
            ServiceSlot.station_id.in_(station_ids),
            ServiceSlot.starts_at >= start,
            ServiceSlot.starts_at < end,
            SlotBooking.status.in_(LIVE),
        )
        .order_by(ServiceSlot.starts_at, ServiceSlot.id, SlotBooking.seat)
    )
    return [BookingView(b, s, u) for b, s, u in rows.all()]
