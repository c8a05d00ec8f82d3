"""Reading wage claims: one (for its rider or its zone's staff), lists, evidence and history."""

from __future__ import annotations

from collections import Counter
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, CaseEvent, User
from models.claims import (
    ClaimEvidence,
    WageClaim,
)
from services.cases.access import case_for_staff, is_staff, staff_zone_ids
from services.claims.rules import OPEN_STAGES, checklist
from services.errors import NotFound


async def get_claim(session: AsyncSession, *, claim_id: int) -> tuple[WageClaim, Case]:
    claim = await session.get(WageClaim, claim_id)
    if claim is None:
        raise NotFound("claim_not_found")
    case = await session.get(Case, claim.case_id)
    assert case is not None
    return claim, case


async def claim_for(session: AsyncSession, *, claim_id: int, user: User) -> tuple[WageClaim, Case]:
    """The rider's own claim, or any claim of a representative's zones."""
    claim, case = await get_claim(session, claim_id=claim_id)
    if claim.rider_id == user.id:
        return claim, case
    if not is_staff(user):
        raise NotFound("claim_not_found")  # do not confirm someone else's claim exists
    await case_for_staff(session, case_id=case.id, actor=user)  # type: ignore[arg-type]
    return claim, case


async def claim_for_staff(
    session: AsyncSession, *, claim_id: int, actor: User
) -> tuple[WageClaim, Case]:
    claim, case = await get_claim(session, claim_id=claim_id)
    await case_for_staff(session, case_id=case.id, actor=actor)  # type: ignore[arg-type]
    return claim, case


async def my_claims(session: AsyncSession, *, user: User) -> list[tuple[WageClaim, Case]]:
    rows = await session.execute(
        select(WageClaim, Case)
        .join(Case, Case.id == WageClaim.case_id)
        .where(WageClaim.rider_id == user.id)
        .order_by(WageClaim.id.desc())
    )
    return [(c, k) for c, k in rows.all()]


async def zone_claims(session: AsyncSession, *, actor: User) -> list[tuple[WageClaim, Case]]:
    """Open claims of the representative's zones, the nearest deadline first."""
    zones = await staff_zone_ids(session, user=actor)
    query = (
        select(WageClaim, Case)
        .join(Case, Case.id == WageClaim.case_id)
        .where(WageClaim.stage.in_(OPEN_STAGES))
    )
    if zones is not None:
        query = query.where(WageClaim.zone_id.in_(zones))
    rows = (await session.execute(query.order_by(WageClaim.id))).all()
    return sorted(((c, k) for c, k in rows), key=lambda r: (r[0].deadline_on or date.max, r[0].id))


async def evidence_of(session: AsyncSession, *, claim: WageClaim) -> list[ClaimEvidence]:
    rows = await session.execute(
        select(ClaimEvidence).where(ClaimEvidence.claim_id == claim.id).order_by(ClaimEvidence.id)
    )
    return list(rows.scalars())


async def evidence_counts(session: AsyncSession, *, claim: WageClaim) -> dict[str, int]:
    """How many files the claim has for each checklist item."""
    return dict(Counter(e.item for e in await evidence_of(session, claim=claim)))


async def missing_items(session: AsyncSession, *, claim: WageClaim) -> list[str]:
    have = {e.item for e in await evidence_of(session, claim=claim)}
    return [item for item in checklist(claim.relation) if item not in have]


async def timeline(session: AsyncSession, *, case: Case) -> list[CaseEvent]:
    rows = await session.execute(
        select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
    )
    return list(rows.scalars())


async def claim_history(session: AsyncSession, *, case: Case, internal: bool) -> list[CaseEvent]:
    """The claim's events on the case timeline; riders see only those marked public."""
    return [
        e
        for e in await timeline(session, case=case)
        if e.kind.startswith("claim_") and (internal or e.public)
    ]
