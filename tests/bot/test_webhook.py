"""BOT_MODE=webhook: the Bot API server POSTs updates to us with the secret header."""

from __future__ import annotations

import aiohttp

from tests.conftest import DeskFactory
from tests.sandbox_client import SandboxClient

RIDER = 700003


async def test_webhook_mode_answers_and_checks_the_secret(
    desks: DeskFactory, sandbox: SandboxClient
) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    runtime = await desks.start(
        bot_mode="webhook",
        http_port=port,
        webhook_url=f"http://127.0.0.1:{port}/telegram/webhook",
        webhook_secret="s3cret-token",
    )
    await sandbox.user(RIDER, "Wang", language="en")
    answer = await sandbox.reply_to(RIDER, "/help")
    assert answer["text"].startswith("What I can do for you")

    update = {
        "update_id": 1,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": 1, "type": "private"},
            "text": "/help",
        },
    }
    async with aiohttp.ClientSession() as http:
        for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
            async with http.post(
                f"{runtime.url}/telegram/webhook", json=update, headers=headers
            ) as r:
                assert r.status == 401
