"""How many activists: per representative (the ones they confirmed) and per zone."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import User, Zone
from models.activists import Activist, ActivistStatus

ACTIVE = Activist.status == ActivistStatus.active


async def per_zone(session: AsyncSession, *, zones: set[int] | None) -> list[tuple[Zone, int]]:
    """Active activists of each zone (of `zones`; None: every zone), zones without any too."""
    n = func.count(Activist.id)
    query = (
        select(Zone, n)
        .outerjoin(Activist, (Activist.zone_id == Zone.id) & ACTIVE)
        .group_by(Zone.id)
        .order_by(Zone.code)
    )
    if zones is not None:
        query = query.where(Zone.id.in_(zones))
    return [(zone, int(count)) for zone, count in await session.execute(query)]


async def per_representative(
    session: AsyncSession, *, zones: set[int] | None
) -> list[tuple[User, int]]:
    """Active activists by the representative who confirmed them, most first."""
    n = func.count(Activist.id)
    query = (
        select(User, n)
        .join(Activist, Activist.decided_by_id == User.id)
        .where(ACTIVE)
        .group_by(User.id)
        .order_by(n.desc(), User.id)
    )
    if zones is not None:
        query = query.where(Activist.zone_id.in_(zones))
    return [(rep, int(count)) for rep, count in await session.execute(query)]


async def confirmed_by(session: AsyncSession, *, rep: User) -> int:
    return int(
        (
            await session.execute(
                select(func.count(Activist.id)).where(ACTIVE, Activist.decided_by_id == rep.id)
            )
        ).scalar_one()
    )
