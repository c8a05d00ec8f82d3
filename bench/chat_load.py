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
    .venv/bin/python bench/chat_load.py --db postgres --instances 2   # two webhook instances

Besides the rates it prints CPU per answered update: of the bot's process(es), of this
process (the sandbox and the riders) and of PostgreSQL's server processes. On a shared
machine requests per second move with the other work; CPU per update barely does.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import insert, select

from bench._bots import (
    DEFAULT_PG,
    NO_LIMITS,
    Arrivals,
    bot_process,
    buttons,
    cpu_seconds,
    database,
    desk_argv,
    postgres_cpu_seconds,
    webhook_instances,
)
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
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds per process kind

    def cpu_ms(self, who: str) -> float:
        """CPU of `who` per answered update, in ms."""
        return self.cpu.get(who, 0.0) * 1000 / max(1, self.updates)

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
    bots: Sequence[int] = (),
) -> Run:
    """The riders through `flow` at once; CPU counted for the `bots` (process ids), this
    process (the sandbox and the riders) and the PostgreSQL server."""
    run = Run()
    clocks = {
        "bot": lambda: sum(cpu_seconds(pid) for pid in bots),
        "load": lambda: sum(os.times()[:2]),
        "postgres": postgres_cpu_seconds,
    }
    before = {who: clock() for who, clock in clocks.items()}

    async def one(chat: int) -> None:
        try:
            await flow(Rider(state, arrivals, chat, run))
        except (TimeoutError, StopIteration, KeyError):
            run.failed += 1

    start = time.perf_counter()
    await asyncio.gather(*(one(chat) for chat in riders))
    run.seconds = time.perf_counter() - start
    run.cpu = {who: clock() - before[who] for who, clock in clocks.items()}
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


async def side(
    kind: str,
    db: str,
    users: int,
    pg_url: str,
    profile: str | None = None,
    instances: int = 1,
) -> Run:
    riders = list(range(FIRST_RIDER, FIRST_RIDER + users))
    warm = [FIRST_RIDER - 1]  # one rider through the flow first: imports, connections, caches
    async with sandbox_server_(**NO_LIMITS) as (base, state, arrivals):
        for tg in warm + riders:
            state.create_user(id=tg, first_name=f"Rider{tg}", language_code="en")
        if kind == "echo":
            argv = [sys.executable, "-m", "bench.echo_bot", base]
            async with bot_process(argv, {}, state) as proc:
                await drive(state, arrivals, warm, echo_flow)
                return await drive(state, arrivals, riders, echo_flow, [proc.pid])
        async with database(db, pg_url) as url:
            await members(url, warm + riders)
            argv = desk_argv(profile and f"{profile}.{db}.prof")
            env = {
                "DATABASE_URL": url,
                "TELEGRAM_API_BASE": base,
                "SANDBOX": "false",
                "HTTP_PORT": "0",
                "BOT_MODE": "polling",
            }
            if instances > 1:
                async with webhook_instances(instances, argv, env, state) as procs:
                    await drive(state, arrivals, warm, report_flow)
                    pids = [proc.pid for proc in procs]
                    return await drive(state, arrivals, riders, report_flow, pids)
            async with bot_process(argv, env, state) as proc:
                await drive(state, arrivals, warm, report_flow)
                return await drive(state, arrivals, riders, report_flow, [proc.pid])


def _line(name: str, run: Run) -> str:
    return (
        f"{name:<22} {run.rate:>9.1f} {run.pct(0.5):>8.1f} {run.pct(0.99):>8.1f}"
        f" {run.updates:>8} {run.failed:>7} {run.cpu_ms('bot'):>7.2f} {run.cpu_ms('load'):>7.2f}"
        f" {run.cpu_ms('postgres'):>7.2f}"
    )


async def main(
    *,
    users: int = 100,
    db: str = "both",
    pg_url: str = DEFAULT_PG,
    profile: str | None = None,
    instances: int = 1,
) -> None:
    dbs = ["sqlite", "postgres"] if db == "both" else [db]
    if instances > 1 and "sqlite" in dbs:  # one writer at a time: not for several processes
        print(f"desk on sqlite x{instances}: not run (several instances need PostgreSQL)")
        dbs.remove("sqlite")
    print(
        f"chat: {users} riders at once, {UPDATES_PER_RIDER} updates each; desk report flow vs"
        " bare aiogram echo bot (ratio: desk updates/s / echo updates/s, target >= 0.5)"
    )
    print(
        "CPU ms per update: of the bot's process(es), of this process (sandbox and riders), of"
        " PostgreSQL's"
    )
    print(
        f"{'bot':<22} {'updates/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'answers':>8} {'failed':>7}"
        f" {'bot cpu':>7} {'load':>7} {'pg':>7}"
    )
    echo = await side("echo", "none", users, pg_url)
    print(_line("echo (baseline)", echo), flush=True)
    for name in dbs:
        desk = await side("desk", name, users, pg_url, profile, instances)
        label = f"desk on {name}" + (f" x{instances}" if instances > 1 else "")
        print(_line(label, desk), flush=True)
        print(
            f"  ratio desk/echo on {name}: {desk.rate / echo.rate:.2f}"
            f" (p50 {desk.pct(0.5) / echo.pct(0.5):.1f}x the echo's)"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--pg-url", default=DEFAULT_PG)
    parser.add_argument("--profile", metavar="PATH", help="cProfile the desk into PATH.<db>.prof")
    parser.add_argument(
        "--instances",
        type=int,
        default=1,
        help="the desk as N webhook instances behind the sandbox (round-robin) instead of one"
        " polling process",
    )
    args = parser.parse_args()
    asyncio.run(
        main(
            users=args.users,
            db=args.db,
            pg_url=args.pg_url,
            profile=args.profile,
            instances=args.instances,
        )
    )
