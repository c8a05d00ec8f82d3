"""Shared by the chat and outbox benchmarks: a sandbox Bot API server in this process, a bot
(the desk, or a bare one) in a subprocess of its own, and throwaway databases.

The bot runs in its own process so that what is measured is the bot, not the load: the
sandbox and the simulated users share this process and the other core."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import asyncpg
from aiohttp import web
from sqlalchemy.engine import make_url

from sandbox import create_sandbox_app
from sandbox.state import SANDBOX_KEY, SandboxState, StoredMessage

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
# Far above Telegram's: the chat bench measures the desk, not flood control.
NO_LIMITS = {"per_chat_rate": 1e6, "per_chat_burst": 10**6, "global_rate": 1e6,
             "global_burst": 10**6}  # fmt: skip


@dataclass
class Arrivals:
    """Every bot message as the sandbox stores it, with the moment it arrived, per chat."""

    at: dict[int, list[tuple[float, StoredMessage]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    changed: dict[int, asyncio.Event] = field(default_factory=lambda: defaultdict(asyncio.Event))

    def seen(self, msg: StoredMessage) -> None:
        self.at[msg.chat_id].append((time.perf_counter(), msg))
        self.changed[msg.chat_id].set()

    async def first_after(
        self, chat_id: int, after: int, match: Callable[[StoredMessage], bool], within: float = 30
    ) -> tuple[float, StoredMessage]:
        """The first bot message after message `after` in the chat that `match`es."""
        deadline = time.perf_counter() + within
        while True:
            for stamp, msg in self.at[chat_id]:
                if msg.message_id > after and match(msg):
                    return stamp, msg
            event = self.changed[chat_id]
            event.clear()
            left = deadline - time.perf_counter()
            if left <= 0:
                raise TimeoutError(f"no answer in chat {chat_id} after message {after}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), left)


@contextlib.asynccontextmanager
async def sandbox_server(**limits: float) -> AsyncIterator[tuple[str, SandboxState, Arrivals]]:
    """A sandbox on a free port: its Bot API base URL, its state and the arrivals."""
    root = web.Application()
    sub = create_sandbox_app(**limits)  # type: ignore[arg-type]
    root.add_subapp("/sandbox", sub)
    state: SandboxState = sub[SANDBOX_KEY]
    arrivals = Arrivals()
    add_message = state.add_message

    def recorded(*args: Any, **kw: Any) -> StoredMessage:
        msg = add_message(*args, **kw)
        if msg.from_bot:
            arrivals.seen(msg)
        return msg

    state.add_message = recorded  # type: ignore[method-assign]
    runner = web.AppRunner(root, access_log=None, handler_cancellation=True)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}/sandbox", state, arrivals
    finally:
        await runner.cleanup()


@contextlib.asynccontextmanager
async def webhook_instances(
    n: int, argv: list[str], env: dict[str, str], state: SandboxState
) -> AsyncIterator[list[subprocess.Popen[bytes]]]:
    """`n` desk instances in webhook mode, each on a port of its own, behind the sandbox
    playing the reverse proxy (webhook updates round-robin to them): how a union that
    outgrows one process runs the desk (docs/deploy.md)."""
    ports = [free_port() for _ in range(n)]
    state.webhook_upstreams = [f"http://127.0.0.1:{p}/telegram/webhook" for p in ports]
    hook = {
        "BOT_MODE": "webhook",
        "WEBHOOK_URL": "https://desk.invalid/telegram/webhook",
        "WEBHOOK_SECRET": "bench-secret",
    }
    async with contextlib.AsyncExitStack() as stack:
        procs = [
            await stack.enter_async_context(
                bot_process(
                    argv,
                    env | hook | {"HTTP_PORT": str(port)},
                    state,
                    ready="setWebhook",
                    ready_count=i + 1,
                )
            )
            for i, port in enumerate(ports)
        ]
        yield procs


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def buttons(msg: StoredMessage) -> list[str]:
    rows = (msg.reply_markup or {}).get("inline_keyboard", [])
    return [b["callback_data"] for row in rows for b in row if "callback_data" in b]


@contextlib.asynccontextmanager
async def bot_process(
    argv: list[str],
    env: dict[str, str],
    state: SandboxState,
    *,
    ready: str = "getUpdates",
    ready_count: int = 1,
) -> AsyncIterator[subprocess.Popen[bytes]]:
    """A bot in a subprocess; ready once the sandbox has seen `ready_count` calls of its
    `ready` method (polls, by default). Stopped with SIGTERM."""
    with tempfile.TemporaryDirectory() as tmp:  # no stray .env is read from the repository
        proc, log = _spawn(argv, env, Path(tmp))
        try:
            for _ in range(600):
                if sum(c["method"] == ready for c in state.calls) >= ready_count:
                    break
                if proc.poll() is not None:
                    break
                await asyncio.sleep(0.05)
            else:
                raise RuntimeError("the bot did not start polling within 30 s")
            if proc.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"the bot exited:\n{log.read()[-3000:]}")
            yield proc
        finally:
            proc.terminate()
            try:
                await asyncio.to_thread(proc.wait, 20)
            except subprocess.TimeoutExpired:
                proc.kill()
            log.close()


def _spawn(
    argv: list[str], env: dict[str, str], cwd: Path
) -> tuple[subprocess.Popen[bytes], IO[str]]:
    log = (cwd / "bot.log").open("w+")
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "DATABASE"))}
    return subprocess.Popen(argv, env=inherited | env, cwd=cwd, stdout=log, stderr=log), log


def desk_argv(profile: str | None = None) -> list[str]:
    """`riderunion serve --no-scheduler`; under cProfile (written when it is stopped) if asked."""
    run = "from app.cli import main; main()"
    if profile:
        run = f"import cProfile; cProfile.run({run!r}, {profile!r})"
    return [sys.executable, "-c", run, "serve", "--no-scheduler"]


def cpu_seconds(pid: int) -> float:
    """User and system CPU of a process, all its threads (/proc/PID/stat, fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_cpu_seconds() -> float:
    """CPU of every PostgreSQL server process on this machine (its backends do the queries
    a bot's own CPU figure leaves out); 0 where none can be read."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # gone meanwhile
        if "(postgres)" in text:
            fields = text.rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def rss_kib(pid: int) -> int:
    """Resident memory of a process (VmRSS, Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


# --- throwaway databases ---------------------------------------------------------------------


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _admin(url: str, sql: str) -> None:
    conn = await asyncpg.connect(_dsn(url), timeout=10)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@contextlib.asynccontextmanager
async def database(kind: str, pg_url: str = DEFAULT_PG) -> AsyncIterator[str]:
    """A migrated, empty database: a temporary SQLite file, or a throwaway PostgreSQL one."""
    from models.db import upgrade

    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
            await upgrade(url)
            yield url
        return
    name = f"bench_{os.getpid()}_{int(time.time() * 1000) % 10**8}"
    await _admin(pg_url, f"CREATE DATABASE {name}")
    try:
        url = make_url(pg_url).set(database=name).render_as_string(hide_password=False)
        await upgrade(url)
        yield url
    finally:
        await _admin(pg_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def python() -> str:
    return sys.executable
