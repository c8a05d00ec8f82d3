"""What /mydata exports and /leave erases of a person's injury claims.

An injury claim's details are health data (what the injury is, the hospital, the notes on
each stage): they go with the person. The claim itself, its scheme, stages and days stay
for the union's record and statistics, like a case, pointing at the anonymous user row; a
claim still open ends `withdrawn`, since nobody is left to pursue it for.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.injury import InjuryClaim, InjuryStage, InjuryStageMark
from models.types import utcnow
from services.local_time import time_zone

ENDED = (InjuryStage.paid, InjuryStage.refused, InjuryStage.withdrawn)


async def export_injury_claims(session: AsyncSession, *, user_id: int) -> list[dict[str, Any]]:
    """Every injury claim of the person with the stages it reached, as JSON."""
    claims = list(
        (
            await session.execute(
                select(InjuryClaim).where(InjuryClaim.rider_id == user_id).order_by(InjuryClaim.id)
            )
        ).scalars()
    )
    out = []
    for claim in claims:
        marks = (
            await session.execute(
                select(InjuryStageMark)
                .where(InjuryStageMark.claim_id == claim.id)
                .order_by(InjuryStageMark.id)
            )
        ).scalars()
        out.append(
            {
                **claim.model_dump(mode="json"),
                "stages": [m.model_dump(mode="json", exclude={"actor_id"}) for m in marks],
            }
        )
    return out


async def erase_injury_details(session: AsyncSession, *, user_id: int) -> int:
    """The person leaves: their claims' health details go, an open claim ends withdrawn.
    Returns how many claims were touched."""
    claims = list(
        (
            await session.execute(select(InjuryClaim).where(InjuryClaim.rider_id == user_id))
        ).scalars()
    )
    today = utcnow().astimezone(time_zone()).date()
    for claim in claims:
        claim.injury = ""
        claim.hospital = ""
        if claim.stage not in ENDED:
            claim.stage, claim.stage_on = InjuryStage.withdrawn, today
            claim.due_stage = claim.due_on = None
            session.add(InjuryStageMark(claim_id=claim.id, stage=InjuryStage.withdrawn, on=today))  # type: ignore[arg-type]
        claim.updated_at = utcnow()
    if claims:
        await session.execute(
            update(InjuryStageMark)
            .where(InjuryStageMark.claim_id.in_([c.id for c in claims]))
            .values(note="")
        )
    await session.flush()
    return len(claims)
