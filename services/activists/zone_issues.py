"""What an activist sees of their zone's agenda: the open collective issues (the gate that
blocks many riders) as category, place and counts, and the open cases counted by category.
Never who reported, never a case's words."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, User
from models.cases import CollectiveIssue, CollectiveStatus
from services.activists.roles import require_activist
from services.cases import states


@dataclass(frozen=True)
class IssueCount:
    category: str
    place: str
    status: str
    reports: int
    riders: int


@dataclass(frozen=True)
class ZoneAgenda:
    zone_id: int
    issues: list[IssueCount]
    open_by_category: dict[str, int]


async def zone_agenda(session: AsyncSession, *, zone_id: int) -> ZoneAgenda:
    rows = await session.execute(
        select(
            CollectiveIssue.category,
            CollectiveIssue.place,
            CollectiveIssue.status,
            func.count(Case.id),
            func.count(func.distinct(Case.rider_id)),
        )
        .join(Case, Case.collective_id == CollectiveIssue.id)
        .where(
            CollectiveIssue.zone_id == zone_id,
            CollectiveIssue.status != CollectiveStatus.resolved,
        )
        .group_by(
            CollectiveIssue.id,
            CollectiveIssue.category,
            CollectiveIssue.place,
            CollectiveIssue.status,
        )
        .order_by(func.count(Case.id).desc(), CollectiveIssue.id)
    )
    issues = [
        IssueCount(str(cat), place or "", getattr(status, "value", str(status)), n, riders)
        for cat, place, status, n, riders in rows
    ]
    counts = await session.execute(
        select(Case.category, func.count(Case.id))
        .where(Case.zone_id == zone_id, Case.status.in_(states.OPEN))
        .group_by(Case.category)
        .order_by(func.count(Case.id).desc(), Case.category)
    )
    return ZoneAgenda(zone_id, issues, {str(c): int(n) for c, n in counts})


async def activist_agenda(session: AsyncSession, *, user: User) -> ZoneAgenda:
    """`/zoneissues`: the agenda of the activist's own zone (activists only)."""
    role = await require_activist(session, user_id=user.id)
    return await zone_agenda(session, zone_id=role.zone_id)
