"""/healthz over real HTTP: 200 with every part's state; 503 when the database is down."""

from __future__ import annotations

from datetime import timedelta

import aiohttp
from aiohttp import web

from api.app import create_web_app
from app.runtime import Context, Runtime
from models import Case, Inbox, InboxStatus
from models.db import make_engine, make_sessionmaker, unit_of_work
from models.types import utcnow
from tests.conftest import DeskFactory, desk_settings


async def test_healthz_reports_database_bot_scheduler_and_outbox(desks: DeskFactory) -> None:
    runtime = await desks.start(scheduler=True)
    async with aiohttp.ClientSession() as http, http.get(f"{runtime.url}/healthz") as resp:
        body = await resp.json()
    assert resp.status == 200
    assert body["database"]["ok"] is True
    assert body["bot"]["ok"] is True and body["bot"]["username"]
    assert body["scheduler"]["ok"] is True  # the first heartbeat is written at start
    assert body["outbox"] == {"pending": 0, "failed": 0, "oldest_pending_seconds": None}
    assert body["inbox"] == {"pending": 0, "failed": 0, "oldest_pending_seconds": None}
    assert body["escalation"] == {"late": 0, "oldest_late_seconds": None}
    assert body["status"] == "ok"


async def test_healthz_shows_riders_waiting_and_a_sweep_that_fell_behind(
    db_url: str, sandbox
) -> None:
    # Neither bot nor scheduler: nobody handles or sweeps. An update waits in the inbox, one
    # was given up, and a case is ten minutes past its escalation moment (sweeps: every 60 s).
    runtime = Runtime(desk_settings(db_url, sandbox), bot=False, scheduler=False)
    await runtime.start()
    now = utcnow()
    async with unit_of_work(runtime.ctx.sessions) as s:
        s.add(
            Inbox(
                update_id=1,
                chat_id=7,
                payload={"update_id": 1},
                received_at=now - timedelta(seconds=90),
            )
        )
        s.add(Inbox(update_id=2, status=InboxStatus.failed))
        s.add(
            Case(
                ref="C-2026-90001",
                category="accident",
                next_escalation_at=now - timedelta(minutes=10),
            )
        )
        s.add(
            Case(
                ref="C-2026-90002",
                category="accident",
                next_escalation_at=now + timedelta(minutes=5),
            )
        )
    try:
        async with aiohttp.ClientSession() as http, http.get(f"{runtime.url}/healthz") as resp:
            body = await resp.json()
    finally:
        await runtime.stop()
    assert resp.status == 200
    assert body["inbox"]["pending"] == 1 and body["inbox"]["failed"] == 1
    assert body["inbox"]["oldest_pending_seconds"] >= 90
    assert body["escalation"]["late"] == 1 and body["escalation"]["oldest_late_seconds"] >= 600


async def test_healthz_is_503_when_the_database_is_down(sandbox) -> None:
    # A real engine pointed at a port where no database listens.
    url = "postgresql+asyncpg://nobody@127.0.0.1:9/none"
    engine = make_engine(url, connect_args={"timeout": 2})
    ctx = Context(desk_settings(url, sandbox), engine, make_sessionmaker(engine))
    runner = web.AppRunner(create_web_app(ctx))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}/healthz") as resp:
                body = await resp.json()
        assert resp.status == 503
        assert body["status"] == "down" and body["database"]["ok"] is False
    finally:
        await runner.cleanup()
        await engine.dispose()
