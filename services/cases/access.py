"""Who may see and act on which case: a rider their own, a representative their zones', an
admin all."""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, Role, User, ZoneStaff
from services.errors import Forbidden, NotFound

STAFF = frozenset({Role.rep, Role.senior, Role.admin})


def is_staff(user: User) -> bool:
    return user.role in STAFF


def require_staff(user: User) -> None:
    if not is_staff(user):
        raise Forbidden("not_staff")


async def staff_zone_ids(session: AsyncSession, *, user: User) -> set[int] | None:
    """The zones a representative serves; None means every zone (admins)."""
    require_staff(user)
    if user.role is Role.admin:
        return None
    rows = await session.execute(select(ZoneStaff.zone_id).where(ZoneStaff.user_id == user.id))
    return set(rows.scalars())


async def case_for_staff(session: AsyncSession, *, case_id: int, actor: User) -> Case:
    case = await session.get(Case, case_id)
    if case is None:
        raise NotFound("case_not_found")
    zones = await staff_zone_ids(session, user=actor)
    if zones is not None and case.zone_id not in zones:
        raise Forbidden("case_not_your_zone")
    return case


async def case_for_rider(session: AsyncSession, *, case_id: int, user: User) -> Case:
    """The rider's own case, or a case one of their cases was merged into (they follow it)."""
    case = await session.get(Case, case_id)
    if case is None:
        raise NotFound("case_not_found")
    if case.rider_id == user.id:
        return case
    follows = await session.scalar(
        select(exists().where(Case.merged_into_id == case.id, Case.rider_id == user.id))
    )
    if not follows:
        raise NotFound(
            "case_not_found"
        )  # not "forbidden": do not confirm someone else's case exists
    return case


def rider_sees_event(*, actor: User | None, viewer: User) -> bool:
    """A rider reads the desk's public events and their own; never another rider's own events
    (their words, rating or confirmation) on a case merged from several riders' reports."""
    return actor is None or actor.role is not Role.rider or actor.id == viewer.id


async def can_handle(session: AsyncSession, *, user: User, zone_id: int | None) -> bool:
    if not is_staff(user):
        return False
    zones = await staff_zone_ids(session, user=user)
    return zones is None or zone_id in zones
