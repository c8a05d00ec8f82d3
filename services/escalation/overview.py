"""What senior representatives and admins watch in chat: overdue and escalated cases, and the
numbers of today and this week. Each is limited to the viewer's zones (admins: every zone),
optionally to one zone by its code."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, Escalation, Role, User, Zone
from models.types import utcnow
from services.cases.access import require_staff, staff_zone_ids
from services.cases.states import OPEN
from services.errors import Forbidden, NotFound
from services.local_time import time_zone

WATCHERS = frozenset({Role.senior, Role.admin})


def require_watcher(actor: User) -> None:
    """Overdue and escalated lists are the senior representatives' and admins' tools."""
    require_staff(actor)
    if actor.role not in WATCHERS:
        raise Forbidden("not_senior")


async def _zones(session: AsyncSession, *, actor: User, zone_code: str | None) -> list[Any]:
    """WHERE clauses limiting cases to the viewer's zones, or to the one zone asked for."""
    mine = await staff_zone_ids(session, user=actor)
    if zone_code:
        zone = (
            await session.execute(select(Zone).where(Zone.code == zone_code.strip().upper()))
        ).scalar_one_or_none()
        if zone is None:
            raise NotFound("zone_not_found", code=zone_code.strip())
        if mine is not None and zone.id not in mine:
            raise Forbidden("case_not_your_zone")
        return [Case.zone_id == zone.id]
    return [] if mine is None else [Case.zone_id.in_(mine)]


def _overdue(now: datetime) -> Any:
    return and_(
        Case.status.in_(OPEN), Case.first_response_at.is_(None), Case.first_response_due_at < now
    )


async def overdue_cases(
    session: AsyncSession,
    *,
    actor: User,
    zone_code: str | None = None,
    now: datetime | None = None,
    limit: int = 20,
) -> tuple[list[Case], int]:
    """Open cases still waiting for a first answer past its time, most overdue first, and how
    many there are in all."""
    require_watcher(actor)
    where = [_overdue(now or utcnow()), *await _zones(session, actor=actor, zone_code=zone_code)]
    total = await session.scalar(select(func.count()).select_from(Case).where(*where)) or 0
    rows = await session.execute(
        select(Case).where(*where).order_by(Case.first_response_due_at, Case.id).limit(limit)
    )
    return list(rows.scalars()), total


@dataclass(frozen=True)
class Escalated:
    case: Case
    level: int  # the highest level reached
    due_at: datetime  # the earliest broken deadline


async def escalated_cases(
    session: AsyncSession, *, actor: User, zone_code: str | None = None, limit: int = 20
) -> tuple[list[Escalated], int]:
    """Open cases that were escalated, the longest broken deadline first."""
    require_watcher(actor)
    fired = (
        select(
            Escalation.case_id,
            func.max(Escalation.level).label("level"),
            func.min(Escalation.due_at).label("due_at"),
        )
        .group_by(Escalation.case_id)
        .subquery()
    )
    where = [Case.status.in_(OPEN), *await _zones(session, actor=actor, zone_code=zone_code)]
    base = select(Case, fired.c.level, fired.c.due_at).join(fired, fired.c.case_id == Case.id)
    total = await session.scalar(select(func.count()).select_from(base.where(*where).subquery()))
    rows = await session.execute(base.where(*where).order_by(fired.c.due_at, Case.id).limit(limit))
    return [Escalated(c, int(level), due) for c, level, due in rows.all()], total or 0


@dataclass(frozen=True)
class Counts:
    opened: int
    resolved: int
    overdue: int  # first answers whose time fell in the period and that came late or not yet


async def case_stats(
    session: AsyncSession,
    *,
    actor: User,
    tz: str,
    zone_code: str | None = None,
    now: datetime | None = None,
) -> dict[str, Counts]:
    """Today and this week (from Monday), in the desk's time zone, for the viewer's zones."""
    require_staff(actor)
    now = now or utcnow()
    zones = await _zones(session, actor=actor, zone_code=zone_code)
    today = now.astimezone(time_zone(tz)).date()
    starts = {"today": today, "week": today - timedelta(days=today.weekday())}
    result: dict[str, Counts] = {}
    for name, day in starts.items():
        start = datetime.combine(day, time(0), time_zone(tz)).astimezone(UTC)

        async def count(*where: Any) -> int:
            query = select(func.count()).select_from(Case).where(*where, *zones)
            return int(await session.scalar(query) or 0)

        due = and_(Case.first_response_due_at >= start, Case.first_response_due_at < now)
        late = or_(
            Case.first_response_at.is_(None), Case.first_response_at > Case.first_response_due_at
        )
        result[name] = Counts(
            opened=await count(Case.created_at >= start),
            resolved=await count(Case.resolved_at >= start),
            overdue=await count(due, late),
        )
    return result
