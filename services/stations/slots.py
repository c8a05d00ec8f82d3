"""Publishing service slots and reading them: who may publish at a station (its volunteers
and the union's representatives), the checks a slot must pass (a known station and kind, in
the future, inside the station's opening hours), and the free slots a rider can book."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Role, User
from models.stations import BookingStatus, ServiceSlot, SlotBooking, StationVolunteer
from models.types import utcnow
from services.errors import Forbidden, Invalid, NotFound
from services.local_time import time_zone

from .ids import check_station_id
from .kinds import check_kind
from .places import Station, Stations, open_throughout

STAFF = (Role.rep, Role.senior, Role.admin)
MAX_MINUTES = 8 * 60
MAX_CAPACITY = 50
MAX_AHEAD = timedelta(days=90)


@dataclass(frozen=True)
class SlotView:
    slot: ServiceSlot
    booked: int

    @property
    def free(self) -> int:
        return max(self.slot.capacity - self.booked, 0)

    @property
    def ends_at(self) -> datetime:
        return self.slot.starts_at + timedelta(minutes=self.slot.minutes)


def require_station(stations: Stations, station_id: str) -> Station:
    check_station_id(station_id)
    station = stations.get(station_id)
    if station is None:
        raise NotFound("station_unknown", station=station_id)
    return station


async def is_volunteer(session: AsyncSession, *, user: User, station_id: str) -> bool:
    if user.role in STAFF:
        return True
    row = await session.get(StationVolunteer, (station_id, user.id))
    return row is not None


async def require_volunteer(session: AsyncSession, *, user: User, station_id: str) -> None:
    if not await is_volunteer(session, user=user, station_id=station_id):
        raise Forbidden("not_station_volunteer")


async def volunteer_stations(session: AsyncSession, *, user: User, stations: Stations) -> list[str]:
    """The stations the person serves: all for representatives, else their own list."""
    if user.role in STAFF:
        return [s.id for s in stations.all()]
    rows = await session.execute(
        select(StationVolunteer.station_id).where(StationVolunteer.user_id == user.id)
    )
    return sorted(sid for sid in rows.scalars() if stations.get(sid) is not None)


async def add_volunteer(
    session: AsyncSession, *, actor: User, stations: Stations, station_id: str, user: User
) -> StationVolunteer:
    """A representative puts a person on a station's volunteer list (again is a no-op)."""
    if actor.role not in STAFF:
        raise Forbidden("staff_only")
    require_station(stations, station_id)
    row = await session.get(StationVolunteer, (station_id, user.id))
    if row is None:
        row = StationVolunteer(station_id=station_id, user_id=user.id, added_by_id=actor.id)
        session.add(row)
        await session.flush()
    return row


async def publish_slot(
    session: AsyncSession,
    *,
    actor: User,
    stations: Stations,
    station_id: str,
    kind: str,
    starts_at: datetime,
    minutes: int,
    capacity: int,
    holidays: Collection[date] = (),
    now: datetime | None = None,
) -> ServiceSlot:
    now = now or utcnow()
    station = require_station(stations, station_id)
    await require_volunteer(session, user=actor, station_id=station_id)
    check_kind(kind)
    if starts_at.tzinfo is None:
        starts_at = starts_at.replace(tzinfo=time_zone())
    if not 1 <= minutes <= MAX_MINUTES:
        raise Invalid("slot_minutes_range", most=MAX_MINUTES)
    if not 1 <= capacity <= MAX_CAPACITY:
        raise Invalid("slot_capacity_range", most=MAX_CAPACITY)
    if starts_at <= now:
        raise Invalid("slot_in_past")
    if starts_at > now + MAX_AHEAD:
        raise Invalid("slot_too_far", days=MAX_AHEAD.days)
    if not open_throughout(station, starts_at, minutes, holidays):
        raise Invalid("station_closed_then", hours=station.opening_hours or "24/7")
    slot = ServiceSlot(
        station_id=station_id,
        kind=kind,
        starts_at=starts_at,
        minutes=minutes,
        capacity=capacity,
        created_by_id=actor.id,
    )
    session.add(slot)
    await session.flush()
    return slot


def _booked_counts():  # type: ignore[no-untyped-def]
    return (
        select(SlotBooking.slot_id, func.count().label("n"))
        .where(SlotBooking.status != BookingStatus.cancelled)
        .group_by(SlotBooking.slot_id)
        .subquery()
    )


async def slot_views(
    session: AsyncSession,
    *,
    station_id: str | None = None,
    kind: str | None = None,
    start: datetime,
    end: datetime | None = None,
    only_free: bool = False,
    limit: int = 50,
) -> list[SlotView]:
    """Slots starting in [start, end), earliest first, with how many seats are taken."""
    counts = _booked_counts()
    booked = func.coalesce(counts.c.n, 0)
    q = (
        select(ServiceSlot, booked)
        .outerjoin(counts, counts.c.slot_id == ServiceSlot.id)
        .where(ServiceSlot.starts_at >= start)
        .order_by(ServiceSlot.starts_at, ServiceSlot.id)
        .limit(limit)
    )
    if end is not None:
        q = q.where(ServiceSlot.starts_at < end)
    if station_id is not None:
        q = q.where(ServiceSlot.station_id == station_id)
    if kind is not None:
        q = q.where(ServiceSlot.kind == kind)
    if only_free:
        q = q.where(booked < ServiceSlot.capacity)
    rows = await session.execute(q)
    return [SlotView(slot, int(n)) for slot, n in rows.all()]


async def slot_view(session: AsyncSession, *, slot_id: int) -> SlotView:
    slot = await session.get(ServiceSlot, slot_id)
    if slot is None:
        raise NotFound("slot_unknown")
    n = await session.scalar(
        select(func.count())
        .select_from(SlotBooking)
        .where(SlotBooking.slot_id == slot_id, SlotBooking.status != BookingStatus.cancelled)
    )
    return SlotView(slot, int(n or 0))


async def next_free_slot(
    session: AsyncSession, *, station_id: str, kind: str | None, after: datetime
) -> SlotView | None:
    """The earliest slot after `after` with a seat left (same station, same kind if given)."""
    found = await slot_views(
        session, station_id=station_id, kind=kind, start=after, only_free=True, limit=1
    )
    return found[0] if found else None


def local_day(day: date) -> tuple[datetime, datetime]:
    """The UTC bounds of a calendar day in the desk's time zone."""
    start = datetime.combine(day, datetime.min.time(), tzinfo=time_zone())
    return start, start + timedelta(days=1)
