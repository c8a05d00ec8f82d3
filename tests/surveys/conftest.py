"""Surveys fixtures: the demo zones and staff, and members in XH and BJ on two platforms."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.runtime import Runtime
from bot.outbox_sender import OutboxSender
from models import Outbox, OutboxStatus, User, Zone
from models.db import make_engine, make_sessionmaker, unit_of_work
from models.membership import Membership, MembershipStatus
from services.demo import load_demo_data
from tests.chat import PNG, button

ADMIN, REP_XH, REP_BJ = 900001, 900002, 900003
FIRST_MEMBER = 810000
__all__ = ["button"]  # for the chat tests, with wait_for and png below


async def add_members(
    session: AsyncSession,
    n: int,
    *,
    zone: str = "XH",
    platforms: tuple[str, ...] = ("meituan",),
    first: int = FIRST_MEMBER,
    lang: str = "zh",
) -> list[int]:
    """`n` active members (Telegram ids first, first+1, …); their user ids."""
    zone_id = (await session.execute(select(Zone.id).where(Zone.code == zone))).scalar_one()
    users = [
        User(telegram_id=first + i, display_name=f"member {first + i}", language=lang)
        for i in range(n)
    ]
    session.add_all(users)
    await session.flush()
    session.add_all(
        Membership(
            user_id=u.id,  # type: ignore[arg-type]
            zone_id=zone_id,
            status=MembershipStatus.active,
            member_number=f"{zone}-2026-{u.telegram_id}",
            name=u.display_name,
            platforms=list(platforms),
            work_kinds=["food"],
        )
        for u in users
    )
    await session.flush()
    return [u.id for u in users]  # type: ignore[misc]


async def by_tg(session: AsyncSession, telegram_id: int) -> User:
    return (await session.execute(select(User).where(User.telegram_id == telegram_id))).scalar_one()


@pytest.fixture
async def sessions(db_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = make_engine(db_url)
    yield make_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture
async def world(sessions: async_sessionmaker[AsyncSession]) -> async_sessionmaker[AsyncSession]:
    """XH: 3 Meituan members (ids 810000-2), BJ: 2 Ele.me members (820000-1)."""
    async with unit_of_work(sessions) as s:
        await load_demo_data(s)
        await add_members(s, 3, zone="XH", platforms=("meituan",))
        await add_members(s, 2, zone="BJ", platforms=("eleme",), first=820000, lang="en")
    return sessions


async def deliver(rt: Runtime) -> int:
    """Send everything queued, as a worker would: the survey and notice rows are paced
    (about 29 a second), so drain until none is pending rather than until none is due."""
    assert rt.ctx.bot is not None
    sender = OutboxSender(rt.ctx.bot, rt.ctx.sessions, per_chat_per_second=50)
    sent = 0
    for _ in range(200):
        sent += await sender.drain_until_empty()
        async with rt.ctx.sessions() as s:
            pending = (
                await s.execute(select(func.count()).where(Outbox.status == OutboxStatus.pending))
            ).scalar_one()
        if not pending:
            return sent
        await asyncio.sleep(0.1)
    raise AssertionError("the outbox did not drain")


def png() -> str:
    """A real 1x1 PNG, base64 (the sandbox only accepts images it can read)."""
    return base64.b64encode(PNG).decode()
