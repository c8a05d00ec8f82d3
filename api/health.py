"""GET /healthz: database, bot, scheduler, the outbox and inbox backlogs and the escalation
sweep's lag; 503 when the database is down."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from aiohttp import web

from api.keys import CTX
from models.db import database_unavailable
from services import health, inbox, outbox

log = logging.getLogger(__name__)
routes = web.RouteTableDef()
STALE_AFTER = 60  # seconds without a scheduler heartbeat before we call it down


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    ctx = request.app[CTX]
    body: dict[str, Any] = {"status": "ok"}

    # A sweep runs every ESCALATION_INTERVAL: a case later than two of them was missed.
    grace = timedelta(seconds=2 * ctx.settings.escalation_interval)

    async def read() -> tuple[
        dict[str, health.Beat], outbox.Backlog, outbox.Backlog, health.SweepLag
    ]:
        async with ctx.sessions() as session:
            await health.ping(session)
            return (
                await health.heartbeats(session),
                await outbox.backlog(session),
                await inbox.backlog(session),
                await health.sweep_lag(session, grace=grace),
            )

    try:
        # Bounded: a frozen database is "down" within two seconds, not after a TCP timeout.
        beats, backlog, inbound, lag = await health.within(read())
    except Exception as exc:
        if not database_unavailable(exc):
            raise
        log.warning("health check: database unreachable: %r", exc)
        body.update(status="down", database={"ok": False, "error": type(exc).__name__})
        return web.json_response(body, status=503)
    body["database"] = {"ok": True, "dialect": ctx.engine.dialect.name}
    body["bot"] = ctx.bot_status()
    beat = beats.get("scheduler")
    scheduler_ok = beat is not None and beat.age_seconds < STALE_AFTER
    body["scheduler"] = {
        "ok": scheduler_ok,
        "last_beat": beat.beat_at.isoformat() if beat else None,
        "age_seconds": round(beat.age_seconds, 1) if beat else None,
        "instance": beat.info.get("instance") if beat else None,
    }
    body["outbox"] = _queue(backlog)
    body["inbox"] = _queue(inbound)
    body["escalation"] = {
        "late": lag.late,
        "oldest_late_seconds": _round(lag.oldest_late_seconds),
    }
    if not (scheduler_ok and body["bot"]["ok"]):
        body["status"] = "degraded"
    return web.json_response(body)


def _round(seconds: float | None) -> float | None:
    return round(seconds, 1) if seconds is not None else None


def _queue(backlog: outbox.Backlog) -> dict[str, Any]:
    return {
        "pending": backlog.pending,
        "failed": backlog.failed,
        "oldest_pending_seconds": _round(backlog.oldest_pending_seconds),
    }
