"""Collective issues: reports of one category close in place and time are one problem many
riders hit (the gated compound that blocked a thousand riders' e-bikes). Representatives see
the group and raise it as one item; every reporter hears when it is resolved."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from geopy.distance import distance
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, CaseStatus, User
from models.cases import CollectiveIssue, CollectiveStatus
from models.types import utcnow
from services.cases import states
from services.cases.access import staff_zone_ids
from services.cases.categories import policy
from services.cases.events import move, record
from services.errors import Conflict, NotFound

S = CaseStatus
_M_PER_DEG_LAT = 111_320.0


async def group_case(session: AsyncSession, *, case: Case) -> CollectiveIssue | None:
    """Put a new case into the collective issue of its neighbours (same category, within the
    radius and time window), creating one when a second report arrives.

    A case joins the open collective (lowest id) that one of its neighbours is in; this is
    read a page at a time and stops at the first neighbour found, so a thousand reports at
    one gate cost the next report one short read, not a thousand rows."""
    if case.lat is None or case.lon is None:
        return None
    rules = policy()
    near = _neighbours(case, rules.collective_radius_m, case.created_at - rules.collective_window)
    in_open = (
        select(Case.collective_id, Case.lat, Case.lon)
        .join(CollectiveIssue, CollectiveIssue.id == Case.collective_id)
        .where(*near, CollectiveIssue.status != CollectiveStatus.resolved)
        .order_by(Case.collective_id, Case.id)
    )
    collective = None
    offset = 0
    for size in _pages():
        rows = (await session.execute(in_open.offset(offset).limit(size))).all()
        found = next(
            (cid for cid, lat, lon in rows if _within(case, lat, lon, rules.collective_radius_m)),
            None,
        )
        if found is not None:
            collective = await session.get(CollectiveIssue, found)
            break
        if len(rows) < size:
            break
        offset += size
    if collective is None:
        rows = await session.execute(select(Case).where(*near))
        neighbours = [
            c for c in rows.scalars() if _within(case, c.lat, c.lon, rules.collective_radius_m)
        ]
        if not neighbours:
            return None
        first = min(neighbours, key=lambda c: c.created_at)
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
        for c in neighbours:
            if c.collective_id is None:
                c.collective_id = collective.id
    case.collective_id = collective.id
    collective.last_at = max(collective.last_at, case.created_at)
    await session.flush()
    return collective


# The first neighbour in the box is nearly always within the radius: a first page of 8 rows
# (a page of 256 cost every report at a busy gate 256 rows), then larger ones.
def _pages() -> Iterator[int]:
    return itertools.chain((8, 64), itertools.repeat(256))


def _neighbours(case: Case, radius: float, since: datetime) -> list[ColumnElement[bool]]:
    """Cases that may lie within `radius` metres of `case`: a box twice the radius each way
    (cheap in SQL; `_within` decides)."""
    lat, lon = case.lat, case.lon
    assert lat is not None and lon is not None
    box = radius / _M_PER_DEG_LAT * 2
    where = [
        Case.category == case.category,
        Case.created_at >= since,
        Case.lat.between(lat - box, lat + box),  # type: ignore[union-attr]
        Case.lon.is_not(None),  # type: ignore[union-attr]
        Case.status != S.merged,
    ]
    if case.id is not None:  # a case grouped before it is stored is not among them yet
        where.append(Case.id != case.id)
    cos_lat = math.cos(math.radians(lat))
    if cos_lat > 0.05:  # near the poles a degree of longitude is too short to box
        wide = box / cos_lat
        where.append(Case.lon.between(lon - wide, lon + wide))  # type: ignore[union-attr]
    return where


def _within(case: Case, lat: float | None, lon: float | None, radius: float) -> bool:
    """Within `radius` metres by geopy's geodesic. Over the few hundred metres of the box a
    flat-earth estimate is within a fraction of a percent of it, so only a neighbour within
    5% of the edge costs a geodesic (about 60 µs each)."""
    if lat is None or lon is None:
        return False
    dy = (lat - case.lat) * _M_PER_DEG_LAT  # type: ignore[operator]
    dx = (lon - case.lon) * _M_PER_DEG_LAT * math.cos(math.radians(lat))  # type: ignore[operator]
    flat = math.hypot(dx, dy)
    if flat < radius * 0.95:
        return True
    if flat > radius * 1.05:
        return False
    return distance((case.lat, case.lon), (lat, lon)).m <= radius


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
        CollectiveStatus.raised,
        actor.id,
        utcnow(),
    )
    for case in await _member_cases(session, issue):
        if case.status in states.OPEN:
            await record(
                session,
                case,
                actor=actor,
                kind="collective_raised",
                public=True,
                count=summary.riders,
                text=message.strip(),
            )
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
        if case.status not in states.OPEN:
            continue
        if case.assignee_id is None:
            case.assignee_id = actor.id
        if case.first_response_at is None:
            case.first_response_at = now
        # Walk the lifecycle, each step on record, rather than jumping over it.
        for step in (S.acknowledged, S.in_progress, S.resolved):
            if states.can_move(case.status, step):
                await move(session, case, step, actor=actor)
        case.resolved_at, case.next_escalation_at = now, None
        await record(
            session,
            case,
            actor=actor,
            kind="collective_resolved",
            public=True,
            count=summary.riders,
            text=message.strip(),
        )
    issue.status, issue.resolved_at = CollectiveStatus.resolved, now
    return await _summary(session, issue)
