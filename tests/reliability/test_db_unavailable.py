"""The database hangs (SIGSTOP) or refuses (stopped): /healthz and the API say 503 at once, with
Retry-After, instead of hanging or answering 500; once it is back, everything answers again
without a restart."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from models.db import database_unavailable, make_engine
from tests.api.conftest import ApiClient
from tests.api.people import member
from tests.conftest import DeskFactory
from tests.pgcluster import ThrowawayPG

# Not a performance figure: only a bound that proves an answer came instead of a hang
# (before the fix, a frozen database held requests for 40 s and more). The worst honest
# answer is a wait for a pooled connection (3 s, the bot's inbox may hold the others on the
# frozen server), a ping (1 s) and a connection attempt (5 s): 9 s; a loaded machine adds to
# it (a quiet one answered in 5.0-6.0 s).
CLIENT_TIMEOUT = aiohttp.ClientTimeout(total=20)
# /healthz stops waiting for the database after 1.5 s whatever holds the pool.
HEALTH_TIMEOUT = aiohttp.ClientTimeout(total=5)


@pytest.fixture
def db_url(throwaway_pg: ThrowawayPG) -> str:
    """The desk of these tests runs on a cluster the test may take down."""
    return throwaway_pg.url


@pytest.fixture
async def api(desks: DeskFactory) -> AsyncIterator[tuple[Any, ApiClient]]:
    runtime = await desks.start()
    async with aiohttp.ClientSession() as http:
        yield runtime, ApiClient(runtime.url, http)


async def _get(http: aiohttp.ClientSession, url: str, token: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    bound = HEALTH_TIMEOUT if url.endswith("/healthz") else CLIENT_TIMEOUT
    async with http.get(url, headers=headers, timeout=bound) as r:
        return (
            r.status,
            r.headers.get("Content-Type", ""),
            dict(r.headers),
            await r.json(content_type=None),
        )


async def _check_unavailable(base: str, token: str) -> None:
    async with aiohttp.ClientSession() as http:
        status, _, _, body = await _get(http, f"{base}/healthz")
        assert status == 503 and body["database"]["ok"] is False, body
        for path in ("/api/v1/me", "/api/v1/cases"):
            status, ctype, headers, body = await _get(http, f"{base}{path}", token)
            assert status == 503, (path, status, body)
            assert ctype.startswith("application/problem+json")
            assert body["code"] == "database_unavailable"
            assert int(headers["Retry-After"]) > 0


async def _check_back(base: str, token: str) -> None:
    """Answers again without a restart: the pool drops the dead connections by itself."""
    async with aiohttp.ClientSession() as http:
        status, _, _, body = await _get(http, f"{base}/healthz")
        assert status == 200 and body["database"]["ok"] is True, body
        for path in ("/api/v1/me", "/api/v1/cases"):
            status, _, _, body = await _get(http, f"{base}{path}", token)
            assert status == 200, (path, body)


async def _scenario(
    api: tuple[Any, ApiClient],
    sandbox: Any,
    down: Callable[[], Awaitable[None]],
    up: Callable[[], Awaitable[None]],
) -> None:
    runtime, client = api
    spec = (await client.call("GET", "/openapi.json"))[1]
    for path in ("/me", "/cases"):  # the contract says so
        assert "503" in spec["paths"][f"/api/v1{path}"]["get"]["responses"]
    token = await member(runtime, client, sandbox, telegram_id=760001, username="dora")
    await _check_back(runtime.url, token)  # the pool holds live connections now
    await down()
    try:
        for _ in range(2):  # the second round meets the pool the first round left behind
            await _check_unavailable(runtime.url, token)
    finally:
        await up()
    await _check_back(runtime.url, token)


async def test_frozen_database_answers_503_and_recovers(
    throwaway_pg: ThrowawayPG, api: tuple[Any, ApiClient], sandbox: Any
) -> None:
    await _scenario(api, sandbox, throwaway_pg.freeze, throwaway_pg.thaw)


async def test_stopped_database_answers_503_and_recovers(
    throwaway_pg: ThrowawayPG, api: tuple[Any, ApiClient], sandbox: Any
) -> None:
    await _scenario(api, sandbox, throwaway_pg.stop, throwaway_pg.start)


async def test_only_an_unreachable_database_counts_as_unavailable(
    throwaway_pg: ThrowawayPG, tmp_path: Any
) -> None:
    """A full disk or a broken query is our fault, not a database to wait for: a 500."""
    engine = make_engine(throwaway_pg.url)
    try:
        async with engine.connect() as conn:
            with pytest.raises(DBAPIError) as bad_query:
                await conn.execute(text("SELECT * FROM no_such_table"))
        await throwaway_pg.stop()
        with pytest.raises(Exception) as refused:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
    finally:
        await engine.dispose()
    with pytest.raises(OSError) as missing:
        (tmp_path / "none" / "photo.jpg").read_bytes()
    assert database_unavailable(refused.value)
    assert not database_unavailable(bad_query.value)
    assert not database_unavailable(missing.value)
