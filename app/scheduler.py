"""APScheduler jobs: sweeps, not one job per item. Each job is safe to run on several workers."""

from __future__ import annotations

import logging
import os
import socket
from datetime import datetime
from typing import TYPE_CHECKING

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from models.db import unit_of_work
from models.types import utcnow
from services import health
from services.agenda.places import places_of
from services.agenda.reminders import send_due_meeting_reminders
from services.claims.reminders import send_due_deadline_reminders
from services.escalation.digest import send_daily_digest
from services.escalation.sweep import escalate_due_cases
from services.escalation.weekly import send_weekly_summary
from services.injury.reminders import send_due_reminders as send_injury_reminders
from services.stations.places import stations_in
from services.stations.reminders import send_due_reminders
from services.surveys.sweep import sweep as surveys_sweep

if TYPE_CHECKING:
    from app.runtime import Context

log = logging.getLogger(__name__)
INSTANCE = f"{socket.gethostname()}:{os.getpid()}"
HEARTBEAT_SECONDS = 10
SURVEYS_SECONDS = 5
ESCALATION_BATCH = 500  # cases per sweep; the rest wait for the next one, oldest first


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
        escalate,
        "interval",
        seconds=ctx.settings.escalation_interval,
        args=[ctx],
        id="escalation",
    )
    # Idempotent (a reminder row per claim and deadline), so hourly costs nothing extra.
    scheduler.add_job(
        claim_deadline_reminders, "interval", hours=1, args=[ctx], id="claim_reminders"
    )
    # Surveys closing, their one reminder, and notices' progress messages edited in place.
    scheduler.add_job(surveys, "interval", seconds=SURVEYS_SECONDS, args=[ctx], id="surveys")
    # Riders' station slots: the reminder about an hour before (once per booking).
    scheduler.add_job(station_reminders, "interval", minutes=5, args=[ctx], id="station_reminders")
    # The day-before reminders of agenda meetings; a meeting is marked once, so any interval.
    scheduler.add_job(meeting_reminders, "interval", minutes=10, args=[ctx], id="meeting_reminders")
    scheduler.add_job(
        injury_deadline_reminders, "interval", hours=1, args=[ctx], id="injury_reminders"
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


async def escalate(ctx: Context) -> None:
    """Warn and escalate the cases whose next SLA moment has come (services/escalation.py)."""
    now = utcnow()
    report = await escalate_due_cases(ctx.sessions, now=now, limit=ESCALATION_BATCH)
    if report.escalations or report.failed:
        log.info("escalation: %d raised, %d failed", len(report.escalations), len(report.failed))
    await send_digests(ctx, now=now)


async def send_digests(ctx: Context, *, now: datetime) -> None:
    """The admins' digests ride on the sweep: after their local time, the first sweep sends
    them (so the first sweep after a start catches up one that was missed while down). Each
    has its own row and transaction: one failing does not hold back the other."""
    async with unit_of_work(ctx.sessions) as session:
        await send_daily_digest(session, now=now, tz=ctx.settings.timezone)
    async with unit_of_work(ctx.sessions) as session:  # Mondays: the week before
        await send_weekly_summary(session, now=now, tz=ctx.settings.timezone)


async def claim_deadline_reminders(ctx: Context) -> None:
    async with unit_of_work(ctx.sessions) as session:
        await send_due_deadline_reminders(session, now=utcnow(), tz=ctx.settings.timezone)


async def surveys(ctx: Context) -> None:
    swept = await surveys_sweep(ctx.sessions)
    if swept.closed or swept.reminded:
        log.info("surveys: %d closed, %d reminders", swept.closed, swept.reminded)


async def station_reminders(ctx: Context) -> None:
    stations = stations_in(str(ctx.settings.routes_dir))
    async with unit_of_work(ctx.sessions) as session:
        await send_due_reminders(session, stations=stations, now=utcnow())


async def injury_deadline_reminders(ctx: Context, *, now: datetime | None = None) -> None:
    """Injury claims' deadline reminders (services/injury/reminders.py); idempotent too."""
    async with unit_of_work(ctx.sessions) as session:
        await send_injury_reminders(session, now=now or utcnow(), tz=ctx.settings.timezone)


async def meeting_reminders(ctx: Context) -> None:
    async with unit_of_work(ctx.sessions) as session:
        places = places_of(ctx.routes, ctx.settings.routes_dir)
        await send_due_meeting_reminders(session, now=utcnow(), places=places)
