"""Conversation state outlives the process: in the database by default, in Redis if set."""

from __future__ import annotations

from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.redis import RedisStorage

from bot.setup import build_storage
from bot.storage import DatabaseStorage
from models.db import make_engine, make_sessionmaker
from tests.conftest import REDIS_URL, require_redis

KEY = StorageKey(bot_id=1, chat_id=42, user_id=42)


async def _round_trip(make) -> None:  # type: ignore[no-untyped-def]
    first = make()
    await first.set_state(KEY, "Join:phone")
    await first.set_data(KEY, {"name": "小王", "platforms": ["meituan"]})
    await first.close()
    second = make()  # a new process would build a new storage object
    assert await second.get_state(KEY) == "Join:phone"
    assert await second.get_data(KEY) == {"name": "小王", "platforms": ["meituan"]}
    await second.set_state(KEY, None)
    await second.set_data(KEY, {})
    assert await second.get_state(KEY) is None
    await second.close()


async def test_database_storage_survives_a_restart(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        await _round_trip(lambda: DatabaseStorage(make_sessionmaker(engine)))
    finally:
        await engine.dispose()


async def test_redis_storage_is_used_when_configured(sqlite_url: str) -> None:
    await require_redis()
    engine = make_engine(sqlite_url)
    sessions = make_sessionmaker(engine)
    try:
        assert isinstance(build_storage(sessions, REDIS_URL), RedisStorage)
        await _round_trip(lambda: build_storage(sessions, REDIS_URL))
    finally:
        await engine.dispose()
