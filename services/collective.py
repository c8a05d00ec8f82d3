"""Collective issues: reports of one category close in place and time are one problem many
riders hit (the gated compound that blocked a thousand riders' e-bikes). Representatives see
the group and raise it as one item; every reporter hears when it is resolved."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from geopy.distance import distance
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, CaseStatus, User
from models.cases import CollectiveIssue, CollectiveStatus
from models.types import utcnow
from services import case_states
from services.case_access import staff_zone_ids
from services.case_events import move, record
from services.categories import policy
from services.errors import Conflict, NotFound

S = CaseStatus
_M_PER_DEG_LAT = 111_320.0


async def group_case(session: AsyncSession, *, case: Case) -> CollectiveIssue | None:
    """Put a new case into the collective issue of its neighbours (same category, within the
    radius and time window), creating one when a second report arrives."""
    if case.lat is None or case.lon is None:
        return None
    rules = policy()
    radius = rules.collective_radius_m
    since = case.created_at - rules.collective_window
    box = radius / _M_PER_DEG_LAT * 2  # a cheap pre-filter in SQL; geopy decides
    rows = await session.execute(
        select(Case).where(
            Case.id != case.id,
            Case.category == case.category,
            Case.created_at >= since,
            Case.lat.between(case.lat - box, case.lat + box),
            Case.lon.is_not(None),
            Case.status != S.merged,
        )
    )
    near = [
        c
        for c in rows.scalars()
        if distance((case.lat, case.lon), (c.lat, c.lon)).m <= radius  # type: ignore[arg-type]
    ]
    if not near:
        return None
    existing_ids = {c.collective_id for c in near if c.collective_id is not None}
    collective = None
    if existing_ids:
        found = await session.execute(
            select(CollectiveIssue)
            .where(
                CollectiveIssue.id.in_(existing_ids),
                CollectiveIssue.status != CollectiveStatus.resolved,
            )
            .order_by(CollectiveIssue.id)
        )
        collective = found.scalars().first()
    if collective is None:
        first = min(near, key=lambda c: c.created_at)
        collective = CollectiveIssue(
            zone_id=case.zone_id,
            category=case.category,
            lat=first.lat,  # type: ignore[arg-type]
            lon=first.lon,  # type: ignore[arg-type]
            place=(first.place or case.place or "")[:128],
            first_at=first.created_at,
            last_at=case.created_at,
        )
        session.add(collective)
        await session.flush()
        for c in near:
            if c.collective_id is None:
                c.collective_id = collective.id
    case.collective_id = collective.id
    collective.last_at = max(collective.last_at, case.created_at)
    await session.flush()
    return collective


@dataclass(frozen=True)
class CollectiveSummary:
    issue: CollectiveIssue
    cases: int
    riders: int
    first_at: datetime
    last_at: datetime


async def _summary(session: AsyncSession, issue: CollectiveIssue) -> CollectiveSummary:
    n, riders, first, last = (
        await session.execute(
            select(
                func.count(Case.id),
                func.count(func.distinct(Case.rider_id)),
                func.min(Case.created_at),
                func.max(Case.created_at),
            ).where(Case.collective_id == issue.id)
        )
    ).one()
    return CollectiveSummary(issue, n, riders, first or issue.first_at, last or issue.last_at)


async def list_collectives(
    session: AsyncSession, *, actor: User, include_resolved: bool = False
) -> list[CollectiveSummary]:
    zones = await staff_zone_ids(session, user=actor)
    query = select(CollectiveIssue).order_by(CollectiveIssue.last_at.desc())
    if zones is not None:
        query = query.where(CollectiveIssue.zone_id.in_(zones))
    if not include_resolved:
        query = query.where(CollectiveIssue.status != CollectiveStatus.resolved)
    return [await _summary(session, i) for i in (await session.execute(query)).scalars()]


async def collective_for_staff(
    session: AsyncSession, *, collective_id: int, actor: User
) -> CollectiveSummary:
    issue = await session.get(CollectiveIssue, collective_id)
    if issue is None:
        raise NotFound("collective_not_found")
    zones = await staff_zone_ids(session, user=actor)
    if zones is not None and issue.zone_id not in zones:
        raise NotFound("collective_not_found")
    return await _summary(session, issue)


async def _member_cases(session: AsyncSession, issue: CollectiveIssue) -> list[Case]:
    rows = await session.execute(
        select(Case).where(Case.collective_id == issue.id).order_by(Case.id)
    )
    return list(rows.scalars())


async def raise_collective(
    session: AsyncSession, *, collective_id: int, actor: User, message: str = ""
) -> CollectiveSummary:
    """The union takes it up as one item (with the property manager, the platform…)."""
    summary = await collective_for_staff(session, collective_id=collective_id, actor=actor)
    issue = summary.issue
    if issue.status is not CollectiveStatus.open:
        raise Conflict("collective_not_open")
    issue.status, issue.raised_by_id, issue.raised_at = (
        CollectiveStatus.raised, actor.id, utcnow(),
    )  # fmt: skip
    for case in await _member_cases(session, issue):
        if case.status in case_states.OPEN:
            await record(
                session, case, actor=actor, kind="collective_raised", public=True,
                count=summary.riders, text=message.strip(),
            )  # fmt: skip
    return await _summary(session, issue)


async def resolve_collective(
    session: AsyncSession, *, collective_id: int, actor: User, message: str = ""
) -> CollectiveSummary:
    """Resolved for everyone: each open case of the group is resolved and its reporter told."""
    summary = await collective_for_staff(session, collective_id=collective_id, actor=actor)
    issue = summary.issue
    if issue.status is CollectiveStatus.resolved:
        raise Conflict("collective_not_open")
    now = utcnow()
    for case in await _member_cases(session, issue):
        if case.status not in case_states.OPEN:
            continue
        if case.assignee_id is None:
            case.assignee_id = actor.id
        if case.first_response_at is None:
            case.first_response_at = now
        # Walk the lifecycle, each step on record, rather than jumping over it.
        for step in (S.acknowledged, S.in_progress, S.resolved):
            if case_states.can_move(case.status, step):
                await move(session, case, step, actor=actor)
        case.resolved_at, case.next_escalation_at = now, None
        await record(
            session, case, actor=actor, kind="collective_resolved", public=True,
            count=summary.riders, text=message.strip(),
        )  # fmt: skip
    issue.status, issue.resolved_at = CollectiveStatus.resolved, now
    return await _summary(session, issue)
