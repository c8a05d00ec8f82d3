"""What riders and representatives change on a wage claim: evidence, the amount, the stage,
money recovered, a restart of the deadline; each told to the other side."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, CaseStatus, User
from models.claims import (
    ClaimStage,
    WageClaim,
)
from models.types import utcnow
from services.cases.access import is_staff
from services.cases.attachments import save_upload
from services.cases.events import move, on_duty_staff, record
from services.claims.deadline import RESTART_REASONS, Deadline
from services.claims.filing import _evidence_row, _recompute, open_action
from services.claims.money import yuan
from services.claims.reading import claim_for, claim_for_staff
from services.claims.rules import (
    FINAL_STAGES,
    LOCKED_STAGES,
    OPEN_STAGES,
    ORDER,
    EvidenceFile,
    S,
    check_evidence_file,
    check_evidence_upload,
    checklist,
    item_name,
)
from services.errors import Conflict, Invalid
from services.outbox import notify
from services.privacy.erasure import release_claimant
from services.texts import text


def _unlocked(claim: WageClaim, case: Case) -> None:
    if claim.stage in LOCKED_STAGES:
        raise Conflict("claim_locked", ref=case.ref, stage=claim.stage.value)


async def add_evidence(
    session: AsyncSession, *, claim_id: int, user: User, files: list[EvidenceFile], max_bytes: int
) -> WageClaim:
    claim, case = await claim_for(session, claim_id=claim_id, user=user)
    _unlocked(claim, case)
    items = checklist(claim.relation)
    for ev in files:
        if ev.item not in items:
            raise Invalid("evidence_item_unknown")
        check_evidence_file(ev, max_bytes=max_bytes)
        session.add(_evidence_row(claim, ev, uploader=user))
    claim.evidence_skipped = [i for i in claim.evidence_skipped if i not in {f.item for f in files}]
    await record(
        session,
        case,
        actor=user,
        kind="claim_evidence",
        public=True,
        notice=False,
        text=", ".join(sorted({item_name("zh", f.item) for f in files})),
        items=sorted({f.item for f in files}),
        count=len(files),
    )
    claim.updated_at = utcnow()
    if user.id == claim.rider_id:
        await _tell_staff(session, claim, case, key="claims.staff_evidence", count=len(files))
    return claim


async def add_uploaded_evidence(
    session: AsyncSession,
    *,
    claim_id: int,
    user: User,
    item: str,
    data: bytes,
    file_name: str | None,
    content_type: str | None,
    dir: Path | str,
    max_bytes: int,
) -> WageClaim:
    """A file uploaded from the app against one checklist item: checked by its content, the
    row recorded, and only then the file written (a refused upload leaves nothing behind)."""
    checked = check_evidence_upload(
        data,
        item=item,
        file_name=file_name,
        content_type=content_type,
        dir=dir,
        max_bytes=max_bytes,
    )
    claim = await add_evidence(
        session, claim_id=claim_id, user=user, files=[checked.evidence], max_bytes=max_bytes
    )
    await session.flush()
    save_upload(checked.upload, dir=dir)
    return claim


async def edit_amount(
    session: AsyncSession, *, claim_id: int, user: User, amount_fen: int
) -> WageClaim:
    """The claimed amount changes (the rider found more unpaid orders); refused from arbitration
    on, when the claim stands as it was submitted."""
    claim, case = await claim_for(session, claim_id=claim_id, user=user)
    _unlocked(claim, case)
    if amount_fen <= 0:
        raise Invalid("amount_not_positive")
    old, claim.amount_fen = claim.amount_fen, amount_fen
    claim.updated_at = utcnow()
    await record(
        session,
        case,
        actor=user,
        kind="claim_amount",
        public=True,
        notice=False,
        text=f"{yuan(old)} → {yuan(amount_fen)}",
        old=old,
        amount_fen=amount_fen,
    )
    return claim


def allowed_moves(stage: ClaimStage) -> list[ClaimStage]:
    """Forward only; `recovered` goes through record_recovery, which needs the amount."""
    if stage in FINAL_STAGES:
        return []
    ahead = [s for s in OPEN_STAGES if ORDER[s] > ORDER[stage]]
    finals = [S.withdrawn]
    if stage in (S.mediation, S.arbitration):
        finals.append(S.lost)
    return ahead + finals


async def _take_on(session: AsyncSession, case: Case, actor: User) -> None:
    """A representative working on the claim: the case is acknowledged and assigned."""
    if case.assignee_id is None and is_staff(actor):
        case.assignee_id = actor.id
    if case.status is CaseStatus.new:
        await move(session, case, CaseStatus.acknowledged, actor=actor)
    if case.status is CaseStatus.acknowledged:
        await move(session, case, CaseStatus.in_progress, actor=actor)
    if case.first_response_at is None:
        case.first_response_at = utcnow()


async def move_stage(
    session: AsyncSession, *, claim_id: int, actor: User, stage: ClaimStage, note: str = ""
) -> WageClaim:
    claim, case = await claim_for_staff(session, claim_id=claim_id, actor=actor)
    if stage is S.recovered:
        raise Invalid("recovery_needs_amount")
    if stage not in allowed_moves(claim.stage):
        raise Conflict("claim_bad_stage", current=claim.stage.value, target=stage.value)
    await _set_stage(session, claim, case, actor=actor, stage=stage, note=note)
    await _tell_rider(
        session,
        claim,
        case,
        key="claims.notice_stage",
        note=note.strip() or "—",
        texts={
            "stage": f"claims.stage.{stage.value}",
            "meaning": f"claims.stage_means.{stage.value}",
        },
    )
    return claim


async def _set_stage(
    session: AsyncSession,
    claim: WageClaim,
    case: Case,
    *,
    actor: User,
    stage: ClaimStage,
    note: str = "",
    **payload: Any,
) -> None:
    old = claim.stage
    await _take_on(session, case, actor)
    claim.stage = stage
    claim.updated_at = utcnow()
    if stage in FINAL_STAGES:
        if case.status in (CaseStatus.in_progress, CaseStatus.waiting_for_rider):
            await move(session, case, CaseStatus.resolved, actor=actor)
        case.resolved_at = utcnow()
        case.next_escalation_at = None
        await release_claimant(session, rider_id=claim.rider_id)
    await record(
        session,
        case,
        actor=actor,
        kind="claim_stage",
        public=True,
        notice=False,
        stage=stage.value,
        old=old.value,
        text=note.strip(),
        **payload,
    )


async def record_recovery(
    session: AsyncSession, *, claim_id: int, actor: User, amount_fen: int, on: date, today: date
) -> WageClaim:
    """Money came back: the full amount or part of it, on a day. The claim ends `recovered`
    (full or partial) and the outstanding rest is shown in the totals until then."""
    claim, case = await claim_for_staff(session, claim_id=claim_id, actor=actor)
    if claim.stage in FINAL_STAGES:
        raise Conflict("claim_closed", ref=case.ref, stage=claim.stage.value)
    check_recovery_amount(claim, amount_fen)
    if on > today:
        raise Invalid("date_in_future", typed=on.isoformat(), today=today.isoformat())
    if on < claim.period_start:
        raise Invalid("recovery_before_period", start=claim.period_start.isoformat())
    claim.recovered_fen = amount_fen
    claim.recovered_on = on
    outcome = "full" if amount_fen == claim.amount_fen else "partial"
    await _set_stage(
        session,
        claim,
        case,
        actor=actor,
        stage=S.recovered,
        outcome=outcome,
        recovered_fen=amount_fen,
        on=on.isoformat(),
        note=f"{yuan(amount_fen)} / {yuan(claim.amount_fen)} {on.isoformat()}",
    )
    await _tell_rider(
        session,
        claim,
        case,
        key=f"claims.notice_recovered_{outcome}",
        amount=yuan(amount_fen),
        claimed=yuan(claim.amount_fen),
        rest=yuan(claim.amount_fen - amount_fen),
        on=on.isoformat(),
    )
    return claim


def check_recovery_amount(claim: WageClaim, amount_fen: int) -> None:
    if amount_fen <= 0:
        raise Invalid("amount_not_positive")
    if amount_fen > claim.amount_fen:
        raise Invalid("recovery_over_claim", claimed=yuan(claim.amount_fen))


def outcome_of(claim: WageClaim) -> str | None:
    if claim.stage is not S.recovered:
        return None
    return "full" if claim.recovered_fen >= claim.amount_fen else "partial"


async def record_restart(
    session: AsyncSession, *, claim_id: int, user: User, reason: str, on: date, today: date
) -> Deadline:
    """A restarting event (a demand for payment, a request to an authority, the other side
    agreeing to pay) on a day: kept as an event, the deadline computed again, both told."""
    claim, case = await claim_for(session, claim_id=claim_id, user=user)
    if reason not in RESTART_REASONS:
        raise Invalid("restart_reason_unknown")
    if claim.stage in FINAL_STAGES:
        raise Conflict("claim_closed", ref=case.ref, stage=claim.stage.value)
    if on > today:
        raise Invalid("date_in_future", typed=on.isoformat(), today=today.isoformat())
    if on < claim.knew_on:
        raise Invalid("restart_before_knew", knew=claim.knew_on.isoformat())
    old = claim.deadline_on
    await record(
        session,
        case,
        actor=user,
        kind="claim_restart",
        public=True,
        notice=False,
        reason=reason,
        on=on.isoformat(),
        text=on.isoformat(),
    )
    deadline = await _recompute(session, claim)
    values = {
        "on": on.isoformat(),
        "old": old.isoformat() if old else "—",
        "new": deadline.last_day.isoformat() if deadline.last_day else "—",
    }
    if user.id != claim.rider_id:
        await _tell_rider(
            session,
            claim,
            case,
            key="claims.notice_restart",
            texts={"reason": f"claims.restart.{reason}"},
            **values,
        )
    else:
        await _tell_staff(session, claim, case, key="claims.staff_restart", **values)
    return deadline


async def _tell_rider(
    session: AsyncSession,
    claim: WageClaim,
    case: Case,
    *,
    key: str,
    texts: dict[str, str] | None = None,
    **values: object,
) -> None:
    """A notice to the rider; `texts` are catalogue keys read in the rider's language."""
    rider = await session.get(User, claim.rider_id)
    if rider is None:
        return
    for name, text_key in (texts or {}).items():
        values[name] = text(rider.language, text_key)
    await notify(
        session,
        user=rider,
        key=key,
        actions=open_action(claim),
        ref=case.ref,
        **values,
    )


async def _staff_targets(session: AsyncSession, claim: WageClaim, case: Case) -> list[User]:
    if case.assignee_id is not None:
        rep = await session.get(User, case.assignee_id)
        return [rep] if rep is not None else []
    return await on_duty_staff(session, zone_id=claim.zone_id)


async def _tell_staff(
    session: AsyncSession, claim: WageClaim, case: Case, *, key: str, **values: object
) -> None:
    for rep in await _staff_targets(session, claim, case):
        await notify(
            session,
            user=rep,
            key=key,
            actions=open_action(claim),
            ref=case.ref,
            **values,
        )
