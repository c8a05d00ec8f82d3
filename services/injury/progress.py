"""A representative moves an injury claim to its next stage, on the day it happened; the
rider is told. Wrong moves are refused with what is allowed."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from models import User
from models.injury import InjuryStage, InjuryStageMark
from services.cases.events import record
from services.claims.progress import _take_on
from services.errors import Conflict, Invalid
from services.injury import notices
from services.injury.claims import ClaimView, claim_for_staff, recompute_due
from services.injury.rules import FINAL_STAGES, allowed_moves

NOTE_LIMIT = 500


async def move_stage(
    session: AsyncSession,
    *,
    claim_id: int,
    actor: User,
    stage: InjuryStage,
    on: date,
    today: date,
    note: str = "",
) -> ClaimView:
    claim, case = await claim_for_staff(session, claim_id=claim_id, actor=actor)
    if claim.stage in FINAL_STAGES:
        raise Conflict("injury_claim_closed", ref=case.ref, stage=claim.stage.value)
    allowed = allowed_moves(claim.stage)
    if stage not in allowed:
        raise Conflict(
            "injury_bad_stage",
            ref=case.ref,
            current=claim.stage.value,
            target=stage.value,
            allowed=", ".join(s.value for s in allowed),
        )
    if on > today:
        raise Invalid("date_in_future", typed=on.isoformat(), today=today.isoformat())
    if on < claim.accident_on:
        raise Invalid("injury_before_accident", accident=claim.accident_on.isoformat())
    if on < claim.stage_on and claim.stage is not InjuryStage.opened:
        raise Invalid("injury_before_last_stage", last=claim.stage_on.isoformat())
    note = note.strip()
    if len(note) > NOTE_LIMIT:
        raise Invalid("injury_text_too_long", limit=NOTE_LIMIT)
    old = claim.stage
    claim.stage, claim.stage_on = stage, on
    session.add(
        InjuryStageMark(claim_id=claim.id, stage=stage, on=on, actor_id=actor.id, note=note)  # type: ignore[arg-type]
    )
    await _take_on(session, case, actor)
    view = await recompute_due(session, claim=claim, case=case)
    await record(
        session,
        case,
        actor=actor,
        kind="injury_stage",
        public=True,
        notice=False,
        stage=stage.value,
        old=old.value,
        on=on.isoformat(),
        text=on.isoformat(),
        label=f"accident.stage.{stage.value}",
    )
    await notices.tell_rider_stage(session, view=view, note=note)
    return view
