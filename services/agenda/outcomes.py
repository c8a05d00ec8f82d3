"""Outcomes: the minutes and the decision that move an item (agreed, done, not possible, or
back to proposed when a meeting did not get to it); the riders of the cases behind it and
its proposer are told. The desk's figure: hot issues solved per zone and month."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import User
from models.agenda import AgendaItem, AgendaMove, AgendaStatus, MeetingItem
from models.types import utcnow
from services.agenda import notices, states
from services.agenda.items import item_for_staff, linked_riders
from services.cases.access import staff_zone_ids
from services.errors import Invalid
from services.local_time import time_zone

TEXT_MAX = 4000


def status_of(raw: str) -> AgendaStatus:
    try:
        return AgendaStatus(raw)
    except ValueError:
        raise Invalid("agenda_status_unknown") from None


async def record_outcome(
    session: AsyncSession,
    *,
    actor: User,
    item_id: int,
    to: str,
    minutes: str = "",
    decision: str = "",
    meeting_id: int | None = None,
) -> AgendaItem:
    item = await item_for_staff(session, item_id=item_id, actor=actor)
    target = status_of(to)
    if target is AgendaStatus.scheduled:
        raise Invalid("agenda_schedule_by_meeting")
    states.check_move(item.status, target)
    minutes, decision = minutes.strip(), decision.strip()
    if len(minutes) > TEXT_MAX or len(decision) > TEXT_MAX:
        raise Invalid("agenda_text_too_long", max=TEXT_MAX)
    if target in states.DECIDED and not decision:
        raise Invalid("agenda_decision_missing")
    if meeting_id is None:
        meeting_id = await session.scalar(
            select(MeetingItem.meeting_id)
            .where(MeetingItem.item_id == item.id)
            .order_by(MeetingItem.meeting_id.desc())
            .limit(1)
        )
    else:
        held = await session.scalar(
            select(MeetingItem.item_id).where(
                MeetingItem.item_id == item.id, MeetingItem.meeting_id == meeting_id
            )
        )
        if held is None:
            raise Invalid("agenda_meeting_not_for_item")
    session.add(
        AgendaMove(
            item_id=item.id,  # type: ignore[arg-type]
            meeting_id=meeting_id,
            actor_id=actor.id,
            from_status=item.status,
            to_status=target,
            minutes=minutes,
            decision=decision,
        )
    )
    now = utcnow()
    item.status, item.updated_at = target, now
    if target in states.CLOSED:
        item.closed_at = now
    await session.flush()
    await notices.tell_moved(
        session, item=item, people=await linked_riders(session, item), decision=decision
    )
    return item


@dataclass(frozen=True)
class Solved:
    zone_id: int
    month: str  # "2026-12", in the desk's time zone
    count: int


async def solved_counts(
    session: AsyncSession, *, actor: User, tz: str | None = None
) -> list[Solved]:
    """Hot issues solved (done) per zone and month, newest month first."""
    zones = await staff_zone_ids(session, user=actor)
    query = select(AgendaItem.zone_id, AgendaItem.closed_at).where(
        AgendaItem.status == AgendaStatus.done, AgendaItem.closed_at.is_not(None)
    )
    if zones is not None:
        query = query.where(AgendaItem.zone_id.in_(zones))
    zone = time_zone(tz)
    counts: Counter[tuple[int, str]] = Counter()
    for zone_id, closed in (await session.execute(query)).all():
        moment: datetime = closed
        counts[(zone_id, moment.astimezone(zone).strftime("%Y-%m"))] += 1
    ordered = sorted(counts.items(), key=lambda kv: (kv[0][1], kv[0][0]), reverse=True)
    return [Solved(z, m, n) for (z, m), n in ordered]
