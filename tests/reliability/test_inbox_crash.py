"""`kill -9` of a real `riderunion serve` while it handles an update: the update was kept in
the inbox before Telegram was told, so the next start handles it; and it stays to be handled
until what it changes is committed, even when the rider was answered before that.

To catch the process in the middle of handling, the test holds an exclusive lock on the
user table (as a long migration or another instance's slow transaction would): the handler
waits on it, and PostgreSQL shows that wait, so the kill lands mid-update every time."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from tests.cases.conftest import XH
from tests.chat import Chat, has_button
from tests.conftest import _pg_dsn
from tests.reliability.test_instances import members
from tests.sandbox_client import SandboxClient

RIDER = 770001
ROOT = Path(__file__).resolve().parents[2]
HELP = "What I can do for you"


class Serve:
    """`riderunion serve` as its own process, polling the test's sandbox."""

    def __init__(self, db_url: str, sandbox: SandboxClient, log: Path) -> None:
        self.env = {k: v for k, v in os.environ.items() if k not in ("BOT_TOKEN", "REDIS_URL")} | {
            "DATABASE_URL": db_url,
            "TELEGRAM_API_BASE": f"{sandbox.base}/sandbox",
            "SANDBOX": "0",
            "HTTP_PORT": "0",
        }
        self.log = log
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "app.cli",  # `riderunion`, from this checkout
                "serve",
                "--no-scheduler",
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=asyncio.subprocess.STDOUT,
            )

    async def kill(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()  # SIGKILL: nothing runs on the way out
            await self.proc.wait()


@pytest.fixture
async def serve(pg_url: str, sandbox: SandboxClient, tmp_path: Path) -> AsyncIterator[Serve]:
    process = Serve(pg_url, sandbox, tmp_path / "serve.log")
    yield process
    await process.kill()


async def helps_after(sandbox: SandboxClient, after: int, tries: int = 120) -> list[str]:
    """The bot's /help answers after message `after`, once there is one (a minute at most)."""
    for _ in range(tries):
        found = [
            m["text"]
            for m in await sandbox.messages(RIDER, after=after, wait=0.5)
            if m["text"].startswith(HELP)
        ]
        if found:
            return found
        await asyncio.sleep(0.25)
    return []


async def test_an_update_being_handled_when_the_process_is_killed_is_handled_after_restart(
    serve: Serve, sandbox: SandboxClient, pg_url: str
) -> None:
    await sandbox.user(RIDER, "Wang", language="en")
    await serve.start()
    warm_up = await sandbox.send(RIDER, "/help")
    assert await helps_after(sandbox, warm_up), "the desk did not come up"

    lock = await asyncpg.connect(_pg_dsn(pg_url), timeout=10)
    try:
        await lock.execute('BEGIN; LOCK TABLE "user" IN ACCESS EXCLUSIVE MODE')
        sent = await sandbox.send(RIDER, "/help")
        for _ in range(200):  # the handler is waiting for the user table: mid-update
            waiting = await lock.fetchval(
                "select count(*) from pg_stat_activity"
                " where datname = current_database() and wait_event_type = 'Lock'"
            )
            if waiting:
                break
            await asyncio.sleep(0.1)
        assert waiting, "the update never reached its handler"
        await serve.kill()
    finally:
        await lock.close()  # the lock goes with the connection

    await serve.start()
    answers = await helps_after(sandbox, sent)
    assert len(answers) == 1, "the update being handled at the kill was lost"


async def _waiting_on_a_lock(lock: asyncpg.Connection) -> bool:
    for _ in range(200):
        waiting = await lock.fetchval(
            "select count(*) from pg_stat_activity"
            " where datname = current_database() and wait_event_type = 'Lock'"
        )
        if waiting:
            return True
        await asyncio.sleep(0.1)
    return False


async def test_a_kill_after_an_answer_but_before_the_step_is_saved_loses_no_step(
    serve: Serve, sandbox: SandboxClient, pg_url: str
) -> None:
    """The report form acknowledges a location ("noted", the location keyboard taken away)
    before it saves the next step. Nothing is written before that acknowledgement, so nothing
    is committed with it, and the update is not marked done yet: killed there, the desk
    handles the location again after the restart and the form goes on to the photos."""
    await members(pg_url, RIDER)
    await sandbox.user(RIDER, "Wang", language="en")
    await serve.start()
    rider = Chat(sandbox, RIDER)
    menu = await rider.wait_for(has_button("rp:cat:access"), after=await rider.send("/report"))
    await rider.press_for(menu, "rp:cat:access", lambda m: "Describe" in m["text"])
    await rider.wait_for(lambda m: "Where?" in m["text"], after=await rider.send("Gate 3"))

    lock = await asyncpg.connect(_pg_dsn(pg_url), timeout=10)
    try:
        # Reads of the conversation go on; its next write waits: between answer and save.
        await lock.execute("BEGIN; LOCK TABLE chat_state IN EXCLUSIVE MODE")
        sent = await rider.send(location={"latitude": XH[0], "longitude": XH[1]})
        await rider.wait_for(after=sent)  # the acknowledgement
        assert await _waiting_on_a_lock(lock), "the form did not get to saving its step"
        await serve.kill()
    finally:
        await lock.close()

    await serve.start()
    photos = await rider.wait_for(has_button("rp:done"), after=sent, seconds=60)
    assert "Any photos?" in photos["text"]
