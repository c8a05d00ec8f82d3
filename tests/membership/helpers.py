"""The membership tests' people and demo data (chat steps go through tests/chat.py)."""

from __future__ import annotations

from models.db import unit_of_work
from services.demo import load_demo_data

XH_REP, BJ_REP, SENIOR = 900002, 900003, 900004


async def load_demo(rt) -> None:  # type: ignore[no-untyped-def]
    async with unit_of_work(rt.ctx.sessions) as session:
        await load_demo_data(session)
