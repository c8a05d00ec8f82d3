"""Deadline reminders of injury claims (the scheduler's `injury_reminders` job calls these):
a week, three days and a day before the nearest deadline, each once."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from models.injury import InjuryClaim, InjuryReminder
from services.cases.events import record
from services.claims.deadline import next_reminder
from services.injury import notices
from services.injury.claims import get_claim, view_of
from services.injury.rules import OPEN_STAGES, REMINDER_WINDOWS
from services.local_time import time_zone


@dataclass(frozen=True)
class DueReminder:
    claim_id: int
    stage: str
    due_on: date
    days_before: int


async def due_reminders(
    session: AsyncSession, *, now: datetime, tz: str | None = None
) -> list[DueReminder]:
    """Reminders due now and not sent yet: for each open claim at most the most urgent one."""
    today = now.astimezone(time_zone(tz)).date()
    rows = await session.execute(
        select(InjuryClaim.id, InjuryClaim.due_stage, InjuryClaim.due_on).where(
            InjuryClaim.stage.in_(OPEN_STAGES),
            InjuryClaim.due_on.is_not(None),
            InjuryClaim.due_on >= today,
            InjuryClaim.due_on <= today + timedelta(days=max(REMINDER_WINDOWS)),
        )
    )
    candidates = [(cid, stage, on) for cid, stage, on in rows.all() if stage]
    if not candidates:
        return []
    sent = await session.execute(
        select(
            InjuryReminder.claim_id,
            InjuryReminder.stage,
            InjuryReminder.due_on,
            InjuryReminder.days_before,
        ).where(InjuryReminder.claim_id.in_([cid for cid, _, _ in candidates]))
    )
    done: dict[tuple[int, str, date], set[int]] = defaultdict(set)
    for cid, stage, on, days in sent.all():
        done[(cid, stage, on)].add(days)
    due = []
    for cid, stage, on in candidates:
        days = next_reminder(on, today, done[(cid, stage, on)], REMINDER_WINDOWS)
        if days is not None:
            due.append(DueReminder(cid, stage, on, days))
    return sorted(due, key=lambda r: (r.due_on, r.claim_id))


async def _mark_sent(session: AsyncSession, due: DueReminder) -> bool:
    """True when this call recorded the reminder; the unique key makes a second runner lose."""
    try:
        async with session.begin_nested():
            session.add(
                InjuryReminder(
                    claim_id=due.claim_id,
                    stage=due.stage,
                    due_on=due.due_on,
                    days_before=due.days_before,
                )
            )
    except IntegrityError:
        return False
    return True


async def send_due_reminders(
    session: AsyncSession, *, now: datetime, tz: str | None = None
) -> list[DueReminder]:
    """Writes the outbox notices (rider and representative) for every due reminder, once."""
    today = now.astimezone(time_zone(tz)).date()
    sent = []
    for due in await due_reminders(session, now=now, tz=tz):
        if not await _mark_sent(session, due):
            continue
        claim, case = await get_claim(session, claim_id=due.claim_id)
        view = await view_of(session, claim=claim, case=case)
        await notices.tell_reminder(
            session, view=view, stage=due.stage, days=(due.due_on - today).days
        )
        await record(
            session,
            case,
            actor=None,
            kind="injury_reminder",
            public=False,
            days=due.days_before,
            text=due.due_on.isoformat(),
            label=f"accident.stage.{due.stage}",
        )
        sent.append(due)
    return sent
