"""APScheduler jobs: sweeps, not one job per item. Each job is safe to run on several workers."""

from __future__ import annotations

import logging
import os
import socket
from typing import TYPE_CHECKING

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from models.db import unit_of_work
from services import health

if TYPE_CHECKING:
    from app.runtime import Context

log = logging.getLogger(__name__)
INSTANCE = f"{socket.gethostname()}:{os.getpid()}"
HEARTBEAT_SECONDS = 10


def build_scheduler(ctx: Context) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(
        timezone=ctx.settings.timezone,
        # A job that missed its time (process busy or down) runs once, not once per miss.
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 30},
    )
    assert ctx.sender is not None
    scheduler.add_job(
        ctx.sender.drain_once, "interval", seconds=ctx.settings.outbox_interval, id="outbox"
    )
    scheduler.add_job(
        heartbeat,
        "interval",
        seconds=HEARTBEAT_SECONDS,
        args=[ctx],
        id="heartbeat",
    )
    return scheduler


async def heartbeat(ctx: Context) -> None:
    async with unit_of_work(ctx.sessions) as session:
        await health.beat(session, name="scheduler", info={"instance": INSTANCE})
