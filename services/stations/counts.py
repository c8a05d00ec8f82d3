"""How many riders the stations served: done bookings per local month, station and kind."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.stations import BookingStatus, ServiceSlot, SlotBooking
from services.local_time import time_zone


@dataclass(frozen=True)
class Served:
    month: str  # "2026-12", in the desk's zone
    station_id: str
    kind: str
    served: int


async def served_per_month(
    session: AsyncSession, *, station_id: str | None = None, since: datetime | None = None
) -> list[Served]:
    """Newest month first, then by station and kind."""
    q = (
        select(ServiceSlot.starts_at, ServiceSlot.station_id, ServiceSlot.kind)
        .join(SlotBooking, SlotBooking.slot_id == ServiceSlot.id)
        .where(SlotBooking.status == BookingStatus.done)
    )
    if station_id is not None:
        q = q.where(ServiceSlot.station_id == station_id)
    if since is not None:
        q = q.where(ServiceSlot.starts_at >= since)
    tz = time_zone()
    counted: Counter[tuple[str, str, str]] = Counter(
        (at.astimezone(tz).strftime("%Y-%m"), sid, kind)
        for at, sid, kind in (await session.execute(q)).all()
    )
    rows = [Served(m, s, k, n) for (m, s, k), n in counted.items()]
    return sorted(rows, key=lambda r: (-int(r.month.replace("-", "")), r.station_id, r.kind))


def month_totals(rows: list[Served]) -> list[tuple[str, int]]:
    totals: Counter[str] = Counter()
    for r in rows:
        totals[r.month] += r.served
    return sorted(totals.items(), reverse=True)
