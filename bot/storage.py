"""aiogram FSM storage on our own database, so no Redis is needed to survive a restart."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, StateType, StorageKey
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.db import unit_of_work
from services import chat_state


class DatabaseStorage(BaseStorage):
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions
        self.keys = DefaultKeyBuilder(with_bot_id=True, with_destiny=True)

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        async with unit_of_work(self.sessions) as session:
            await chat_state.set_state(session, key=self.keys.build(key), state=value)

    async def get_state(self, key: StorageKey) -> str | None:
        async with self.sessions() as session:
            row = await chat_state.get(session, key=self.keys.build(key))
            return row.state if row else None

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        async with unit_of_work(self.sessions) as session:
            await chat_state.set_data(session, key=self.keys.build(key), data=dict(data))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        async with self.sessions() as session:
            row = await chat_state.get(session, key=self.keys.build(key))
            return dict(row.data) if row else {}

    async def close(self) -> None:
        return None
