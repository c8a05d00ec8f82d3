"""Filing a wage claim: the case and its facts in one transaction, the deadline worked out,
the zone's representatives told."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, CaseEvent, User
from models.claims import (
    ClaimEvidence,
    CounterpartyKind,
    Disclosure,
    WageClaim,
    WorkRelation,
)
from models.types import utcnow
from services.actions import Act, Action
from services.cases import cards
from services.cases.events import on_duty_staff, record
from services.cases.reporting import next_ref
from services.claims.deadline import Deadline, claim_deadline
from services.claims.money import yuan
from services.claims.rules import (
    CATEGORY,
    EvidenceFile,
    check_evidence_file,
    check_period,
    check_work_end,
    checklist,
    clean_counterparty,
    clean_orders,
    counterparty_key,
)
from services.errors import Invalid
from services.membership.members import require_member
from services.outbox import notify
from services.texts import text


@dataclass
class ClaimForm:
    counterparty_kind: CounterpartyKind
    counterparty_name: str
    relation: WorkRelation
    amount_fen: int
    period_start: date
    period_end: date
    knew_on: date
    work_ongoing: bool = False
    work_ended_on: date | None = None
    orders: str = ""
    disclosure: Disclosure = Disclosure.name
    evidence: list[EvidenceFile] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


async def restart_dates(session: AsyncSession, *, claim: WageClaim) -> list[date]:
    rows = await session.execute(
        select(CaseEvent.payload).where(
            CaseEvent.case_id == claim.case_id, CaseEvent.kind == "claim_restart"
        )
    )
    return [date.fromisoformat(p["on"]) for p in rows.scalars()]


async def deadline_of(session: AsyncSession, *, claim: WageClaim) -> Deadline:
    return claim_deadline(
        knew_on=claim.knew_on,
        work_ongoing=claim.work_ongoing,
        work_ended_on=claim.work_ended_on,
        restarts=await restart_dates(session, claim=claim),
    )


async def file_claim(
    session: AsyncSession, *, user: User, form: ClaimForm, today: date, max_bytes: int
) -> tuple[WageClaim, Case]:
    """A member files a claim: a numbered case, the claim's facts, its evidence, the deadline,
    and the zone's representatives told."""
    membership = await require_member(session, user=user)
    name = clean_counterparty(form.counterparty_name)
    check_period(form.period_start, form.period_end)
    for day in (form.period_start, form.period_end, form.knew_on, form.work_ended_on):
        if day is not None and day > today:
            raise Invalid("date_in_future", typed=day.isoformat(), today=today.isoformat())
    if form.work_ongoing:
        form.work_ended_on = None
    elif form.work_ended_on is None:
        raise Invalid("work_end_missing")
    else:
        check_work_end(form.work_ended_on, period_start=form.period_start)
    if form.amount_fen <= 0:
        raise Invalid("amount_not_positive")
    items = checklist(form.relation)
    for ev in form.evidence:
        if ev.item not in items:
            raise Invalid("evidence_item_unknown")
        check_evidence_file(ev, max_bytes=max_bytes)
    now = utcnow()
    case = Case(
        ref=await next_ref(session, year=now.year),
        rider_id=user.id,
        zone_id=membership.zone_id,
        category=CATEGORY,
        summary=f"{name} · {yuan(form.amount_fen)}",
        created_at=now,
        updated_at=now,
    )
    session.add(case)
    await session.flush()
    claim = WageClaim(
        case_id=case.id,  # type: ignore[arg-type]
        rider_id=user.id,  # type: ignore[arg-type]
        zone_id=membership.zone_id,
        counterparty_kind=form.counterparty_kind,
        counterparty_name=name,
        counterparty_key=counterparty_key(name),
        relation=form.relation,
        amount_fen=form.amount_fen,
        period_start=form.period_start,
        period_end=form.period_end,
        orders=clean_orders(form.orders),
        work_ongoing=form.work_ongoing,
        work_ended_on=form.work_ended_on,
        knew_on=form.knew_on,
        disclosure=form.disclosure,
        evidence_skipped=sorted(set(form.skipped) - {ev.item for ev in form.evidence}),
        created_at=now,
        updated_at=now,
    )
    session.add(claim)
    await session.flush()
    for ev in form.evidence:
        session.add(_evidence_row(claim, ev, uploader=user))
    deadline = await _recompute(session, claim)
    await record(
        session,
        case,
        actor=user,
        kind="claim_filed",
        public=True,
        notice=False,
        text=f"{name} {yuan(form.amount_fen)}",
        amount_fen=form.amount_fen,
        deadline=deadline.last_day.isoformat() if deadline.last_day else None,
        evidence=len(form.evidence),
    )
    for rep in await on_duty_staff(session, zone_id=claim.zone_id):
        row = await notify(
            session,
            user=rep,
            key="claims.staff_new",
            actions=open_action(claim),
            ref=case.ref,
            who=user.display_name or "—",
            counterparty=name,
            amount=yuan(claim.amount_fen),
            relation=text(rep.language, f"claims.rel.{claim.relation.value}"),
        )
        # Remembered, so a stage move shows on every representative's copy.
        await cards.send_claim_notice(session, case=case, row=row, lang=rep.language)
    return claim, case


def open_action(claim: WageClaim) -> list[list[Action]]:
    return [[Action(Act.OPEN_WAGE_CLAIM, claim.id)]]


def _evidence_row(claim: WageClaim, ev: EvidenceFile, *, uploader: User) -> ClaimEvidence:
    return ClaimEvidence(
        claim_id=claim.id,  # type: ignore[arg-type]
        item=ev.item,
        kind=ev.kind,
        file_id=ev.file_id,
        file_unique_id=ev.file_unique_id,
        file_name=ev.file_name,
        mime_type=ev.mime_type,
        size=ev.size,
        uploader_id=uploader.id,
    )


async def _recompute(session: AsyncSession, claim: WageClaim) -> Deadline:
    deadline = await deadline_of(session, claim=claim)
    claim.deadline_on = deadline.last_day
    claim.deadline_basis = deadline.basis
    claim.updated_at = utcnow()
    await session.flush()
    return deadline
