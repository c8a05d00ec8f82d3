"""Drains the outbox to Telegram within its limits.

About 30 messages a second overall and 1 a second per chat (aiolimiter buckets); rows to
one chat go in order, different chats in parallel. 429 waits `retry_after`; network and
5xx errors back off; 403 (blocked) and other 4xx give up and say why. Each row is marked
sent in its own transaction right after Telegram accepted it.
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
    return cls(**payload)


class OutboxSender:
    def __init__(
        self,
        bot: Bot,
        sessions: async_sessionmaker[AsyncSession],
        *,
        per_second: float = 30,
        per_chat_per_second: float = 1,
        request_timeout: float = 10,
        batch: int = 200,
    ) -> None:
        self.bot = bot
        self.sessions = sessions
        self.overall = AsyncLimiter(per_second, 1)
        self.per_chat_rate = per_chat_per_second
        self._chats: OrderedDict[int, AsyncLimiter] = OrderedDict()
        self.request_timeout = request_timeout
        self.batch = batch
        self._lock = asyncio.Lock()

    def _chat_limiter(self, chat_id: int) -> AsyncLimiter:
        limiter = self._chats.pop(chat_id, None) or AsyncLimiter(1, 1 / self.per_chat_rate)
        self._chats[chat_id] = limiter
        while len(self._chats) > 10_000:  # forget the least recently used chats
            self._chats.popitem(last=False)
        return limiter

    async def drain_once(self) -> int:
        """Send what is due now; returns how many rows were sent."""
        async with self._lock:
            async with unit_of_work(self.sessions) as session:
                rows = await outbox.lease_due(session, limit=self.batch)
            by_chat: dict[int, list[Leased]] = defaultdict(list)
            later: list[int] = []
            for row in rows:
                # At 1/s a chat's share must finish well inside the lease.
                if len(by_chat[row.chat_id]) >= MAX_PER_CHAT:
                    later.append(row.id)
                else:
                    by_chat[row.chat_id].append(row)
            if later:
                async with unit_of_work(self.sessions) as session:
                    await outbox.release(session, row_ids=later)
            sent = await asyncio.gather(*(self._send_chat(rs) for rs in by_chat.values()))
            return sum(sent)

    async def drain_until_empty(self, *, rounds: int = 100) -> int:
        total = 0
        for _ in range(rounds):
            n = await self.drain_once()
            total += n
            if n == 0:
                break
        return total

    async def _send_chat(self, rows: list[Leased]) -> int:
        sent = 0
        for i, row in enumerate(rows):
            rest = [r.id for r in rows[i:]]
            try:
                async with self._chat_limiter(row.chat_id), self.overall:
                    result = await self.bot(
                        build_method(row.method, {"chat_id": row.chat_id, **row.payload}),
                        request_timeout=self.request_timeout,
                    )
            except TelegramRetryAfter as exc:
                # The chat is over its rate: keep its order, try all of its rows later.
                await self._record_retry(rest, timedelta(seconds=exc.retry_after), str(exc))
                return sent
            except (TimeoutError, TelegramNetworkError, TelegramServerError) as exc:
                await self._record_retry(rest, None, f"{type(exc).__name__}: {exc}")
                return sent
            except TelegramForbiddenError as exc:
                async with unit_of_work(self.sessions) as session:
                    await outbox.give_up(
                        session, row_ids=[row.id], error=str(exc), unreachable_user=row.user_id
                    )
                    await outbox.give_up_on_chat(session, chat_id=row.chat_id, error=str(exc))
                # The row id, not the chat: a chat id is a person's Telegram id.
                log.info("outbox row %s: chat blocked the bot; its pending rows failed", row.id)
                return sent
            except (
                TelegramBadRequest,
                TelegramNotFound,
                TelegramUnauthorizedError,
                ValueError,
            ) as exc:
                async with unit_of_work(self.sessions) as session:
                    await outbox.give_up(
                        session, row_ids=[row.id], error=str(exc), unreachable_user=None
                    )
                log.warning("outbox row %s refused for good: %s", row.id, exc)
                continue
            message_id = getattr(result, "message_id", None)
            async with unit_of_work(self.sessions) as session:
                await outbox.mark_sent(session, row_id=row.id, message_id=message_id)
            sent += 1
        return sent

    async def _record_retry(self, row_ids: list[int], delay: timedelta | None, error: str) -> None:
        async with unit_of_work(self.sessions) as session:
            await outbox.retry_later(session, row_ids=row_ids, delay=delay, error=error)
        log.info("outbox rows %s retry later: %s", row_ids, error)
