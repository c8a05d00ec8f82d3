"""Every stored report reaches its rider as a case number, exactly once, whatever Telegram
does to the answer; a repeated Submit shows that case and never makes a second one.

RELIABILITY_REPORTS scales the run (the record figure in docs/reliability.md used 200).
"""

from __future__ import annotations

import asyncio
import os
import re
from collections import Counter

import pytest
from sqlalchemy import func, select, update

from models import Case, Outbox, OutboxStatus, User
from models.db import unit_of_work
from models.types import utcnow
from tests.cases.conftest import people
from tests.chat import Chat, button, deliver
from tests.sandbox_client import SandboxClient

# Many riders tap at once; flood control is injected on purpose below instead.
pytestmark = pytest.mark.fast_taps(global_rate=1000, global_burst=1000)

REPORTS = int(os.environ.get("RELIABILITY_REPORTS", "16"))
FIRST = 930001
RIDERS = tuple(range(FIRST, FIRST + REPORTS))
CONFIRMED = re.compile(r"Reported as (\S+)\.")


async def _to_confirm_step(sandbox: SandboxClient, chat: int, gate: asyncio.Semaphore) -> dict:
    """Walk /report up to the summary with its Submit button (no faults yet)."""
    person = Chat(sandbox, chat)
    async with gate:
        menu = await sandbox.reply_to(chat, "/report")
        [asked] = await person.press(menu, "rp:cat:access")
        assert "Describe" in asked["text"]
        await sandbox.reply_to(chat, f"Gate of rider {chat} blocks e-bikes")
        sent = await sandbox.send(chat, "Skip")
        photos_q = await person.wait_for("Any photos?", after=sent)
        anon_q = (await person.press(photos_q, "rp:done"))[-1]
        confirm = (await person.press(anon_q, "rp:anon:0"))[-1]
        assert button(confirm, "rp:submit")
        return confirm


def _inject(n: int) -> list[dict]:
    """About a third of the submits meet a fault, of every kind Telegram has shown us."""
    k = max(1, n // 12)
    return [
        {"method": "*", "status": 500, "count": k},
        {"method": "*", "status": "drop", "count": k},
        # Longer than WaitOutFloodControl waits: the direct answer gives up at once.
        {"method": "sendMessage", "status": 429, "count": k, "retry_after": 30},
        {"method": "sendMessage", "status": "lost_answer", "count": k},
    ]


async def _cases(desk) -> dict[int, list[str]]:
    async with desk.ctx.sessions() as session:
        rows = await session.execute(
            select(User.telegram_id, Case.ref).join(Case, Case.rider_id == User.id)
        )
        found: dict[int, list[str]] = {}
        for tg, ref in rows:
            found.setdefault(tg, []).append(ref)
        return found


async def _confirmations(sandbox: SandboxClient, chat: int) -> list[str]:
    return [
        m.group(1)
        for msg in await sandbox.messages(chat)
        if (m := CONFIRMED.search(msg["text"] or ""))
    ]


async def test_every_stored_report_is_confirmed_once(desk, sandbox: SandboxClient) -> None:
    await people(desk, sandbox, members=RIDERS)
    gate = asyncio.Semaphore(8)
    confirms = await asyncio.gather(*(_to_confirm_step(sandbox, c, gate) for c in RIDERS))

    for fault in _inject(REPORTS):
        await sandbox.fault(**fault)

    async def submit(chat: int, confirm: dict, taps: int) -> None:
        data = button(confirm, "rp:submit")
        # A double tap: both presses arrive before the first answer.
        await asyncio.gather(
            *(sandbox.press(chat, confirm["message_id"], data) for _ in range(taps))
        )

    await asyncio.gather(
        *(
            submit(c, m, 2 if i % 3 == 0 else 1)
            for i, (c, m) in enumerate(zip(RIDERS, confirms, strict=True))
        )
    )

    # Each case commits before its first answer is sent; the outbox carries what failed.
    for _ in range(300):
        stored = await _cases(desk)
        if len(stored) == REPORTS:
            break
        await asyncio.sleep(0.1)
    for _ in range(120):
        await deliver(desk)
        unconfirmed = [c for c in RIDERS if not await _confirmations(sandbox, c)]
        if not unconfirmed:
            break
        await asyncio.sleep(0.5)
    await sandbox._call("DELETE", "/faults")
    await asyncio.sleep(1)  # a handler still waiting on a dropped connection finishes
    # Whatever still waits out a backoff (a retried lost answer) goes now: all is counted.
    for _ in range(20):
        async with unit_of_work(desk.ctx.sessions) as session:
            waiting = (
                await session.execute(
                    update(Outbox)
                    .where(Outbox.status == OutboxStatus.pending)
                    .values(not_before=utcnow(), lease_until=None)
                )
            ).rowcount
        if not waiting:
            break
        await deliver(desk)

    stored = await _cases(desk)
    assert sorted(stored) == list(RIDERS), "a rider's report was not stored"
    assert all(len(refs) == 1 for refs in stored.values()), f"second cases: {stored}"
    unconfirmed = [c for c in RIDERS if not await _confirmations(sandbox, c)]
    assert not unconfirmed, f"{len(unconfirmed)} of {REPORTS} stored but never confirmed"

    # Duplicates only where Telegram performed a send but its answer was lost.
    lost = Counter(
        int(call["params"]["chat_id"])
        for call in await sandbox.calls("sendMessage")
        if call.get("status") == "delivered, answer dropped"
        and "Reported as" in str(call["params"].get("text"))
    )
    for chat in RIDERS:
        refs = await _confirmations(sandbox, chat)
        assert refs == stored[chat] * (1 + lost[chat]), (chat, refs, lost[chat])
    duplicates = sum(lost.values())
    met = Counter(str(c.get("status")) for c in await sandbox.calls() if c.get("status") != 200)
    taps = sum(2 if i % 3 == 0 else 1 for i in range(REPORTS))
    print(
        f"{REPORTS} reports ({taps} Submit taps): {len(stored)} stored, {REPORTS} confirmed, "
        f"{duplicates} duplicate confirmations (= lost answers); calls failed: {dict(met)}"
    )

    # Submit again, any time later: the rider is shown the case they already have.
    for chat, confirm in zip(RIDERS, confirms, strict=True):
        answers = await Chat(sandbox, chat).press(confirm, "rp:submit")
        assert any(stored[chat][0] in (m["text"] or "") for m in answers), answers
        assert not any(CONFIRMED.search(m["text"] or "") for m in answers)
    async with desk.ctx.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Case)) == REPORTS
