"""The outbox while its database goes away mid-drain and comes back: no send outlives the
drain, nothing is lost, and the only duplicates are sends whose answer Telegram lost."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bot.outbox_sender import OutboxSender
from bot.setup import build_bot
from models import Outbox, OutboxStatus
from models.db import make_engine, make_sessionmaker, unit_of_work
from models.types import utcnow
from services import outbox
from tests.pgcluster import ThrowawayPG
from tests.sandbox_client import SandboxClient

pytestmark = pytest.mark.fast_taps

CHATS = tuple(range(940001, 940007))
PER_CHAT = 4
LOST_ANSWERS = 2
TOKEN = "424242:outbox-outage-test"


async def _delivered(sandbox: SandboxClient) -> list[dict]:
    return [c for c in await sandbox.calls("sendMessage") if c.get("status") == 200]


async def test_database_gone_mid_drain(throwaway_pg: ThrowawayPG, sandbox: SandboxClient) -> None:
    engine = make_engine(throwaway_pg.url)
    sessions = make_sessionmaker(engine)
    bot = build_bot(TOKEN, f"{sandbox.base}/sandbox")
    try:
        for chat in CHATS:
            await sandbox.user(chat, f"Rider{chat}", language="en")
        async with unit_of_work(sessions) as session:
            for i in range(PER_CHAT):  # round by round: the chats' rows interleave by id
                for chat in CHATS:
                    await outbox.enqueue(
                        session, chat_id=chat, payload={"text": f"{chat} notice {i}"}
                    )
        # Telegram performs these but the answer never comes back: sent twice, and counted.
        await sandbox.fault("sendMessage", "lost_answer", count=LOST_ANSWERS)
        # Slow enough that the drain is still sending when the database goes, and the chats
        # out of step (3 a second overall), so some are always between two sends.
        sender = OutboxSender(bot, sessions, per_second=3, per_chat_per_second=2, request_timeout=2)

        drain = asyncio.create_task(sender.drain_once())
        for _ in range(200):
            if len(await _delivered(sandbox)) >= len(CHATS):
                break
            await asyncio.sleep(0.02)
        await throwaway_pg.stop()
        with pytest.raises(Exception):  # noqa: B017  # whatever the driver says: it is gone
            await drain
        returned = time.time()
        await asyncio.sleep(2)  # a send left running would land now
        late = [c for c in await sandbox.calls("sendMessage") if c["time"] > returned]
        assert not late, f"{len(late)} sends after the drain returned"

        await throwaway_pg.start()
        # The case in point: Telegram took these while the database could not record it.
        delivered = {c["params"]["text"] for c in await _delivered(sandbox)}
        async with unit_of_work(sessions) as session:
            pending = (
                await session.execute(
                    select(Outbox.payload).where(Outbox.status == OutboxStatus.pending)
                )
            ).scalars()
            unrecorded = [p["text"] for p in pending if p["text"] in delivered]
        assert unrecorded, "the database went away between drains, not during one"
        # Every lease lapses, as a minute later: what was sent must not be sent again.
        async with unit_of_work(sessions) as session:
            await session.execute(
                update(Outbox)
                .where(Outbox.status == OutboxStatus.pending)
                .values(lease_until=utcnow() - timedelta(seconds=1))
            )
        for _ in range(30):
            await sender.drain_until_empty()
            async with unit_of_work(sessions) as session:
                waiting = list(
                    (
                        await session.execute(
                            select(Outbox).where(Outbox.status == OutboxStatus.pending)
                        )
                    ).scalars()
                )
                for row in waiting:  # backoffs over at once
                    row.not_before = row.created_at
            if not waiting:
                break

        lost = [
            c
            for c in await sandbox.calls("sendMessage")
            if c.get("status") == "delivered, answer dropped"
        ]
        assert len(lost) == LOST_ANSWERS
        duplicates = 0
        for chat in CHATS:
            texts = [m["text"] for m in await sandbox.messages(chat)]
            expected = [f"{chat} notice {i}" for i in range(PER_CHAT)]
            assert list(dict.fromkeys(texts)) == expected, texts  # all there, in order
            duplicates += sum(n - 1 for n in Counter(texts).values())
        assert duplicates == LOST_ANSWERS, f"{duplicates} duplicates, {LOST_ANSWERS} lost answers"
        print(
            f"{len(CHATS) * PER_CHAT} notices, {len(unrecorded)} sent while the database was "
            f"gone, 0 sends after the drain returned, {duplicates} duplicates "
            f"(= {LOST_ANSWERS} lost answers), 0 lost"
        )
        async with unit_of_work(sessions) as session:
            statuses = (await session.execute(select(Outbox.status))).scalars()
            assert set(statuses) == {OutboxStatus.sent}
    finally:
        await bot.session.close()
        await engine.dispose()
