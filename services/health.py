"""Signs of life for /healthz: a database round trip and the background jobs' heartbeats."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, Heartbeat
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


@dataclass(frozen=True)
class SweepLag:
    late: int  # cases whose escalation moment passed longer ago than a sweep should take
    oldest_late_seconds: float | None


async def sweep_lag(session: AsyncSession, *, grace: timedelta) -> SweepLag:
    """Cases the escalation sweep should have taken by now: none while a worker runs."""
    now = utcnow()
    n, oldest = (
        await session.execute(
            select(func.count(), func.min(Case.next_escalation_at)).where(
                Case.next_escalation_at < now - grace
            )
        )
    ).one()
    return SweepLag(n, (now - oldest).total_seconds() if oldest is not None else None)


async def ping(session: AsyncSession) -> None:
    await session.execute(text("SELECT 1"))


T = TypeVar("T")
CHECK_TIMEOUT = 1.5  # /healthz must answer within 2 s, whatever the database does
_abandoned: set[asyncio.Task[Any]] = set()


async def within(coro: Coroutine[Any, Any, T], *, seconds: float = CHECK_TIMEOUT) -> T:
    """The coroutine's result, or TimeoutError after `seconds` — without waiting for it to
    wind down. A check cancelled on a frozen database would otherwise sit in its rollback
    until the statement timeout; it is cancelled and left to finish in the background."""
    task = asyncio.ensure_future(coro)
    done, _ = await asyncio.wait({task}, timeout=seconds)
    if task in done:
        return task.result()
    task.cancel()
    _abandoned.add(task)
    task.add_done_callback(_forget)
    raise TimeoutError(f"no answer within {seconds} s")


def _forget(task: asyncio.Task[Any]) -> None:
    _abandoned.discard(task)
    if not task.cancelled():
        task.exception()  # retrieved: a dead database's error is expected here, not news
