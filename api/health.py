"""GET /healthz: database, bot, scheduler and outbox backlog; 503 when the database is down."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from api.keys import CTX
from models.db import database_unavailable
from services import health, outbox

log = logging.getLogger(__name__)
routes = web.RouteTableDef()
STALE_AFTER = 60  # seconds without a scheduler heartbeat before we call it down


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    ctx = request.app[CTX]
    body: dict[str, Any] = {"status": "ok"}

    async def read() -> tuple[dict[str, health.Beat], outbox.Backlog]:
        async with ctx.sessions() as session:
            await health.ping(session)
            return await health.heartbeats(session), await outbox.backlog(session)

    try:
        # Bounded: a frozen database is "down" within two seconds, not after a TCP timeout.
        beats, backlog = await health.within(read())
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
    body["outbox"] = {
        "pending": backlog.pending,
        "failed": backlog.failed,
        "oldest_pending_seconds": (
            round(backlog.oldest_pending_seconds, 1)
            if backlog.oldest_pending_seconds is not None
            else None
        ),
    }
    if not (scheduler_ok and body["bot"]["ok"]):
        body["status"] = "degraded"
    return web.json_response(body)
