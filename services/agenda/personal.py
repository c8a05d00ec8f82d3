"""A person's own agenda data: their supports, their answers to meetings and their proposals
for /mydata; and on /leave, each unlinked from them (the counts and the union's record stay,
the person goes)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.agenda import AgendaItem, AgendaMove, AgendaSupport, Meeting, MeetingInvite


async def export(session: AsyncSession, *, user_id: int) -> dict[str, Any]:
    supports = (
        await session.execute(
            select(AgendaSupport, AgendaItem.title)
            .join(AgendaItem, AgendaItem.id == AgendaSupport.item_id)
            .where(AgendaSupport.user_id == user_id)
            .order_by(AgendaSupport.id)
        )
    ).all()
    answers = (
        await session.execute(
            select(MeetingInvite, Meeting)
            .join(Meeting, Meeting.id == MeetingInvite.meeting_id)
            .where(MeetingInvite.user_id == user_id)
            .order_by(MeetingInvite.id)
        )
    ).all()
    proposals = (
        await session.execute(
            select(AgendaItem).where(AgendaItem.proposed_by_id == user_id).order_by(AgendaItem.id)
        )
    ).scalars()
    return {
        "supports": [
            {"item_id": s.item_id, "title": title, "at": s.created_at.isoformat()}
            for s, title in supports
        ],
        "meeting_answers": [
            {
                "meeting_id": i.meeting_id,
                "kind": m.kind.value,
                "starts_at": m.starts_at.isoformat(),
                "place": m.place,
                "rsvp": i.rsvp.value if i.rsvp else None,
                "answered_at": i.answered_at.isoformat() if i.answered_at else None,
            }
            for i, m in answers
        ],
        "proposals": [p.model_dump(mode="json") for p in proposals],
    }


async def forget(session: AsyncSession, *, user_id: int) -> None:
    """Supports and answers keep counting without a person; proposals stay on the agenda
    without their proposer (erasure scrubs the person's name from their text first)."""
    for table in (AgendaSupport, MeetingInvite):
        await session.execute(
            update(table)
            .where(table.user_id == user_id)  # type: ignore[attr-defined]
            .values(user_id=None)
            .execution_options(synchronize_session=False)
        )
    await session.execute(  # the "proposed" move names its proposer
        update(AgendaMove)
        .where(AgendaMove.actor_id == user_id)
        .values(actor_id=None)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(AgendaItem)
        .where(AgendaItem.proposed_by_id == user_id)
        .values(proposed_by_id=None)
        .execution_options(synchronize_session=False)
    )
