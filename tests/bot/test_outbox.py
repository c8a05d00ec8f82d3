"""The outbox under Telegram's failures: every notice delivered exactly once, or the person
marked unreachable — none lost."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from bot.outbox_sender import OutboxSender
from models import Outbox, OutboxStatus, User
from models.db import unit_of_work
from models.types import utcnow
from services import outbox
from tests.sandbox_client import SandboxClient

RIDER = 700002


async def _rider(desk, sandbox: SandboxClient, telegram_id: int = RIDER) -> User:
    await sandbox.user(telegram_id, "Rider", language="en")
    async with unit_of_work(desk.ctx.sessions) as session:
        user = User(telegram_id=telegram_id, display_name="Rider", language="en")
        session.add(user)
    return user


async def _queue(desk, user: User, n: int, **payload: object) -> list[int]:
    async with unit_of_work(desk.ctx.sessions) as session:
        rows = [
            await outbox.enqueue(
                session,
                chat_id=user.telegram_id,
                user_id=user.id,
                payload={"text": f"notice {i}", **payload},
            )
            for i in range(n)
        ]
    return [r.id for r in rows]


async def _rows(desk) -> list[Outbox]:
    async with desk.ctx.sessions() as session:
        return list((await session.execute(select(Outbox).order_by(Outbox.id))).scalars())


def _sender(desk) -> OutboxSender:
    # Fast per-chat pace for tests; the sandbox's own bucket still bites at a burst.
    return OutboxSender(desk.ctx.bot, desk.ctx.sessions, per_chat_per_second=50, request_timeout=2)


async def _drain_all(desk, sender: OutboxSender, *, real_time: bool = False) -> None:
    """Drain as a worker would. Rows put off for later are made due at once, unless the
    test needs the far side's clock to move too (`real_time`): then we wait as asked."""
    for _ in range(60):
        await sender.drain_until_empty()
        async with unit_of_work(desk.ctx.sessions) as session:
            waiting = [
                r
                for r in (await session.execute(select(Outbox))).scalars()
                if r.status is OutboxStatus.pending
            ]
            if not waiting:
                return
            if real_time:
                delay = min(r.not_before for r in waiting) - utcnow()
                await asyncio.sleep(max(0.05, delay.total_seconds()))
            else:
                for row in waiting:
                    row.not_before = row.created_at
    raise AssertionError("outbox did not drain")


async def _texts(sandbox: SandboxClient, chat: int = RIDER) -> list[str]:
    return [m["text"] for m in await sandbox.messages(chat)]


async def test_notices_arrive_once_in_order(desk, sandbox: SandboxClient) -> None:
    user = await _rider(desk, sandbox)
    await _queue(desk, user, 3)
    await _drain_all(desk, _sender(desk))
    assert await _texts(sandbox) == ["notice 0", "notice 1", "notice 2"]
    rows = await _rows(desk)
    assert {r.status for r in rows} == {OutboxStatus.sent}
    assert all(r.telegram_message_id for r in rows)


async def test_429_is_retried_after_retry_after(desk, sandbox: SandboxClient) -> None:
    user = await _rider(desk, sandbox)
    await _queue(desk, user, 2)
    await sandbox.fault("sendMessage", 429, count=1, retry_after=7)
    sender = _sender(desk)
    await sender.drain_once()
    row = (await _rows(desk))[0]
    assert row.status is OutboxStatus.pending
    assert 6 <= (row.not_before - row.created_at).total_seconds() < 60
    assert "retry after 7" in (row.last_error or "").lower()
    await _drain_all(desk, sender)
    assert await _texts(sandbox) == ["notice 0", "notice 1"]


async def test_server_errors_timeouts_and_drops_back_off_then_deliver(
    desk, sandbox: SandboxClient
) -> None:
    user = await _rider(desk, sandbox)
    await _queue(desk, user, 2)
    await sandbox.fault("sendMessage", 500, count=2)
    await sandbox.fault("sendMessage", "timeout", count=1, delay=3)
    await sandbox.fault("sendMessage", "drop", count=1)
    await _drain_all(desk, _sender(desk))
    assert await _texts(sandbox) == ["notice 0", "notice 1"]
    rows = await _rows(desk)
    assert rows[0].attempts == 5  # 2 × 500, timeout, drop, then sent
    assert all(r.status is OutboxStatus.sent for r in rows)


async def test_sandbox_rate_limit_is_honoured_without_loss(desk, sandbox: SandboxClient) -> None:
    user = await _rider(desk, sandbox)
    await _queue(desk, user, 7)
    # Faster than Telegram allows one chat, so the sandbox answers 429 past its burst.
    await _drain_all(desk, _sender(desk), real_time=True)
    assert await _texts(sandbox) == [f"notice {i}" for i in range(7)]
    calls = await sandbox.calls("sendMessage")
    assert any(c.get("status") == 429 for c in calls)
    assert len([c for c in calls if c.get("status") == 200]) == 7  # each exactly once


async def test_blocked_user_is_marked_unreachable(desk, sandbox: SandboxClient) -> None:
    user = await _rider(desk, sandbox)
    other = await _rider(desk, sandbox, telegram_id=RIDER + 1)
    await _queue(desk, user, 3)
    await _queue(desk, other, 1)
    await sandbox.block(RIDER)
    await _drain_all(desk, _sender(desk))
    rows = await _rows(desk)
    assert [r.status for r in rows] == [OutboxStatus.failed] * 3 + [OutboxStatus.sent]
    assert "blocked" in (rows[0].last_error or "")
    async with desk.ctx.sessions() as session:
        assert (await session.get(User, user.id)).unreachable is True
        assert (await session.get(User, other.id)).unreachable is False
    assert await _texts(sandbox, RIDER + 1) == ["notice 0"]


async def test_bad_request_fails_that_row_only(desk, sandbox: SandboxClient) -> None:
    user = await _rider(desk, sandbox)
    await _queue(desk, user, 1, text="x" * 5000)
    await _queue(desk, user, 1)
    await _drain_all(desk, _sender(desk))
    rows = await _rows(desk)
    assert [r.status for r in rows] == [OutboxStatus.failed, OutboxStatus.sent]
    assert "too long" in (rows[0].last_error or "")


async def test_old_notification_button_gets_an_answer(desk, sandbox: SandboxClient) -> None:
    user = await _rider(desk, sandbox)
    markup = {"inline_keyboard": [[{"text": "Open", "callback_data": "gone:42"}]]}
    await _queue(desk, user, 1, reply_markup=markup)
    await _drain_all(desk, _sender(desk))
    [notice] = await sandbox.messages(RIDER)
    query = await sandbox.press(RIDER, notice["message_id"], "gone:42")
    answer = await sandbox.callback_answer(query)
    assert answer["text"].startswith("This button has expired")


async def _clock_moves_to_next_due(desk) -> None:
    """As if time passed until the earliest pending row is due: every pending row moves by
    the same amount, so their schedule relative to one another is kept."""
    async with unit_of_work(desk.ctx.sessions) as session:
        waiting = [
            r
            for r in (await session.execute(select(Outbox))).scalars()
            if r.status is OutboxStatus.pending
        ]
        if waiting:
            shift = max(timedelta(0), min(r.not_before for r in waiting) - utcnow())
            for row in waiting:
                row.not_before -= shift


async def test_a_failing_row_puts_off_only_itself(desk, sandbox: SandboxClient) -> None:
    """Rows behind a failing one wait for it (the chat's order) but inherit none of its
    attempts: once it is through, each of them backs off from its own first failure."""
    user = await _rider(desk, sandbox)
    async with unit_of_work(desk.ctx.sessions) as session:
        await outbox.enqueue(
            session,
            chat_id=RIDER,
            user_id=user.id,
            method="sendLocation",
            payload={"latitude": 30.28, "longitude": 120.13},
        )
    await _queue(desk, user, 2)
    await sandbox.fault("sendLocation", 500, count=3)
    sender = _sender(desk)
    for _ in range(3):  # the location fails three times; the notices behind it wait
        await sender.drain_once()
        location, first, second = await _rows(desk)
        assert first.not_before == location.not_before == second.not_before
        await _clock_moves_to_next_due(desk)
    await sandbox.fault("sendMessage", 500, count=1)
    await sender.drain_once()  # the location goes; the first notice fails once
    location, first, second = await _rows(desk)
    assert location.status is OutboxStatus.sent and location.attempts == 4
    assert (first.attempts, second.attempts) == (1, 0)
    # Its own first backoff (2 s), not the 32 s that four inherited attempts would give.
    assert first.not_before <= utcnow() + outbox.backoff(1)
    assert second.not_before == first.not_before  # still in order behind it
    await _drain_all(desk, sender)
    assert await _texts(sandbox) == [None, "notice 0", "notice 1"]  # the location has no text
    assert [r.status for r in await _rows(desk)] == [OutboxStatus.sent] * 3


async def test_a_drain_that_outlived_its_lease_cannot_touch_the_row(
    desk, sandbox: SandboxClient
) -> None:
    """The lease token fences a stale drain: once its lease lapsed and another drain took
    the row, the stale one can neither mark it sent, nor put it off, nor release it."""
    user = await _rider(desk, sandbox)
    [row_id] = await _queue(desk, user, 1)
    async with unit_of_work(desk.ctx.sessions) as session:
        [stale] = await outbox.lease_due(session, lease=timedelta(seconds=30))
        assert await outbox.lease_due(session) == []  # held: nobody else takes it
    async with unit_of_work(desk.ctx.sessions) as session:  # its lease lapses...
        row = await session.get(Outbox, row_id)
        row.lease_until = utcnow() - timedelta(seconds=1)
    async with unit_of_work(desk.ctx.sessions) as session:  # ...and another drain takes it
        [fresh] = await outbox.lease_due(session)
    assert fresh.token != stale.token
    async with unit_of_work(desk.ctx.sessions) as session:
        assert not await outbox.mark_sent(session, row_id=row_id, token=stale.token, message_id=1)
        await outbox.retry_later(
            session, row_id=row_id, token=stale.token, delay=timedelta(hours=1), error="stale"
        )
        await outbox.release(session, row_ids=[row_id], token=stale.token)
        await outbox.give_up(
            session, row_ids=[row_id], token=stale.token, error="stale", unreachable_user=None
        )
    [row] = await _rows(desk)
    assert row.status is OutboxStatus.pending and row.lease_token == fresh.token
    assert row.attempts == 0 and row.last_error is None
    async with unit_of_work(desk.ctx.sessions) as session:
        assert await outbox.mark_sent(session, row_id=row_id, token=fresh.token, message_id=7)
    [row] = await _rows(desk)
    assert row.status is OutboxStatus.sent and row.telegram_message_id == 7


async def test_a_drain_stops_sending_before_its_lease_runs_out(
    desk, sandbox: SandboxClient
) -> None:
    """A chat's share that would outlast the lease is put back, not sent late: what is
    left goes with the next drain, each row once."""
    user = await _rider(desk, sandbox)
    await _queue(desk, user, 4)
    # One a second and a lease of 3 s with 1 s for the request: time for about two sends.
    sender = OutboxSender(
        desk.ctx.bot,
        desk.ctx.sessions,
        per_chat_per_second=1,
        request_timeout=1,
        lease=timedelta(seconds=3),
    )
    first = await sender.drain_once()
    assert 1 <= first < 4
    rows = await _rows(desk)
    left = [r for r in rows if r.status is OutboxStatus.pending]
    assert len(left) == 4 - first
    assert all(r.lease_until is None and r.lease_token is None for r in left)  # released
    assert all(r.attempts == 0 for r in left)
    await _drain_all(desk, sender, real_time=True)
    assert await _texts(sandbox) == [f"notice {i}" for i in range(4)]


async def test_a_notice_queued_later_waits_behind_a_failed_one(
    desk, sandbox: SandboxClient
) -> None:
    user = await _rider(desk, sandbox)
    await _queue(desk, user, 1)
    await sandbox.fault("sendMessage", 500, count=1)
    sender = _sender(desk)
    await sender.drain_once()  # notice 0 fails and waits its backoff
    async with unit_of_work(desk.ctx.sessions) as session:
        await outbox.enqueue(session, chat_id=RIDER, user_id=user.id, payload={"text": "later"})
    assert await sender.drain_once() == 0  # "later" does not overtake it
    await _drain_all(desk, sender)
    assert await _texts(sandbox) == ["notice 0", "later"]
