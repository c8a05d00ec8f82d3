"""The admins' daily digest: at its local time or the first sweep after, once a day."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from models import Case, Outbox, User, Zone
from models.db import make_engine, make_sessionmaker, unit_of_work
from services.demo import load_demo_data
from services.escalation.digest import send_daily_digest
from tests.escalation.shanghai import sh

ADMIN, REP = 900001, 900002


@pytest.fixture
async def sessions(db_url: str) -> AsyncIterator:
    engine = make_engine(db_url)
    yield make_sessionmaker(engine)
    await engine.dispose()


async def _digest(sessions, at: datetime) -> bool:
    async with unit_of_work(sessions) as s:
        return await send_daily_digest(s, now=at, tz="Asia/Shanghai")


async def _texts(sessions, chat_id: int) -> list[str]:
    async with sessions() as s:
        rows = await s.execute(select(Outbox).where(Outbox.chat_id == chat_id).order_by(Outbox.id))
        return [o.payload["text"] for o in rows.scalars()]


async def test_digest_goes_to_admins_once_a_day_from_its_local_time(sessions) -> None:
    async with unit_of_work(sessions) as s:
        await load_demo_data(s)
        zone = (await s.execute(select(Zone).where(Zone.code == "XH"))).scalar_one()
        t = sh(2026, 11, 23, 6, 0)
        for i, due_minutes in enumerate((-30, -200, 600)):  # two overdue, one not yet
            s.add(
                Case(
                    ref=f"C-2026-0100{i}",
                    zone_id=zone.id,
                    category="other",
                    created_at=t,
                    updated_at=t,
                    first_response_due_at=sh(2026, 11, 23, 9, 0) + timedelta(minutes=due_minutes),
                )
            )
    assert not await _digest(sessions, sh(2026, 11, 23, 8, 59))
    assert await _digest(sessions, sh(2026, 11, 23, 9, 0))
    assert not await _digest(sessions, sh(2026, 11, 23, 9, 0))
    assert not await _digest(sessions, sh(2026, 11, 23, 23, 59))
    (digest,) = await _texts(sessions, ADMIN)
    assert "2026-11-23" in digest and "未结：3" in digest and "首次答复超时：2" in digest
    # Most overdue first; the case not yet due is not listed.
    assert digest.index("C-2026-01001") < digest.index("C-2026-01000")
    assert "C-2026-01002" not in digest and "3 小时 20 分钟" in digest
    assert await _texts(sessions, REP) == []  # admins only
    # Down at 09:00 the next day: the first sweep after sends it.
    assert await _digest(sessions, sh(2026, 11, 24, 11, 30))
    assert len(await _texts(sessions, ADMIN)) == 2
    async with sessions() as s:
        admin = (await s.execute(select(User).where(User.telegram_id == ADMIN))).scalar_one()
        assert admin.language == "zh"


async def test_nothing_to_say_sends_no_digest(sessions) -> None:
    async with unit_of_work(sessions) as s:
        await load_demo_data(s)  # a first start: no case open, nothing escalated
    assert await _digest(sessions, sh(2026, 11, 23, 9, 0))  # the day is done ...
    assert await _texts(sessions, ADMIN) == []  # ... and nothing was said
    assert not await _digest(sessions, sh(2026, 11, 23, 9, 5))
