"""These tests tap through a form far faster than a person can, so their sandbox allows more
messages per chat than Telegram does; the outbox's pacing is tested in tests/bot."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from tests.sandbox_client import SandboxClient


@pytest.fixture
async def sandbox() -> AsyncIterator[SandboxClient]:
    from sandbox import create_sandbox_app

    root = web.Application()
    root.add_subapp("/sandbox", create_sandbox_app(per_chat_rate=200, per_chat_burst=200))
    runner = web.AppRunner(root, access_log=None, handler_cancellation=True)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    client = SandboxClient(f"http://127.0.0.1:{port}")
    yield client
    await client.close()
    await runner.cleanup()
