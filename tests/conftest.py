"""Shared fixtures: databases on SQLite and PostgreSQL, the sandbox, and the running desk.

Tests that take `db_url` run twice, once per database. A PostgreSQL (or Redis) test that
cannot reach its server is skipped on a laptop and fails under CI=true.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
import redis.asyncio as redis
from aiohttp import web
from sqlalchemy.engine import make_url

from app.runtime import Runtime
from app.settings import Settings, load_settings
from models.db import upgrade
from tests.sandbox_client import SandboxClient

pytest_plugins = ["tests.web.browser", "tests.pgcluster"]

PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def unavailable(reason: str) -> None:
    """Skip locally; under CI a test that needs a service must run, so it fails instead."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: services must be up)")
    pytest.skip(reason)


async def require_redis() -> None:
    """Redis at REDIS_URL answers, or the test is skipped (failed under CI=true)."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except (redis.ConnectionError, OSError) as exc:
        unavailable(f"Redis at {REDIS_URL} is not reachable: {exc}")
    finally:
        await client.aclose()


def _pg_dsn(url: str, database: str | None = None) -> str:
    u = make_url(url)
    if database:
        u = u.set(database=database)
    return u.set(drivername="postgresql").render_as_string(hide_password=False)


async def _pg_admin(sql: str) -> None:
    conn = await asyncpg.connect(_pg_dsn(PG_URL), timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A database migrated to head once; every test gets a copy of it (fast)."""
    name = f"ru_tpl_{os.getpid()}"
    try:
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}"'))
        asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        unavailable(f"PostgreSQL at {PG_URL} is not reachable: {exc}")
    asyncio.run(upgrade(make_url(PG_URL).set(database=name).render_as_string(False)))
    yield name
    asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tpl") / "template.db"
    asyncio.run(upgrade(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "desk.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture
def pg_url(request: pytest.FixtureRequest) -> Iterator[str]:
    template = request.getfixturevalue("pg_template")
    name = f"ru_t_{uuid.uuid4().hex[:12]}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    yield make_url(PG_URL).set(database=name).render_as_string(False)
    asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest) -> str:
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")


# Faster than a person taps: what tests marked `fast_taps` get (the marker's keywords add to or
# override it, e.g. @pytest.mark.fast_taps(global_rate=1000, global_burst=1000)); the marker is
# registered in pyproject.toml.
FAST_TAPS = {"per_chat_rate": 50, "per_chat_burst": 50}


@pytest.fixture
def sandbox_limits(request: pytest.FixtureRequest) -> dict[str, float]:
    """Telegram-like limits per chat, unless the test is marked `fast_taps`: flow tests tap
    faster than a person, and they test the flows, not flood control (tests/sandbox and the
    outbox tests cover that)."""
    marker = request.node.get_closest_marker("fast_taps")
    if marker is None:
        return {}
    return {**FAST_TAPS, **marker.kwargs}


@pytest.fixture
async def sandbox(sandbox_limits: dict[str, float]) -> AsyncIterator[SandboxClient]:
    """A sandbox Bot API server of its own, so the desk can be stopped and started again."""
    from sandbox import create_sandbox_app

    root = web.Application()
    root.add_subapp("/sandbox", create_sandbox_app(**sandbox_limits))  # type: ignore[arg-type]
    runner = web.AppRunner(root, access_log=None, handler_cancellation=True)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    client = SandboxClient(f"http://127.0.0.1:{port}")
    yield client
    await client.close()
    await runner.cleanup()


def desk_settings(db_url: str, sandbox_client: SandboxClient, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": db_url,
        "http_port": 0,
        "telegram_api_base": f"{sandbox_client.base}/sandbox",
        "sandbox": False,
        "bot_token": None,
        "redis_url": None,
        "_env_file": None,
    }
    values.update(overrides)
    return load_settings(**values)


class DeskFactory:
    """Starts the desk (web + bot, scheduler off unless asked) and stops what it started."""

    def __init__(self, db_url: str, sandbox: SandboxClient) -> None:
        self.db_url, self.sandbox = db_url, sandbox
        self.running: list[Runtime] = []

    async def start(self, *, scheduler: bool = False, **overrides: object) -> Runtime:
        runtime = Runtime(
            desk_settings(self.db_url, self.sandbox, **overrides), scheduler=scheduler
        )
        await runtime.start()
        self.running.append(runtime)
        return runtime

    async def stop(self, runtime: Runtime) -> None:
        await runtime.stop()
        self.running.remove(runtime)


@pytest.fixture
async def desks(db_url: str, sandbox: SandboxClient) -> AsyncIterator[DeskFactory]:
    factory = DeskFactory(db_url, sandbox)
    yield factory
    for runtime in list(factory.running):
        await factory.stop(runtime)


@pytest.fixture
async def desk(desks: DeskFactory) -> Runtime:
    return await desks.start()
