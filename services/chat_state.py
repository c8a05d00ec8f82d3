"""Conversation state kept in the database (the default FSM storage; Redis when configured)."""

from __future__ import annotations

import copy
from collections.abc import Callable, Collection
from typing import Any

from sqlalchemy import delete, inspect
from sqlalchemy.ext.asyncio import AsyncSession

from models import ChatState
from models.types import utcnow

# session.info: the rows (or their absence) this session has read. aiogram reads the state
# several times an update (its FSM middleware, filters, the handler's get and update); the
# session's identity map holds a row only while something else does, so each read was a
# SELECT. One chat's updates are handled one at a time (the inbox), so nobody else changes
# the row meanwhile.
_HELD = "chat_state_rows"


async def get(session: AsyncSession, *, key: str) -> ChatState | None:
    held: dict[str, ChatState | None] = session.info.setdefault(_HELD, {})
    if key in held:
        row = held[key]
        # Not one a rollback threw out (a new row) or expired (a changed one): read again.
        if row is None or (row in session and not inspect(row).expired_attributes):
            return row
    row = held[key] = await session.get(ChatState, key)
    return row


async def _row(session: AsyncSession, key: str) -> ChatState:
    row = await get(session, key=key)
    if row is None:
        row = session.info[_HELD][key] = ChatState(key=key)
        session.add(row)
    row.updated_at = utcnow()
    return row


async def set_state(session: AsyncSession, *, key: str, state: str | None) -> None:
    row = await get(session, key=key)
    if (row is None and state is None) or (row is not None and row.state == state):
        return  # unchanged: no write
    (await _row(session, key)).state = state


async def get_data(session: AsyncSession, *, key: str) -> dict[str, Any]:
    """A copy: the caller may change it in place, and the held row must not change with it."""
    row = await get(session, key=key)
    return copy.deepcopy(row.data) if row is not None else {}


async def set_data(session: AsyncSession, *, key: str, data: dict[str, Any]) -> None:
    row = await get(session, key=key)
    if (row is None and not data) or (row is not None and row.data == data):
        return
    (await _row(session, key)).data = copy.deepcopy(dict(data))


async def forget(session: AsyncSession, *, key_prefix: str) -> None:
    """Drop every stored conversation of a chat (used when a rider leaves)."""
    _unhold(session, lambda key: key.startswith(key_prefix))
    await session.execute(delete(ChatState).where(ChatState.key.startswith(key_prefix)))


async def forget_keys(session: AsyncSession, *, keys: Collection[str]) -> None:
    _unhold(session, lambda key: key in keys)
    await session.execute(delete(ChatState).where(ChatState.key.in_(keys)))


def _unhold(session: AsyncSession, doomed: Callable[[str], bool]) -> None:
    """Rows about to be deleted behind the ORM's back: known absent from now on."""
    held: dict[str, ChatState | None] = session.info.get(_HELD, {})
    for key, row in list(held.items()):
        if doomed(key):
            if row is not None and row in session:
                session.expunge(row)
            held[key] = None
