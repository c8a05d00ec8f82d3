"""Inbound updates through the inbox (services/inbox.py): stored first, acknowledged after.

`Poller` asks getUpdates and moves its offset past updates only once they are committed;
`webhook_handler` answers 200 only once the update is committed (503 otherwise, so Telegram
sends it again). `InboxWorker` feeds the dispatcher from the inbox, in order per chat, and
settles each update: done with its handler's commit, retried after an outage, given up
(the rider told) after repeated failures of its own. Nothing here waits on the database
without a timeout of its own, so a hung connection cannot wedge the loops.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from collections.abc import Awaitable, Callable, Coroutine
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, TypeVar

import asyncpg
from aiogram import Bot, Dispatcher
from aiogram.methods import TelegramMethod
from aiogram.types import Update
from aiohttp import web
from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from models.db import unit_of_work
from services import inbox

log = logging.getLogger(__name__)
T = TypeVar("T")

DB_WAIT = 10.0  # seconds we wait on one inbox query before calling it an outage
IDLE_POLL = 2.0  # look at the table now and then: other instances, leases run out
PRUNE_EVERY = 600.0
SETTLE_GRACE = 5.0  # on stop, what in-flight handlers get before they are cancelled


class AlreadyHandled(Exception):
    """Another handling of the same update committed first: this one must not."""


def is_outage(exc: BaseException) -> bool:
    """The database (or the way to it) failed, not the update: handle it again later."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(
            current,
            OSError
            | TimeoutError
            | sa_exc.OperationalError
            | sa_exc.InterfaceError
            | sa_exc.DisconnectionError
            | sa_exc.TimeoutError
            | asyncpg.InterfaceError
            | asyncpg.PostgresConnectionError
            | asyncpg.CannotConnectNowError,
        ):
            return True
        if isinstance(current, sa_exc.DBAPIError) and current.connection_invalidated:
            return True
        current = current.__cause__ or current.__context__
    return False


@dataclass
class Handling:
    """The update being handled in this task, for the middleware and the error handler."""

    update_id: int
    attempts: int
    failed_before: bool
    marked: bool = False
    failure: BaseException | None = field(default=None, repr=False)

    @property
    def last_try(self) -> bool:
        return self.attempts + 1 >= inbox.MAX_ATTEMPTS

    def join(self, session: AsyncSession) -> None:
        """Mark the update done in the commit of the handler's session: its changes and
        "done" commit together, so a crash never has them applied twice nor half."""

        def before_commit(sync: Session) -> None:
            if not self.marked and not inbox.mark_done_sync(sync, update_id=self.update_id):
                raise AlreadyHandled(self.update_id)

        def after_commit(_sync: Session) -> None:
            self.marked = True

        event.listen(session.sync_session, "before_commit", before_commit)
        event.listen(session.sync_session, "after_commit", after_commit)


handling: ContextVar[Handling | None] = ContextVar("inbox_handling", default=None)


async def _within(seconds: float, work: Coroutine[Any, Any, T]) -> T:
    """`work`, or TimeoutError after `seconds`. A hung connection may not even let a
    cancelled query roll back, so the caller does not wait for that: the task is left to
    end by itself once the database answers again."""
    task = asyncio.ensure_future(work)
    try:
        done, _ = await asyncio.wait({task}, timeout=seconds)
    except asyncio.CancelledError:
        task.cancel()
        raise
    if not done:
        task.cancel()
        task.add_done_callback(lambda t: t.cancelled() or t.exception())  # no warning
        raise TimeoutError(f"the database did not answer within {seconds:.0f} s")
    return task.result()


async def store(sessions: async_sessionmaker[AsyncSession], updates: list[dict[str, Any]]) -> None:
    """Commit the updates to the inbox, or raise: then they must not be acknowledged."""

    async def write() -> None:
        async with unit_of_work(sessions) as session:
            await inbox.store(session, updates=updates)

    await _within(DB_WAIT, write())


class InboxWorker:
    def __init__(
        self,
        bot: Bot,
        dp: Dispatcher,
        sessions: async_sessionmaker[AsyncSession],
        *,
        # Chats handled at once. A handling mostly waits (on Telegram, on the database, which
        # it holds only while it queries): at 8, 100 riders left the process half idle.
        concurrency: int = 32,
    ) -> None:
        self.bot, self.dp, self.sessions = bot, dp, sessions
        self.concurrency = concurrency
        self.wake = asyncio.Event()
        self.inflight: dict[int, asyncio.Task[None]] = {}
        self.task: asyncio.Task[None] | None = None
        self.handled = 0  # updates this worker took to the dispatcher, for the curious

    def start(self) -> None:
        self.task = asyncio.create_task(self._run(), name="inbox-worker")

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)
        pending = list(self.inflight.values())
        if pending:
            # Unfinished updates stay pending in the inbox: the next start handles them.
            _done, late = await asyncio.wait(pending, timeout=SETTLE_GRACE)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)

    async def _db(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        async def run() -> T:
            async with unit_of_work(self.sessions) as session:
                return await work(session)

        return await _within(DB_WAIT, run())

    async def _run(self) -> None:
        backoff = 0.5
        loop = asyncio.get_running_loop()
        next_prune = loop.time()
        while True:
            self.wake.clear()
            try:
                if loop.time() >= next_prune:
                    await self._db(lambda s: inbox.prune(s))
                    next_prune = loop.time() + PRUNE_EVERY
                free = self.concurrency - len(self.inflight)
                leased = (
                    await self._db(lambda s, n=free: inbox.lease_heads(s, limit=n)) if free else []
                )
                backoff = 0.5
            except Exception as exc:  # the database is down or hung: wait, then try again
                log.warning("inbox: cannot read the inbox (%s); again in %.1f s", exc, backoff)
                with contextlib.suppress(TimeoutError):  # a stored update says it is back
                    async with asyncio.timeout(backoff):
                        await self.wake.wait()
                backoff = min(backoff * 2, 15)
                continue
            for row in leased:
                if row.update_id in self.inflight:
                    continue  # our own handling hangs (its lease ran out): it is fenced
                task = asyncio.create_task(self._handle(row), name=f"update-{row.update_id}")
                self.inflight[row.update_id] = task
                task.add_done_callback(lambda _t, uid=row.update_id: self._finished(uid))
            if leased and len(self.inflight) < self.concurrency:
                continue  # there may be more
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(IDLE_POLL):
                    await self.wake.wait()

    def _finished(self, update_id: int) -> None:
        self.inflight.pop(update_id, None)
        self.wake.set()  # the next update of that chat may go now

    async def _renew(self, update_id: int) -> None:
        while True:
            await asyncio.sleep(inbox.LEASE.total_seconds() / 3)
            with contextlib.suppress(Exception):  # an outage: the lease may run out, and the
                # done mark is fenced, so a second handling cannot commit twice
                await self._db(lambda s: inbox.renew(s, update_ids=[update_id]))

    async def _handle(self, row: inbox.Leased) -> None:
        state = Handling(row.update_id, row.attempts, row.failed_before)
        token = handling.set(state)
        renewing = asyncio.create_task(self._renew(row.update_id))
        try:
            update = Update.model_validate(row.payload, context={"bot": self.bot})
            response = await self.dp.feed_update(self.bot, update)
            if isinstance(response, TelegramMethod):
                await self.dp.silent_call_request(self.bot, response)
        except Exception as exc:  # settled below, like one the handler reported
            state.failure = state.failure or exc
        finally:
            handling.reset(token)
            renewing.cancel()
            self.handled += 1
        await self._settle(row, state)

    async def _settle(self, row: inbox.Leased, state: Handling) -> None:
        failure = state.failure
        # Only the kind of error is kept: its message may quote the rider's words.
        error = type(failure).__name__
        try:
            if state.marked or isinstance(failure, AlreadyHandled):
                return
            if failure is None:
                await self._db(lambda s: inbox.mark_done(s, update_id=row.update_id))
            elif is_outage(failure):
                await self._db(
                    lambda s: inbox.retry_later(
                        s,
                        update_id=row.update_id,
                        delay=timedelta(seconds=2),
                        error=error,
                        attempt=False,
                    )
                )
            elif state.last_try:
                log.error(
                    "inbox: update %s given up after %s tries: %r",
                    row.update_id,
                    row.attempts + 1,
                    failure,
                )
                await self._db(lambda s: inbox.give_up(s, update_id=row.update_id, error=error))
            else:
                delay = timedelta(seconds=2 ** (row.attempts + 1))
                await self._db(
                    lambda s: inbox.retry_later(
                        s, update_id=row.update_id, delay=delay, error=error, attempt=True
                    )
                )
        except Exception as exc:
            # Not settled: the lease runs out and the update is handled again.
            log.warning("inbox: could not settle update %s: %s", row.update_id, exc)


class Poller:
    """getUpdates with an offset that passes an update only after it is in the inbox."""

    def __init__(
        self,
        bot: Bot,
        sessions: async_sessionmaker[AsyncSession],
        worker: InboxWorker,
        *,
        allowed_updates: list[str],
        timeout: int = 25,
    ) -> None:
        self.bot, self.sessions, self.worker = bot, sessions, worker
        self.allowed_updates, self.timeout = allowed_updates, timeout
        self.offset: int | None = None
        self.task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.task = asyncio.create_task(self._run(), name="inbox-poller")

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)

    async def _run(self) -> None:
        backoff = 0.5
        while True:
            try:
                updates = await self.bot.get_updates(
                    offset=self.offset,
                    timeout=self.timeout,
                    allowed_updates=self.allowed_updates,
                    request_timeout=self.timeout + 10,
                )
            except Exception as exc:  # Telegram unreachable, or it refused: try again
                log.warning("inbox: getUpdates failed (%s); again in %.1f s", exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30)
                continue
            if updates:
                raw = [u.model_dump(mode="json", by_alias=True, exclude_none=True) for u in updates]
                try:
                    await store(self.sessions, raw)
                except Exception as exc:  # not stored: not acknowledged either
                    log.warning("inbox: cannot store updates (%s); again in %.1f s", exc, backoff)
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 30)
                    continue
                self.offset = updates[-1].update_id + 1
                self.worker.wake.set()
            backoff = 0.5


def webhook_handler(
    sessions: async_sessionmaker[AsyncSession], worker: InboxWorker, secret: str | None
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """Telegram's POST: 200 once the update is in the inbox, 503 while it cannot be."""

    async def handle(request: web.Request) -> web.StreamResponse:
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if secret is not None and not hmac.compare_digest(given.encode(), secret.encode()):
            return web.Response(status=401, text="Unauthorized")
        try:
            body = await request.json()
        except ValueError:
            return web.Response(status=400, text="Bad Request")
        if not isinstance(body, dict) or not isinstance(body.get("update_id"), int):
            return web.Response(status=400, text="Bad Request")
        try:
            await store(sessions, [body])
        except Exception as exc:  # Telegram sends it again later
            log.warning("inbox: cannot store update %s (%s): 503", body["update_id"], exc)
            return web.Response(status=503, headers={"Retry-After": "5"}, text="Unavailable")
        worker.wake.set()
        return web.json_response({})

    return handle
