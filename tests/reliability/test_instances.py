"""Several instances, as a union that outgrows one process runs the desk: PostgreSQL, Redis,
`BOT_MODE=webhook`, two `riderunion serve --no-scheduler` behind a load balancer (the
sandbox's webhook upstreams, round-robin) and a `riderunion worker`, each its own process."""

from __future__ import annotations

import asyncio
import itertools
import os
import re
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis.asyncio as redis
from sqlalchemy import func, select

from models import Case, CaseEvent, Escalation, Inbox, Outbox, User, Zone
from models.core import OutboxStatus
from models.db import make_engine, make_sessionmaker
from models.inbox import InboxStatus
from models.membership import Membership, MembershipStatus
from services.demo import load_demo_data
from tests.cases.conftest import REP_XH, RIDER, XH, report
from tests.conftest import REDIS_URL, require_redis
from tests.core.test_cli import BIN, _free_port
from tests.sandbox_client import SandboxClient

# The rider taps through the form faster than a person types (as in tests/cases).
pytestmark = pytest.mark.fast_taps

PUBLIC = "https://desk.invalid/telegram/webhook"  # what Telegram knows; only the proxy is hit


class Processes:
    """`riderunion` processes sharing one environment; each logs to a file of its own."""

    def __init__(self, tmp_path: Path, env: dict[str, str]) -> None:
        self.tmp_path, self.env = tmp_path, env
        self.running: list[asyncio.subprocess.Process] = []

    async def start(self, name: str, *args: str, ready: bytes, **env: str) -> Path:
        log = self.tmp_path / f"{name}.log"
        with log.open("wb") as out:
            proc = await asyncio.create_subprocess_exec(
                str(BIN), *args, env=self.env | env, cwd=self.tmp_path, stdout=out, stderr=out
            )
        self.running.append(proc)
        for _ in range(600):
            if ready in log.read_bytes():
                return log
            if proc.returncode is not None:
                break
            await asyncio.sleep(0.1)
        raise AssertionError(f"{name} did not start: " + log.read_text(errors="replace"))

    async def stop(self) -> None:
        for proc in self.running:
            if proc.returncode is None:
                proc.terminate()
        for proc in self.running:
            await proc.wait()


@pytest.fixture
async def processes(
    tmp_path: Path, pg_url: str, sandbox: SandboxClient
) -> AsyncIterator[Processes]:
    await require_redis()
    bot_id = secrets.randbelow(10**9) + 10**9
    keep = ("PATH", "HOME", "LANG", "PYTHONPATH", "CI", "VIRTUAL_ENV")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update(
        DATABASE_URL=pg_url,
        REDIS_URL=REDIS_URL,
        BOT_MODE="webhook",
        WEBHOOK_URL=PUBLIC,
        WEBHOOK_SECRET="s3cret",
        # A bot id of its own keeps this test's FSM keys apart in the shared Redis.
        BOT_TOKEN=f"{bot_id}:instances-test",
        SANDBOX="0",
        TELEGRAM_API_BASE=f"{sandbox.base}/sandbox",
        OUTBOX_INTERVAL="0.2",
    )
    procs = Processes(tmp_path, env)
    yield procs
    await procs.stop()
    client = redis.Redis.from_url(REDIS_URL)
    try:  # the conversation this test left in the shared Redis
        keys = [k async for k in client.scan_iter(f"fsm:{bot_id}:*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


async def members(db_url: str, *telegram_ids: int) -> None:
    """Demo zones and staff, and active XH members who write in English."""
    engine = make_engine(db_url)
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            await load_demo_data(session)
            zone = (await session.execute(select(Zone).where(Zone.code == "XH"))).scalar_one()
            for n, tg in enumerate(telegram_ids):
                found = await session.execute(select(User).where(User.telegram_id == tg))
                user = found.scalar_one_or_none() or User(telegram_id=tg, display_name=f"R{n}")
                user.language = "en"
                session.add(user)
                await session.flush()
                session.add(
                    Membership(
                        user_id=user.id,
                        zone_id=zone.id,
                        status=MembershipStatus.active,
                        member_number=f"XH-{n}",
                    )
                )
    finally:
        await engine.dispose()


async def test_a_conversation_hops_between_instances_and_completes_in_order(
    processes: Processes, sandbox: SandboxClient, pg_url: str
) -> None:
    await members(pg_url, RIDER)
    await sandbox.user(RIDER, "Rider", language="en")
    await sandbox.user(REP_XH, "Li", language="zh")
    ports = [_free_port(), _free_port()]
    upstreams = [f"http://127.0.0.1:{p}/telegram/webhook" for p in ports]
    await sandbox._call("PUT", "/webhook/upstreams", json={"urls": upstreams})
    for n, port in enumerate(ports):
        await processes.start(
            f"web{n}", "serve", "--no-scheduler", ready=b"running on", HTTP_PORT=str(port)
        )
    await processes.start("worker", "worker", ready=b"Worker running", HTTP_PORT="0")

    text = "Gate 3 of Xinghe Garden blocks e-bikes after 22:00"
    done = await report(sandbox, RIDER, category="access", text=text, location=XH)
    ref = re.search(r"C-\d{4}-\d+", done["text"])
    assert ref, done["text"]

    # Each update went to the other instance than the one before it, and all were taken.
    made = (await sandbox._call("GET", "/webhook/deliveries"))["deliveries"]
    taken = [d for d in made if d["status"] == 200]
    assert len(taken) >= 7  # /report, category, text, place, photos done, anonymity, submit
    assert all(a["url"] != b["url"] for a, b in itertools.pairwise(taken))
    assert {d["url"] for d in taken} == set(upstreams)

    engine = make_engine(pg_url)
    sessions = make_sessionmaker(engine)
    try:
        async with sessions() as session:
            case = (await session.execute(select(Case).where(Case.ref == ref.group()))).scalar_one()
            rider = (
                await session.execute(select(User).where(User.telegram_id == RIDER))
            ).scalar_one()
            assert (case.category, case.summary, case.rider_id) == ("access", text, rider.id)
            assert (round(case.lat or 0, 4), round(case.lon or 0, 4)) == XH
            assert await session.scalar(select(func.count()).select_from(Case)) == 1
            inbox = (await session.execute(select(Inbox.status))).scalars().all()
            assert len(inbox) == len({d["update_id"] for d in taken})
            assert set(inbox) == {InboxStatus.done}

        # The worker sends the zone's representative the new case once.
        async def sent_to_rep() -> list[Outbox]:
            async with sessions() as session:
                rows = await session.execute(select(Outbox).where(Outbox.chat_id == REP_XH))
                return list(rows.scalars())

        for _ in range(200):
            rows = await sent_to_rep()
            if rows and all(r.status is OutboxStatus.sent for r in rows):
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError(f"the worker did not send the notices: {rows}")
    finally:
        await engine.dispose()
    notices = [m for m in await sandbox.messages(REP_XH) if ref.group() in (m["text"] or "")]
    assert len(notices) == len([r for r in rows if ref.group() in str(r.payload)]) >= 1


DUE, OPEN = 300, 3000  # the sweep benchmark's workload (bench/_cases.py), scaled down


async def test_two_workers_escalate_each_case_once_and_send_each_notice_once(
    pg_url: str, sandbox: SandboxClient
) -> None:
    """Two scheduler runtimes (what `riderunion worker` runs) on one PostgreSQL database,
    sweeping every 0.1 s: the due cases are days overdue, so every one climbs all three
    rungs while both workers take batches of the same cases and both drain the outbox."""
    from app.runtime import Runtime
    from bench._cases import fill
    from services.demo import DEMO_RIDER, PEOPLE
    from tests.conftest import desk_settings

    await members(pg_url)  # demo zones and staff
    for person in [DEMO_RIDER, *PEOPLE]:
        await sandbox.user(person.telegram_id, person.name)
    settings = desk_settings(pg_url, sandbox, escalation_interval=0.1, outbox_interval=0.1)
    workers = [Runtime(settings, web=False, bot=False, scheduler=True) for _ in range(2)]
    engine = make_engine(pg_url)
    sessions = make_sessionmaker(engine)
    try:
        for worker in workers:
            await worker.start()
            assert worker.ctx.sender is not None
            # Telegram's 1 a second per chat would make this test take minutes: the
            # sandbox here allows more (sandbox_limits), so the sender may too.
            worker.ctx.sender.per_chat_rate = 50
        await fill(sessions, open_cases=OPEN, due=DUE, tag="two")

        async def counts() -> tuple[int, int, int]:
            async with sessions() as s:
                escalated = await s.scalar(select(func.count()).select_from(Escalation))
                notices = await s.scalar(select(func.count()).select_from(Outbox))
                waiting = await s.scalar(
                    select(func.count()).where(Outbox.status != OutboxStatus.sent)
                )
                return escalated or 0, notices or 0, waiting or 0

        for _ in range(1200):
            escalated, notices, waiting = await counts()
            if escalated == 3 * DUE and notices and not waiting:
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError(f"not done: {await counts()}")
    finally:
        for worker in workers:
            await worker.stop()

    try:
        async with sessions() as s:
            per_case = (
                await s.execute(
                    select(
                        Escalation.case_id, func.count(), func.count(Escalation.level.distinct())
                    ).group_by(Escalation.case_id)
                )
            ).all()
            assert len(per_case) == DUE and {(n, d) for _, n, d in per_case} == {(3, 3)}
            events = (
                await s.execute(select(CaseEvent.case_id, func.count()).group_by(CaseEvent.case_id))
            ).all()
            assert {n for _, n in events} == {3} and len(events) == DUE  # one per escalation
            rows = (await s.execute(select(Outbox))).scalars().all()
    finally:
        await engine.dispose()
    assert {r.status for r in rows} == {OutboxStatus.sent}
    by_chat: dict[int, int] = {}
    for r in rows:
        by_chat[r.chat_id] = by_chat.get(r.chat_id, 0) + 1
    # Each notice once in Telegram: as many messages in each chat as rows for it, each row
    # the message it says it sent.
    for chat, expected in by_chat.items():
        got = await sandbox.messages(chat)
        assert len(got) == expected, (chat, len(got), expected)
        sent_ids = sorted(r.telegram_message_id for r in rows if r.chat_id == chat)
        assert sent_ids == sorted(m["message_id"] for m in got)
    # Every rung was told: the on-duty rep of each case (level 1), the senior (levels 1-2,
    # as in a single sweep) and the admin (level 3), DUE notices a rung.
    assert sum(by_chat.values()) >= 4 * DUE
