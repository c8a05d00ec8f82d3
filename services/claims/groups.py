"""One counterparty, several riders: claims grouped by who owes, and the totals."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, User, Zone
from models.claims import (
    ClaimGroup,
    WageClaim,
)
from services.cases.access import staff_zone_ids
from services.cases.events import record
from services.claims.progress import _tell_rider
from services.claims.reading import claim_for_staff
from services.claims.rules import OPEN_STAGES
from services.errors import Conflict, Invalid
from services.local_time import time_zone


async def same_counterparty(
    session: AsyncSession, *, claim_id: int, actor: User
) -> list[tuple[WageClaim, Case]]:
    """Claims against the same counterparty in the representative's zones, this one first."""
    claim, _ = await claim_for_staff(session, claim_id=claim_id, actor=actor)
    zones = await staff_zone_ids(session, user=actor)
    query = (
        select(WageClaim, Case)
        .join(Case, Case.id == WageClaim.case_id)
        .where(WageClaim.counterparty_key == claim.counterparty_key)
    )
    if zones is not None:
        query = query.where(WageClaim.zone_id.in_(zones))
    rows = (await session.execute(query.order_by(WageClaim.id))).all()
    return sorted(((c, k) for c, k in rows), key=lambda r: r[0].id != claim.id)


async def join_as_group(session: AsyncSession, *, claim_id: int, actor: User) -> ClaimGroup:
    """All open claims against this counterparty (in the actor's zones) become one group
    claim; claims already in a group stay in theirs and the newcomers join it."""
    rows = await same_counterparty(session, claim_id=claim_id, actor=actor)
    open_rows = [(c, k) for c, k in rows if c.stage in OPEN_STAGES]
    if len(open_rows) < 2:
        raise Conflict("group_needs_two")
    existing = next((c.group_id for c, _ in open_rows if c.group_id is not None), None)
    if existing is not None:
        group = await session.get(ClaimGroup, existing)
        assert group is not None
    else:
        first = open_rows[0][0]
        group = ClaimGroup(
            counterparty_key=first.counterparty_key,
            counterparty_name=first.counterparty_name,
            zone_id=first.zone_id,
            created_by_id=actor.id,
        )
        session.add(group)
        await session.flush()
    joined = [(c, k) for c, k in open_rows if c.group_id != group.id]
    if not joined:
        raise Conflict("group_already", count=len(open_rows))
    for claim, case in joined:
        claim.group_id = group.id
        await record(
            session,
            case,
            actor=actor,
            kind="claim_group",
            public=True,
            notice=False,
            group=group.id,
            count=len(open_rows),
            text=str(len(open_rows)),
        )
        await _tell_rider(
            session,
            claim,
            case,
            key="claims.notice_group",
            counterparty=claim.counterparty_name,
            count=len(open_rows),
        )
    return group


@dataclass(frozen=True)
class Total:
    key: str
    label: str
    claims: int
    claimed_fen: int
    recovered_fen: int
    outstanding_fen: int


async def claim_totals(
    session: AsyncSession,
    *,
    by: Literal["zone", "counterparty", "month"],
    actor: User | None = None,
    lang: str = "zh",
    tz: str | None = None,
) -> list[Total]:
    """Claimed, recovered and outstanding (claimed minus recovered on claims still open) per
    zone, counterparty or month filed, in integer fen. With an actor: their zones only."""
    query = select(WageClaim).order_by(WageClaim.id)  # a counterparty is labelled by its first
    if actor is not None:
        zones = await staff_zone_ids(session, user=actor)
        if zones is not None:
            query = query.where(WageClaim.zone_id.in_(zones))
    claims = list((await session.execute(query)).scalars())
    zone_names = {
        z.id: (z.name_en if lang == "en" else z.name_zh)
        for z in (await session.execute(select(Zone))).scalars()
    }
    buckets: dict[str, list[WageClaim]] = defaultdict(list)
    labels: dict[str, str] = {}
    for c in claims:
        if by == "zone":
            key = str(c.zone_id or "-")
            labels[key] = zone_names.get(c.zone_id, "—") if c.zone_id else "—"
        elif by == "counterparty":
            key = c.counterparty_key
            labels.setdefault(key, c.counterparty_name)
        elif by == "month":
            key = c.created_at.astimezone(time_zone(tz)).strftime("%Y-%m")
            labels[key] = key
        else:
            raise Invalid("totals_by_unknown")
        buckets[key].append(c)
    totals = [
        Total(
            key=key,
            label=labels[key],
            claims=len(rows),
            claimed_fen=sum(c.amount_fen for c in rows),
            recovered_fen=sum(c.recovered_fen for c in rows),
            outstanding_fen=sum(
                c.amount_fen - c.recovered_fen for c in rows if c.stage in OPEN_STAGES
            ),
        )
        for key, rows in buckets.items()
    ]
    return sorted(totals, key=lambda t: (-t.claimed_fen, t.key) if by != "month" else (t.key,))
