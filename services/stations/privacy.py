"""Bookings are personal data: /mydata exports them, /leave erases what serves no purpose.

On leaving, bookings still to come and cancelled ones are deleted (their seats free up) and
the person leaves every station's volunteer list; done bookings stay, pointing at the
anonymous user row as cases do, so the months' served counts do not change.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.stations import BookingStatus, ServiceSlot, SlotBooking, StationVolunteer


async def export_bookings(session: AsyncSession, *, user_id: int) -> dict[str, Any]:
    rows = await session.execute(
        select(SlotBooking, ServiceSlot)
        .join(ServiceSlot, ServiceSlot.id == SlotBooking.slot_id)
        .where(SlotBooking.rider_id == user_id)
        .order_by(SlotBooking.id)
    )
    volunteering = await session.execute(
        select(StationVolunteer).where(StationVolunteer.user_id == user_id)
    )
    return {
        "station_bookings": [
            {
                **b.model_dump(mode="json"),
                "station_id": s.station_id,
                "kind": s.kind,
                "starts_at": s.starts_at.isoformat(),
                "minutes": s.minutes,
            }
            for b, s in rows.all()
        ],
        "station_volunteering": [v.model_dump(mode="json") for v in volunteering.scalars()],
    }


async def forget_bookings(session: AsyncSession, *, user_id: int) -> int:
    """Deletes the person's bookings that were not done and their volunteering; returns how
    many bookings went."""
    gone = await session.execute(
        delete(SlotBooking).where(
            SlotBooking.rider_id == user_id, SlotBooking.status != BookingStatus.done
        )
    )
    await session.execute(delete(StationVolunteer).where(StationVolunteer.user_id == user_id))
    return int(gone.rowcount or 0)  # type: ignore[attr-defined]
