"""Who is an activist where: what tips, mentoring and the activists' own commands ask."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.activists import Activist, ActivistStatus
from services.errors import Forbidden


async def active_role(session: AsyncSession, *, user_id: int | None) -> Activist | None:
    """The person's active activist role, or None."""
    if user_id is None:
        return None
    return (
        await session.execute(
            select(Activist).where(
                Activist.user_id == user_id, Activist.status == ActivistStatus.active
            )
        )
    ).scalar_one_or_none()


async def require_activist(session: AsyncSession, *, user_id: int | None) -> Activist:
    role = await active_role(session, user_id=user_id)
    if role is None:
        raise Forbidden("not_activist")
    return role


async def is_zone_activist(
    session: AsyncSession, *, user_id: int | None, zone_id: int | None
) -> bool:
    role = await active_role(session, user_id=user_id)
    return role is not None and zone_id is not None and role.zone_id == zone_id


def zone_activist_ids(zone_id: int) -> Select[tuple[int]]:
    """The user ids of a zone's active activists, as a subquery."""
    return select(Activist.user_id).where(
        Activist.zone_id == zone_id, Activist.status == ActivistStatus.active
    )
