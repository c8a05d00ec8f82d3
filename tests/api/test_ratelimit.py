"""The API's request limits across instances: with Redis, every web instance of a desk counts
together; without it, each counts alone; a store that fails does not take the API down."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack

import aiohttp
import pytest
from aiohttp import web

from api.ratelimit import RateLimits
from tests.conftest import REDIS_URL, require_redis


async def ok(_: web.Request) -> web.Response:
    return web.json_response({"ok": True})


@pytest.fixture
async def instances() -> AsyncIterator[Callable[..., Awaitable[str]]]:
    """Starts web instances that each hold their own RateLimits, as `serve` processes do."""
    async with AsyncExitStack() as stack:

        async def start(**kw: str) -> str:
            limits = RateLimits(per_ip="3/minute", per_token="99/minute", sign_in="9/minute", **kw)
            app = web.Application(middlewares=[limits.middleware])
            app.router.add_get("/api/v1/ping", ok)
            runner = web.AppRunner(app)
            await runner.setup()
            stack.push_async_callback(runner.cleanup)
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            return f"http://127.0.0.1:{port}/api/v1/ping"

        yield start


async def statuses(urls: list[str]) -> list[tuple[int, str | None]]:
    async with aiohttp.ClientSession() as http:
        out = []
        for url in urls:
            async with http.get(url) as resp:
                out.append((resp.status, resp.headers.get("Retry-After")))
        return out


async def test_instances_sharing_redis_count_together(instances) -> None:
    await require_redis()
    shared = {"redis_url": REDIS_URL, "namespace": f"test-{uuid.uuid4().hex}"}
    a, b = await instances(**shared), await instances(**shared)
    got = await statuses([a, b, a, b])
    assert [s for s, _ in got] == [200, 200, 200, 429]
    assert int(got[-1][1]) >= 1  # type: ignore[arg-type]


async def test_without_redis_each_instance_counts_alone(instances) -> None:
    a, b = await instances(), await instances()
    assert [s for s, _ in await statuses([a, a, a, b, a])] == [200, 200, 200, 200, 429]


async def test_a_store_that_fails_lets_requests_through(instances) -> None:
    down = await instances(redis_url="redis://127.0.0.1:1/0", namespace="down")
    assert [s for s, _ in await statuses([down] * 5)] == [200] * 5
