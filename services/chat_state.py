"""Conversation state kept in the database (the default FSM storage; Redis when configured)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from models import ChatState
from models.types import utcnow


async def get(session: AsyncSession, *, key: str) -> ChatState | None:
    return await session.get(ChatState, key)


async def _row(session: AsyncSession, key: str) -> ChatState:
    row = await session.get(ChatState, key)
    if row is None:
        row = ChatState(key=key)
        session.add(row)
    row.updated_at = utcnow()
    return row


async def set_state(session: AsyncSession, *, key: str, state: str | None) -> None:
    (await _row(session, key)).state = state


async def set_data(session: AsyncSession, *, key: str, data: dict[str, Any]) -> None:
    (await _row(session, key)).data = data


async def forget(session: AsyncSession, *, key_prefix: str) -> None:
    """Drop every stored conversation of a chat (used when a rider leaves)."""
    await session.execute(delete(ChatState).where(ChatState.key.startswith(key_prefix)))
