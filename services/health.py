"""Signs of life for /healthz: a database round trip and the background jobs' heartbeats."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from models import Heartbeat
from models.types import utcnow


async def beat(session: AsyncSession, *, name: str, info: dict[str, Any] | None = None) -> None:
    row = await session.get(Heartbeat, name)
    if row is None:
        session.add(Heartbeat(name=name, info=info or {}))
    else:
        row.beat_at = utcnow()
        row.info = info or {}


@dataclass(frozen=True)
class Beat:
    name: str
    beat_at: datetime
    age_seconds: float
    info: dict[str, Any]


async def heartbeats(session: AsyncSession) -> dict[str, Beat]:
    now = utcnow()
    rows = (await session.execute(select(Heartbeat))).scalars()
    return {
        r.name: Beat(r.name, r.beat_at, (now - r.beat_at).total_seconds(), dict(r.info))
        for r in rows
    }


async def ping(session: AsyncSession) -> None:
    await session.execute(text("SELECT 1"))
