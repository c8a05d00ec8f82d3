"""Fixtures: a real sandbox server on 127.0.0.1, an HTTP client and an aiogram Bot pointed at it."""

from __future__ import annotations

import base64
import struct
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiohttp import web

from sandbox import SANDBOX_KEY, SandboxState, create_sandbox_app

TOKEN = "123456:TEST-sandbox-token"
USER_ID = 1001


@dataclass
class Sandbox:
    base: str  # http://127.0.0.1:PORT
    state: SandboxState
    http: aiohttp.ClientSession

    @property
    def api(self) -> str:
        return f"{self.base}/sandbox/api"

    def method_url(self, method: str, token: str = TOKEN) -> str:
        return f"{self.base}/sandbox/bot{token}/{method}"

    async def call(self, method: str, token: str = TOKEN, **params: Any) -> tuple[int, dict]:
        async with self.http.post(self.method_url(method, token), json=params) as resp:
            return resp.status, await resp.json()

    async def control(self, verb: str, path: str, body: Any = None) -> tuple[int, Any]:
        async with self.http.request(verb, self.api + path, json=body) as resp:
            return resp.status, await resp.json()

    async def ok(self, verb: str, path: str, body: Any = None) -> Any:
        status, data = await self.control(verb, path, body)
        assert status == 200, data
        return data

    def bot(self, token: str = TOKEN, timeout: float = 10) -> Bot:
        api = TelegramAPIServer.from_base(self.base + "/sandbox")
        return Bot(token, session=AiohttpSession(api=api, timeout=timeout))


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    return runner, f"http://{host}:{port}"


MakeSandbox = Callable[..., Awaitable[Sandbox]]


@pytest.fixture
async def make_sandbox() -> AsyncIterator[MakeSandbox]:
    runners: list[web.AppRunner] = []
    sessions: list[aiohttp.ClientSession] = []

    async def make(**options: Any) -> Sandbox:
        root = web.Application()
        sub = create_sandbox_app(**options)
        root.add_subapp("/sandbox", sub)
        runner, base = await serve(root)
        runners.append(runner)
        http = aiohttp.ClientSession()
        sessions.append(http)
        return Sandbox(base, sub[SANDBOX_KEY], http)

    yield make
    for http in sessions:
        await http.close()
    for runner in runners:
        await runner.cleanup()


@pytest.fixture
async def sb(make_sandbox: MakeSandbox) -> Sandbox:
    sandbox = await make_sandbox()
    await sandbox.ok(
        "POST", "/users", {"id": USER_ID, "first_name": "Li", "phone_number": "+8613800000000"}
    )
    return sandbox


@pytest.fixture
async def bot(sb: Sandbox) -> AsyncIterator[Bot]:
    bot = sb.bot()
    yield bot
    await bot.session.close()


def png(width: int = 3, height: int = 2) -> bytes:
    """A tiny valid PNG of the given size."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
