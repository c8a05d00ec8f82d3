"""The API over real HTTP against a running desk."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.outbox_sender import OutboxSender
from tests.conftest import DeskFactory
from tests.sandbox_client import SandboxClient


class ApiClient:
    def __init__(self, base: str, http: aiohttp.ClientSession) -> None:
        self.base, self.http = base, http
        self.token: str | None = None

    async def call(
        self, method: str, path: str, *, token: str | None = None, **kw: Any
    ) -> tuple[int, Any, dict]:
        headers = dict(kw.pop("headers", {}))
        if token or self.token:
            headers["Authorization"] = f"Bearer {token or self.token}"
        async with self.http.request(
            method, f"{self.base}/api/v1{path}", headers=headers, **kw
        ) as r:
            ctype = r.headers.get("Content-Type", "")
            body = await r.json(content_type=None) if "json" in ctype else await r.read()
            return r.status, body, dict(r.headers)


@pytest.fixture
async def api(desks: DeskFactory) -> AsyncIterator[tuple[Any, ApiClient]]:
    runtime = await desks.start()
    async with aiohttp.ClientSession() as http:
        yield runtime, ApiClient(runtime.url, http)


async def sign_in_by_chat(
    runtime: Any, client: ApiClient, sandbox: SandboxClient, *, telegram_id: int, username: str
) -> dict:
    """The whole rider path: /start in chat, ask for a code, read it in chat, exchange it."""
    await sandbox.user(telegram_id, username.title(), language="en", username=username)
    await sandbox.reply_to(telegram_id, "/help")
    seen = (await sandbox.messages(telegram_id))[-1]["message_id"]
    status, _, _ = await client.call("POST", "/auth/code", json={"login": f"@{username}"})
    assert status == 202
    await OutboxSender(
        runtime.ctx.bot, runtime.ctx.sessions, per_chat_per_second=50
    ).drain_until_empty()
    [notice] = await sandbox.messages(telegram_id, after=seen, wait=5)
    code = re.search(r"\b(\d{6})\b", notice["text"]).group(1)  # type: ignore[union-attr]
    status, tokens, _ = await client.call(
        "POST", "/auth/token", json={"login": username, "code": code}
    )
    assert status == 200, tokens
    return tokens
