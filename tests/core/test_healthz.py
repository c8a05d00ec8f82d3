"""/healthz over real HTTP: 200 with every part's state; 503 when the database is down."""

from __future__ import annotations

import aiohttp
from aiohttp import web

from api.app import create_web_app
from app.runtime import Context
from models.db import make_engine, make_sessionmaker
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
    assert body["status"] == "ok"


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
