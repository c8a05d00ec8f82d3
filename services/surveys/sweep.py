"""The scheduler's surveys job: close due surveys, send the one reminder, and edit notices'
progress messages. Each step is idempotent and claims its rows with one UPDATE, so several
workers never do one twice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.db import unit_of_work
from models.types import utcnow
from services.surveys.closing import close_due, remind_due
from services.surveys.notices import refresh_progress


@dataclass(frozen=True)
class Swept:
    closed: int
    reminded: int
    progress_edits: int


async def sweep(
    sessions: async_sessionmaker[AsyncSession], *, now: datetime | None = None
) -> Swept:
    now = now or utcnow()
    async with unit_of_work(sessions) as session:
        closed = await close_due(session, now=now)
    async with unit_of_work(sessions) as session:
        reminded = await remind_due(session, now=now)
    async with unit_of_work(sessions) as session:
        edits = await refresh_progress(session)
    return Swept(closed, reminded, edits)
