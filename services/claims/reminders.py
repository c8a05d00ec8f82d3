"""Deadline reminders of wage claims (the escalation runner calls these)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from models.claims import (
    ClaimReminder,
    WageClaim,
)
from services.cases.events import record
from services.claims.deadline import next_reminder
from services.claims.money import yuan
from services.claims.progress import _tell_rider, _tell_staff
from services.claims.reading import get_claim
from services.claims.rules import OPEN_STAGES
from services.local_time import time_zone


@dataclass(frozen=True)
class DueReminder:
    claim_id: int
    days_before: int
    deadline_on: date


async def due_deadline_reminders(
    session: AsyncSession, *, now: datetime, tz: str | None = None
) -> list[DueReminder]:
    """Reminders due now and not sent yet: for each open claim at most the most urgent one
    (a claim filed 20 days before its deadline gets the 30-day one, not the 90-day one too)."""
    today = now.astimezone(time_zone(tz)).date()
    rows = await session.execute(
        select(WageClaim.id, WageClaim.deadline_on).where(
            WageClaim.stage.in_(OPEN_STAGES),
            WageClaim.deadline_on.is_not(None),
            WageClaim.deadline_on >= today,
            WageClaim.deadline_on <= date.fromordinal(today.toordinal() + 90),
        )
    )
    candidates = [(cid, d) for cid, d in rows.all()]
    if not candidates:
        return []
    sent = await session.execute(
        select(ClaimReminder.claim_id, ClaimReminder.days_before, ClaimReminder.deadline_on).where(
            ClaimReminder.claim_id.in_([cid for cid, _ in candidates])
        )
    )
    done: dict[tuple[int, date], set[int]] = defaultdict(set)
    for cid, days, on in sent.all():
        done[(cid, on)].add(days)
    due: list[DueReminder] = []
    for cid, deadline in candidates:
        days = next_reminder(deadline, today, done[(cid, deadline)])
        if days is not None:
            due.append(DueReminder(cid, days, deadline))
    return sorted(due, key=lambda r: (r.deadline_on, r.claim_id))


async def mark_reminder_sent(
    session: AsyncSession, *, claim_id: int, days_before: int, deadline_on: date
) -> bool:
    """True when this call recorded the reminder; False when it had been recorded already
    (the unique constraint decides, so two runners never both send it)."""
    try:
        async with session.begin_nested():
            session.add(
                ClaimReminder(claim_id=claim_id, days_before=days_before, deadline_on=deadline_on)
            )
    except IntegrityError:
        return False
    return True


async def send_due_deadline_reminders(
    session: AsyncSession, *, now: datetime, tz: str | None = None
) -> list[DueReminder]:
    """Writes the outbox notices (rider and representative) for every due reminder, once."""
    sent: list[DueReminder] = []
    for due in await due_deadline_reminders(session, now=now, tz=tz):
        if not await mark_reminder_sent(
            session, claim_id=due.claim_id, days_before=due.days_before, deadline_on=due.deadline_on
        ):
            continue
        claim, case = await get_claim(session, claim_id=due.claim_id)
        values = {
            "deadline": due.deadline_on.isoformat(),
            "days": (due.deadline_on - now.astimezone(time_zone(tz)).date()).days,
            "counterparty": claim.counterparty_name,
            "amount": yuan(claim.amount_fen),
        }
        await _tell_rider(session, claim, case, key="claims.reminder_rider", **values)
        await _tell_staff(session, claim, case, key="claims.reminder_staff", **values)
        await record(
            session,
            case,
            actor=None,
            kind="claim_reminder",
            public=False,
            days=due.days_before,
            deadline=due.deadline_on.isoformat(),
        )
        sent.append(due)
    return sent
