"""aiogram FSM storage on our own database, so no Redis is needed to survive a restart.

During an update the storage writes through that update's own session (found in a context
variable set by DbSessionMiddleware): the conversation state then commits or rolls back
together with what the handler changed, and SQLite never sees a second writer waiting on
the first. Outside an update it uses a short transaction of its own."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, StateType, StorageKey
from aiogram.fsm.storage.redis import RedisStorage
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.db import unit_of_work
from services import chat_state
from services.privacy.erasure import ForgetChat, forget_redis_chat

update_session: ContextVar[AsyncSession | None] = ContextVar("update_session", default=None)


class DatabaseStorage(BaseStorage):
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions
        self.keys = DefaultKeyBuilder(with_bot_id=True, with_destiny=True)

    @asynccontextmanager
    async def _session(self) -> AsyncIterator[AsyncSession]:
        current = update_session.get()
        if current is not None:
            yield current
            await current.flush()
            return
        async with unit_of_work(self.sessions) as session:
            yield session

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        async with self._session() as session:
            await chat_state.set_state(session, key=self.keys.build(key), state=value)

    async def get_state(self, key: StorageKey) -> str | None:
        async with self._session() as session:
            row = await chat_state.get(session, key=self.keys.build(key))
            return row.state if row else None

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        async with self._session() as session:
            await chat_state.set_data(session, key=self.keys.build(key), data=dict(data))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        async with self._session() as session:
            return await chat_state.get_data(session, key=self.keys.build(key))

    async def close(self) -> None:
        return None


# --- forgetting a chat (a rider left) ------------------------------------------------


def chat_forgetter(storage: BaseStorage) -> ForgetChat | None:
    """What erasure calls for the state kept outside the database (database rows it deletes
    in its own transaction)."""
    if isinstance(storage, RedisStorage):
        redis = storage.redis
        prefix = getattr(storage.key_builder, "prefix", "fsm")

        async def forget(telegram_id: int) -> None:
            await forget_redis_chat(redis, telegram_id, prefix=prefix)

        return forget
    return None
