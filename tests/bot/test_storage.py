"""Conversation state outlives the process: in the database by default, in Redis if set."""

from __future__ import annotations

from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.redis import RedisStorage
from sqlalchemy import event

from bot.setup import build_storage
from bot.storage import DatabaseStorage, update_session
from models.db import has_written, make_engine, make_sessionmaker, unit_of_work
from services import chat_state
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


async def test_within_an_update_the_state_is_read_once_and_unchanged_state_not_written(
    db_url: str,
) -> None:
    """aiogram reads the state several times an update; the update's session reads the row
    once, hands out copies, and writes only what changed (nothing, nothing committed early)."""
    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)
    storage = DatabaseStorage(sessions)
    await storage.set_state(KEY, "Report:where")
    await storage.set_data(KEY, {"form": {"values": {"category": "access"}}})
    sent: list[str] = []
    listen = lambda *a: sent.append(a[2].split()[0])  # noqa: E731 (the statement's verb)
    event.listen(engine.sync_engine, "before_cursor_execute", listen)
    try:
        async with unit_of_work(sessions) as session:
            token = update_session.set(session)
            try:
                for _ in range(4):  # the FSM middleware, filters, the handler
                    assert await storage.get_state(KEY) == "Report:where"
                data = await storage.get_data(KEY)
                data["form"]["values"]["category"] = "changed in place"  # not saved
                assert (await storage.get_data(KEY))["form"]["values"]["category"] == "access"
                await storage.set_state(KEY, "Report:where")  # the same: no write
                assert not has_written(session)
                await storage.set_data(KEY, {"form": {"values": {"category": "ebike"}}})
                assert has_written(session)
            finally:
                update_session.reset(token)
        assert sent.count("SELECT") == 1 and sent.count("UPDATE") == 1
        assert (await storage.get_data(KEY))["form"]["values"]["category"] == "ebike"
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", listen)
        await engine.dispose()


async def test_a_forgotten_conversation_is_started_afresh_in_the_same_update(db_url: str) -> None:
    """/leave deletes the rows behind the ORM's back: the held row goes with them, so the
    next write inserts a new row instead of updating a deleted one."""
    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)
    storage = DatabaseStorage(sessions)
    await storage.set_state(KEY, "Join:phone")
    key = storage.keys.build(KEY)
    try:
        async with unit_of_work(sessions) as session:
            token = update_session.set(session)
            try:
                assert await storage.get_state(KEY) == "Join:phone"
                await chat_state.forget_keys(session, keys=[key])
                assert await storage.get_state(KEY) is None
                await storage.set_state(KEY, "Join:name")
            finally:
                update_session.reset(token)
        assert await storage.get_state(KEY) == "Join:name"
    finally:
        await engine.dispose()
