"""Chat under load: N riders go through the whole report flow at once (issue 18).

Each simulated rider sends /report, picks a category, describes the problem, sends a
location, says no photos, not anonymous, and submits: 7 updates, each waited for before the
next, as a person would (less the thinking). Measured: updates per second over the run and
the time from a rider's message (or button press) to the bot's first answer, p50 and p99.
The baseline, in the same run through the same sandbox: a bare aiogram echo bot
(bench/echo_bot.py), whose N users each send 7 messages and wait for each echo. Ratio =
desk updates/s / echo updates/s (issue 18's target: at least 0.5).

The bot under test runs in a subprocess (`riderunion serve --no-scheduler`, polling; the
outbox sender off, so the notices to representatives wait in the outbox); the sandbox and
the riders share this process. The sandbox's flood limits are raised for both bots: this
measures the desk, not flood control. Databases: a temporary SQLite file and a throwaway
PostgreSQL database (127.0.0.1:5432, --pg-url for another server).

    .venv/bin/python bench/chat_load.py                    # 100 riders, SQLite and PostgreSQL
    .venv/bin/python bench/chat_load.py --users 20 --db sqlite
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import insert, select

from bench._bots import DEFAULT_PG, NO_LIMITS, Arrivals, bot_process, buttons, database
from bench._bots import sandbox_server as sandbox_server_
from models import User, Zone
from models.db import make_engine, make_sessionmaker, unit_of_work
from models.membership import Membership, MembershipStatus
from sandbox.state import SandboxState, StoredMessage
from services.demo import load_demo_data

FIRST_RIDER = 7_000_000
XH = {"latitude": 30.2800, "longitude": 120.1300}  # inside the demo zone XH
UPDATES_PER_RIDER = 7


@dataclass
class Run:
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    updates: int = 0
    failed: int = 0

    @property
    def rate(self) -> float:
        return self.updates / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


Step = Callable[[], Awaitable[tuple[float, int]]]  # -> (sent at, user message id)


class Rider:
    """One simulated rider: acts, then waits for the bot's answer that the next act needs."""

    def __init__(self, state: SandboxState, arrivals: Arrivals, chat_id: int, run: Run) -> None:
        self.state, self.arrivals, self.chat, self.run = state, arrivals, chat_id, run

    async def _wait(self, sent_at: float, after: int, match: Callable[[StoredMessage], bool]):  # type: ignore[no-untyped-def]
        first, _ = await self.arrivals.first_after(self.chat, after, lambda m: True)
        self.run.latencies.append(first - sent_at)
        self.run.updates += 1
        return (await self.arrivals.first_after(self.chat, after, match))[1]

    def _last_id(self) -> int:
        return self.state.chats[self.chat].next_message_id - 1

    async def send(self, content: dict, match=lambda m: True) -> StoredMessage:  # type: ignore[no-untyped-def]
        sent_at = time.perf_counter()
        _, message_id = self.state.user_send(self.chat, content)
        return await self._wait(sent_at, message_id, match)

    async def press(self, msg: StoredMessage, prefix: str, match=lambda m: True) -> StoredMessage:  # type: ignore[no-untyped-def]
        data = next(d for d in buttons(msg) if d.startswith(prefix))
        after = self._last_id()
        sent_at = time.perf_counter()
        self.state.press(self.chat, msg.message_id, data)
        return await self._wait(sent_at, after, match)


def has(prefix: str) -> Callable[[StoredMessage], bool]:
    return lambda m: any(d.startswith(prefix) for d in buttons(m))


async def report_flow(rider: Rider) -> None:
    menu = await rider.send({"text": "/report"}, has("rp:cat:access"))
    await rider.press(menu, "rp:cat:access")
    await rider.send({"text": "Gate 3 blocks e-bikes at night"})
    photos = await rider.send({"location": XH}, has("rp:done"))
    anon = await rider.press(photos, "rp:done", has("rp:anon:0"))
    confirm = await rider.press(anon, "rp:anon:0", has("rp:submit"))
    await rider.press(confirm, "rp:submit")


async def echo_flow(rider: Rider) -> None:
    for i in range(UPDATES_PER_RIDER):
        await rider.send({"text": f"message {i}"})


async def drive(
    state: SandboxState,
    arrivals: Arrivals,
    riders: list[int],
    flow: Callable[[Rider], Awaitable[None]],
) -> Run:
    run = Run()

    async def one(chat: int) -> None:
        try:
            await flow(Rider(state, arrivals, chat, run))
        except (TimeoutError, StopIteration, KeyError):
            run.failed += 1

    start = time.perf_counter()
    await asyncio.gather(*(one(chat) for chat in riders))
    run.seconds = time.perf_counter() - start
    return run


async def members(url: str, riders: list[int]) -> None:
    """Demo zones and staff, and the riders as active XH members (in bulk: not measured)."""
    engine = make_engine(url)
    try:
        async with unit_of_work(make_sessionmaker(engine)) as s:
            await load_demo_data(s)
            zone_id = (await s.execute(select(Zone.id).where(Zone.code == "XH"))).scalar_one()
            await s.execute(
                insert(User),
                [
                    {"telegram_id": tg, "display_name": f"Rider {tg}", "language": "en"}
                    for tg in riders
                ],
            )
            ids = (await s.execute(select(User.id).where(User.telegram_id.in_(riders)))).scalars()
            await s.execute(
                insert(Membership),
                [
                    {
                        "user_id": uid,
                        "zone_id": zone_id,
                        "status": MembershipStatus.active,
                        "member_number": f"XH-B{uid}",
                    }
                    for uid in ids
                ],
            )
    finally:
        await engine.dispose()


async def side(kind: str, db: str, users: int, pg_url: str, profile: str | None = None) -> Run:
    riders = list(range(FIRST_RIDER, FIRST_RIDER + users))
    warm = [FIRST_RIDER - 1]  # one rider through the flow first: imports, connections, caches
    async with sandbox_server_(**NO_LIMITS) as (base, state, arrivals):
        for tg in warm + riders:
            state.create_user(id=tg, first_name=f"Rider{tg}", language_code="en")
        if kind == "echo":
            argv = [sys.executable, "-m", "bench.echo_bot", base]
            async with bot_process(argv, {}, state):
                await drive(state, arrivals, warm, echo_flow)
                return await drive(state, arrivals, riders, echo_flow)
        async with database(db, pg_url) as url:
            await members(url, warm + riders)
            argv = [
                sys.executable,
                "-c",
                "from app.cli import main; main()",
                "serve",
                "--no-scheduler",
            ]
            env = {
                "DATABASE_URL": url,
                "TELEGRAM_API_BASE": base,
                "SANDBOX": "false",
                "HTTP_PORT": "0",
                "BOT_MODE": "polling",
            }
            async with bot_process(argv, env, state) as proc:
                await drive(state, arrivals, warm, report_flow)
                spy = _spy(proc.pid, f"{profile}.{db}.txt") if profile else None
                try:
                    return await drive(state, arrivals, riders, report_flow)
                finally:
                    if spy is not None:  # Ctrl-C is what makes py-spy write its samples
                        spy.send_signal(signal.SIGINT)
                        await asyncio.to_thread(spy.wait, 30)


def _spy(pid: int, out: str) -> subprocess.Popen[bytes]:
    """py-spy (pip install py-spy) sampling the desk under the load, as collapsed stacks.
    Attached by pid: it needs ptrace rights (root, or ptrace_scope 0). Its figures suffer."""
    spy = Path(sys.executable).with_name("py-spy")
    argv = [str(spy), "record", "--pid", str(pid), "-r", "100", "-f", "raw", "-o", out]
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _line(name: str, run: Run) -> str:
    return (
        f"{name:<22} {run.rate:>9.1f} {run.pct(0.5):>8.1f} {run.pct(0.99):>8.1f}"
        f" {run.updates:>8} {run.failed:>7}"
    )


async def main(
    *, users: int = 100, db: str = "both", pg_url: str = DEFAULT_PG, profile: str | None = None
) -> None:
    dbs = ["sqlite", "postgres"] if db == "both" else [db]
    print(
        f"chat: {users} riders at once, {UPDATES_PER_RIDER} updates each; desk report flow vs"
        " bare aiogram echo bot (ratio: desk updates/s / echo updates/s, target >= 0.5)"
    )
    print(f"{'bot':<22} {'updates/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'answers':>8} {'failed':>7}")
    echo = await side("echo", "none", users, pg_url)
    print(_line("echo (baseline)", echo), flush=True)
    for name in dbs:
        desk = await side("desk", name, users, pg_url, profile)
        print(_line(f"desk on {name}", desk), flush=True)
        print(
            f"  ratio desk/echo on {name}: {desk.rate / echo.rate:.2f}"
            f" (p50 {desk.pct(0.5) / echo.pct(0.5):.1f}x the echo's)"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--pg-url", default=DEFAULT_PG)
    parser.add_argument("--profile", metavar="PATH", help="py-spy the desk into PATH.<db>.txt")
    args = parser.parse_args()
    asyncio.run(main(users=args.users, db=args.db, pg_url=args.pg_url, profile=args.profile))
