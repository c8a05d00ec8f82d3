"""The sandbox as the reverse proxy in front of several instances: webhook updates go
round-robin to the upstreams, in order, one at a time, a retry to the next one."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiohttp import web

from .conftest import USER_ID, Sandbox, serve

PUBLIC = "https://desk.invalid/telegram/webhook"  # never resolves: only the upstreams are hit


class Instance:
    """A stand-in web instance that records what reaches it."""

    def __init__(self, name: str, log: list[tuple[str, str]], fail: int = 0) -> None:
        self.name, self.log, self.fail = name, log, fail
        self.app = web.Application()
        self.app.router.add_post("/telegram/webhook", self.hook)
        self.url = ""

    async def hook(self, request: web.Request) -> web.Response:
        update = await request.json()
        if self.fail:
            self.fail -= 1
            return web.Response(status=503)
        assert request.headers["X-Telegram-Bot-Api-Secret-Token"] == "s3cret"
        self.log.append((self.name, update["message"]["text"]))
        return web.json_response({})


@pytest.fixture
async def runners() -> AsyncIterator[list[web.AppRunner]]:
    started: list[web.AppRunner] = []
    yield started
    for runner in started:
        await runner.cleanup()


async def start(instance: Instance, runners: list[web.AppRunner]) -> Instance:
    runner, base = await serve(instance.app)
    runners.append(runner)
    instance.url = f"{base}/telegram/webhook"
    return instance


async def texts_arrive(log: list, count: int) -> None:
    for _ in range(200):
        if len(log) >= count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{len(log)} of {count} updates arrived: {log}")


async def deliveries(sb: Sandbox, count: int) -> list[dict]:
    """The webhook POSTs made, once `count` are recorded (each after its answer)."""
    for _ in range(200):
        made = (await sb.ok("GET", "/webhook/deliveries"))["deliveries"]
        if len(made) >= count:
            return made
        await asyncio.sleep(0.05)
    raise AssertionError(f"only {len(made)} deliveries: {made}")


async def send(sb: Sandbox, *texts: str) -> None:
    for text in texts:
        await sb.ok("POST", f"/chats/{USER_ID}/send", {"text": text})


async def test_updates_go_round_robin_in_order(
    sb: Sandbox, bot: Bot, runners: list[web.AppRunner]
) -> None:
    log: list[tuple[str, str]] = []
    a = await start(Instance("a", log), runners)
    b = await start(Instance("b", log), runners)
    assert await sb.ok("PUT", "/webhook/upstreams", {"urls": [a.url, b.url]}) == {
        "urls": [a.url, b.url]
    }
    assert await bot.set_webhook(PUBLIC, secret_token="s3cret")
    await send(sb, "1", "2", "3", "4", "5")
    await texts_arrive(log, 5)
    assert log == [("a", "1"), ("b", "2"), ("a", "3"), ("b", "4"), ("a", "5")]
    info = await bot.get_webhook_info()  # Telegram knows only the public URL
    assert info.url == PUBLIC and info.pending_update_count == 0
    made = await deliveries(sb, 5)
    assert [(d["url"], d["status"]) for d in made] == [
        (a.url, 200),
        (b.url, 200),
        (a.url, 200),
        (b.url, 200),
        (a.url, 200),
    ]


async def test_an_upstream_that_fails_passes_the_update_to_the_next(
    sb: Sandbox, bot: Bot, runners: list[web.AppRunner]
) -> None:
    log: list[tuple[str, str]] = []
    a = await start(Instance("a", log), runners)
    b = await start(Instance("b", log, fail=1), runners)
    with socket.socket() as s:  # a port nobody listens on: an instance that is down
        s.bind(("127.0.0.1", 0))
        down = f"http://127.0.0.1:{s.getsockname()[1]}/telegram/webhook"
    await sb.ok("PUT", "/webhook/upstreams", {"urls": [a.url, down, b.url]})
    assert await bot.set_webhook(PUBLIC, secret_token="s3cret")
    await send(sb, "1", "2", "3")
    await texts_arrive(log, 3)
    # "2" meets the instance that is down, then b's 503, and is taken by a: nothing lost,
    # nothing overtaken.
    assert log == [("a", "1"), ("a", "2"), ("b", "3")]
    made = await deliveries(sb, 6)
    assert [(d["update_id"] - made[0]["update_id"], d["url"], d["status"]) for d in made] == [
        (0, a.url, 200),
        (1, down, None),
        (1, b.url, 503),
        (1, a.url, 200),
        (2, down, None),
        (2, b.url, 200),
    ]
    assert made[1]["error"].startswith("Connection failed")


async def test_no_upstreams_is_the_setwebhook_url_and_bad_lists_are_explained(
    sb: Sandbox, bot: Bot, runners: list[web.AppRunner]
) -> None:
    log: list[tuple[str, str]] = []
    a = await start(Instance("a", log), runners)
    status, body = await sb.control("PUT", "/webhook/upstreams", {"urls": ["desk:8080"]})
    assert status == 400 and '{"urls": ["http://host:port/path"' in body["error"]
    status, body = await sb.control("PUT", "/webhook/upstreams", {"urls": "http://a/b"})
    assert status == 400
    await sb.ok("PUT", "/webhook/upstreams", {"urls": [PUBLIC]})
    assert await sb.ok("PUT", "/webhook/upstreams", {"urls": []}) == {"urls": []}
    assert await bot.set_webhook(a.url, secret_token="s3cret")
    await send(sb, "1", "2")
    await texts_arrive(log, 2)
    assert log == [("a", "1"), ("a", "2")]
    await sb.ok("PUT", "/webhook/upstreams", {"urls": [a.url]})
    await sb.ok("POST", "/reset")
    assert await sb.ok("GET", "/webhook/upstreams") == {"urls": []}
    assert await sb.ok("GET", "/webhook/deliveries") == {"deliveries": []}
