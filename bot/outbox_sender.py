"""Drains the outbox to Telegram within its limits.

Just inside Telegram's limits (about 30 messages a second overall, 1 a second per chat):
aiolimiter buckets paced a little under both, so the jitter between our clock and
Telegram's never finds a message early (at exactly 30/s a few of every 10,000 came back
429). Rows to one chat go in order, different chats in parallel. 429 waits `retry_after`;
network and 5xx errors back off; 403 (blocked) and other 4xx give up and say why. Each
row is marked sent in its own transaction right after Telegram accepted it, under the lease
token it was taken with: a drain that outlived its lease cannot record (or resend) what
another holds.
A failure puts off the row that failed; the rows behind it in its chat only wait for it.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict, defaultdict
from datetime import timedelta

from aiogram import Bot, methods
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.methods.base import TelegramMethod
from aiolimiter import AsyncLimiter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import actions
from models.db import unit_of_work
from services import outbox
from services.outbox import Leased

log = logging.getLogger(__name__)
# Errors that another try will not fix.
PERMANENT = (TelegramBadRequest, TelegramNotFound, TelegramUnauthorizedError, ValueError)
MAX_PER_CHAT = 20


def build_method(method: str, payload: dict) -> TelegramMethod:  # type: ignore[type-arg]
    cls = getattr(methods, method[:1].upper() + method[1:], None)
    if cls is None or not isinstance(cls, type) or not issubclass(cls, TelegramMethod):
        raise ValueError(f"unknown Bot API method {method!r}")
    return cls(**actions.resolve(payload))


class OutboxSender:
    def __init__(
        self,
        bot: Bot,
        sessions: async_sessionmaker[AsyncSession],
        *,
        per_second: float = 29.5,
        burst: int = 10,
        per_chat_per_second: float = 0.95,
        request_timeout: float = 10,
        batch: int = 200,
        lease: timedelta = timedelta(seconds=60),
    ) -> None:
        self.bot = bot
        self.sessions = sessions
        # A burst well under Telegram's (30): after a pause the catch-up stays small.
        size = max(1, min(burst, int(per_second)))
        self.overall = AsyncLimiter(size, size / per_second)
        self.per_chat_rate = per_chat_per_second
        self._chats: OrderedDict[int, AsyncLimiter] = OrderedDict()
        self.request_timeout = request_timeout
        self.batch = batch
        self.lease = lease
        self._lock = asyncio.Lock()
        # Rows Telegram took while the database could not record it: row id -> (lease token,
        # message id). Recorded first thing next drain, before any lease can lapse into a resend.
        self._unrecorded: dict[int, tuple[str, int | None]] = {}

    def _chat_limiter(self, chat_id: int) -> AsyncLimiter:
        limiter = self._chats.pop(chat_id, None) or AsyncLimiter(1, 1 / self.per_chat_rate)
        self._chats[chat_id] = limiter
        while len(self._chats) > 10_000:  # forget the least recently used chats
            self._chats.popitem(last=False)
        return limiter

    async def drain_once(self) -> int:
        """Send what is due now; returns how many rows were sent. Every chat's sending has
        ended when this returns (or raises): nothing goes on behind the caller's back."""
        async with self._lock:
            await self._record_unrecorded()
            loop = asyncio.get_running_loop()
            async with unit_of_work(self.sessions) as session:
                rows = await outbox.lease_due(session, limit=self.batch, lease=self.lease)
            # The last moment a send may start and still end, with its record, inside the lease.
            deadline = loop.time() + self.lease.total_seconds() - self.request_timeout - 1
            by_chat: dict[int, list[Leased]] = defaultdict(list)
            later: list[Leased] = []
            for row in rows:
                # At 1/s a chat's share must finish well inside the lease.
                if len(by_chat[row.chat_id]) >= MAX_PER_CHAT:
                    later.append(row)
                else:
                    by_chat[row.chat_id].append(row)
            if later:
                async with unit_of_work(self.sessions) as session:
                    await outbox.release(
                        session, row_ids=[r.id for r in later], token=later[0].token
                    )
            # Not TaskGroup: one chat's failure must not cancel another's send in flight (a
            # cancelled request may still have been delivered). Wait for all, then report.
            results = await asyncio.gather(
                *(self._send_chat(rs, deadline) for rs in by_chat.values()),
                return_exceptions=True,
            )
            failures = [r for r in results if isinstance(r, BaseException)]
            for failure in failures:
                log.warning("outbox drain: a chat stopped early: %r", failure)
            if failures:
                raise failures[0]
            return sum(r for r in results if isinstance(r, int))

    async def drain_until_empty(self, *, rounds: int = 100) -> int:
        total = 0
        for _ in range(rounds):
            n = await self.drain_once()
            total += n
            if n == 0:
                break
        return total

    async def _record_unrecorded(self) -> None:
        if not self._unrecorded:
            return
        async with unit_of_work(self.sessions) as session:
            for row_id, (token, message_id) in self._unrecorded.items():
                if not await outbox.mark_sent(
                    session, row_id=row_id, token=token, message_id=message_id
                ):
                    log.warning("outbox row %s was sent, but another sender now holds it", row_id)
        self._unrecorded.clear()

    async def _send_chat(self, rows: list[Leased], deadline: float) -> int:
        loop = asyncio.get_running_loop()
        sent = 0
        for i, row in enumerate(rows):
            behind = [r.id for r in rows[i + 1 :]]
            try:
                async with self._chat_limiter(row.chat_id), self.overall:
                    if loop.time() > deadline:
                        # The lease is nearly over: leave the rest to the next drain rather
                        # than send what another sender may take once the lease lapses.
                        async with unit_of_work(self.sessions) as session:
                            await outbox.release(
                                session, row_ids=[row.id, *behind], token=row.token
                            )
                        return sent
                    result = await self.bot(
                        build_method(row.method, {"chat_id": row.chat_id, **row.payload}),
                        request_timeout=self.request_timeout,
                    )
            except TelegramRetryAfter as exc:
                # The chat is over its rate: this row and, to keep the order, those behind it.
                await self._record_retry(row, behind, timedelta(seconds=exc.retry_after), str(exc))
                return sent
            except (TimeoutError, TelegramNetworkError, TelegramServerError) as exc:
                await self._record_retry(row, behind, None, f"{type(exc).__name__}: {exc}")
                return sent
            except TelegramForbiddenError as exc:
                async with unit_of_work(self.sessions) as session:
                    await outbox.give_up(
                        session,
                        row_ids=[row.id],
                        token=row.token,
                        error=str(exc),
                        unreachable_user=row.user_id,
                    )
                    await outbox.give_up_on_chat(session, chat_id=row.chat_id, error=str(exc))
                # The row id, not the chat: a chat id is a person's Telegram id.
                log.info("outbox row %s: chat blocked the bot; its pending rows failed", row.id)
                return sent
            except PERMANENT as exc:
                async with unit_of_work(self.sessions) as session:
                    await outbox.give_up(
                        session,
                        row_ids=[row.id],
                        token=row.token,
                        error=str(exc),
                        unreachable_user=None,
                    )
                log.warning("outbox row %s refused for good: %s", row.id, exc)
                continue
            message_id = getattr(result, "message_id", None)
            try:
                async with unit_of_work(self.sessions) as session:
                    recorded = await outbox.mark_sent(
                        session, row_id=row.id, token=row.token, message_id=message_id
                    )
            except BaseException:
                # Sent, but not recorded (the database is gone): remember it, and send no more
                # to this chat until it can be recorded. The rows behind keep their lease.
                self._unrecorded[row.id] = (row.token, message_id)
                raise
            if not recorded:
                log.warning("outbox row %s was sent, but another sender now holds it", row.id)
                return sent
            sent += 1
        return sent

    async def _record_retry(
        self, row: Leased, behind: list[int], delay: timedelta | None, error: str
    ) -> None:
        async with unit_of_work(self.sessions) as session:
            await outbox.retry_later(
                session, row_id=row.id, behind=behind, token=row.token, delay=delay, error=error
            )
        log.info("outbox row %s retries later (%s behind it): %s", row.id, len(behind), error)
