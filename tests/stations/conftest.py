"""Stations tests: the demo route data's stations, a database on SQLite and PostgreSQL with
the demo zones and staff, riders and a volunteer, and a fixed clock in Shanghai."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import User
from models.db import make_engine, make_sessionmaker, unit_of_work
from services.demo import load_demo_data
from services.stations.places import Stations, load_stations
from tests.api.conftest import api  # noqa: F401 (the running desk and an HTTP client)

ROOT = Path(__file__).resolve().parents[2]
DEMO_DIR = ROOT / "routes_data" / "demo"
SH = ZoneInfo("Asia/Shanghai")
ADMIN, REP_XH = 900001, 900002
VOLUNTEER = 700601
RIDERS = tuple(range(700611, 700619))
REPAIR = "demo/st-4"  # the volunteer repair corner, Mo-Su 09:00-21:00
# Tuesday 1 December 2026, 10:00 in Shanghai.
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=SH)


def at(d: int, h: int, mi: int = 0) -> datetime:
    return datetime(2026, 12, d, h, mi, tzinfo=SH)


@pytest.fixture(scope="session")
def stations() -> Stations:
    return load_stations(DEMO_DIR)


@pytest.fixture
async def sessions(db_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = make_engine(db_url)
    made = make_sessionmaker(engine)
    async with unit_of_work(made) as s:
        await load_demo_data(s)
        s.add(User(telegram_id=VOLUNTEER, display_name="志愿者 老周"))
        for tg in RIDERS:
            s.add(User(telegram_id=tg, display_name=f"骑手{tg}"))
    yield made
    await engine.dispose()


async def person(session: AsyncSession, telegram_id: int) -> User:
    from sqlalchemy import select

    return (await session.execute(select(User).where(User.telegram_id == telegram_id))).scalar_one()
