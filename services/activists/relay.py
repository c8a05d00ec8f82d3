"""Activists relay notices in their groups: a representative's notice is queued to every
active activist of the zones they serve, with a "forward this to your group" hint."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import User
from models.activists import Activist, ActivistStatus
from services import outbox
from services.cases.access import staff_zone_ids
from services.errors import Forbidden, Invalid

RELAY_MAX = 1000


async def relay_notice(
    session: AsyncSession, *, actor: User, notice: str, zone_id: int | None = None
) -> int:
    """Queues a copy to each active activist of `zone_id` (or of every zone the actor
    serves); returns how many were queued."""
    zones = await staff_zone_ids(session, user=actor)
    body = (notice or "").strip()
    if not body:
        raise Invalid("relay_empty")
    if len(body) > RELAY_MAX:
        raise Invalid("relay_too_long", limit=RELAY_MAX, length=len(body))
    if zone_id is not None:
        if zones is not None and zone_id not in zones:
            raise Forbidden("relay_not_your_zone")
        zones = {zone_id}
    query = (
        select(User)
        .join(Activist, Activist.user_id == User.id)
        .where(Activist.status == ActivistStatus.active)
        .order_by(User.id)
    )
    if zones is not None:
        query = query.where(Activist.zone_id.in_(zones))
    sent = 0
    for person in (await session.execute(query)).scalars():
        row = await outbox.notify(
            session, user=person, key="activists.relay", notice=body, rep=actor.display_name
        )
        sent += row is not None
    return sent
