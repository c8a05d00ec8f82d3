"""A member's support for an item: one tap, one support each, withdrawn by another tap."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from models import User
from models.agenda import AgendaSupport
from services.agenda import states
from services.agenda.items import Entry, entry, item_for_member
from services.errors import Conflict


async def support(session: AsyncSession, *, user: User, item_id: int) -> Entry:
    """Support the item (again is no change: still one support)."""
    item = await item_for_member(session, item_id=item_id, user=user)
    if item.status in states.CLOSED:
        raise Conflict("agenda_closed")
    exists = await session.scalar(
        select(AgendaSupport.id).where(
            AgendaSupport.item_id == item.id, AgendaSupport.user_id == user.id
        )
    )
    if exists is None:
        try:
            async with session.begin_nested():
                session.add(AgendaSupport(item_id=item.id, user_id=user.id))  # type: ignore[arg-type]
        except IntegrityError:  # the same tap twice at once: one support stays
            pass
    return await entry(session, item, reader=user)


async def withdraw(session: AsyncSession, *, user: User, item_id: int) -> Entry:
    """Take the support back (not supporting is no change)."""
    item = await item_for_member(session, item_id=item_id, user=user)
    if item.status in states.CLOSED:
        raise Conflict("agenda_closed")
    await session.execute(
        delete(AgendaSupport).where(
            AgendaSupport.item_id == item.id, AgendaSupport.user_id == user.id
        )
    )
    return await entry(session, item, reader=user)


async def toggle(session: AsyncSession, *, user: User, item_id: int, on: bool) -> Entry:
    if on:
        return await support(session, user=user, item_id=item_id)
    return await withdraw(session, user=user, item_id=item_id)
