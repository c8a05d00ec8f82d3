"""Builds the Bot and the Dispatcher: the one place the bot's parts are joined."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramBadRequest, TelegramRetryAfter
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.fsm.storage.redis import RedisEventIsolation, RedisStorage
from aiogram.types import BotCommand, BotCommandScopeChat, ErrorEvent
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import forms
from bot.cases import ask
from bot.errors import explain
from bot.inbox import AlreadyHandled, is_outage
from bot.inbox import handling as inbox_handling
from bot.middlewares import (
    CommitBeforeSend,
    DbSessionMiddleware,
    UserMiddleware,
    WaitOutFloodControl,
)
from bot.routers import routers
from bot.storage import DatabaseStorage
from models import Role
from services.errors import DomainError
from services.texts import LANGUAGES, Translator, normalise_language, text
from services.users import find_by_telegram_id, staff_chats

log = logging.getLogger(__name__)
# The command menu: what every rider sees, and what representatives and admins see more.
RIDER_COMMANDS = (
    "start", "help", "language", "join", "card", "report", "mycases",
    "claim", "claims", "guide", "mydata", "leave", "accident", "volunteer", "zoneissues",
    "settings", "agenda", "propose", "stations", "bookings",
)  # fmt: skip
STAFF_COMMANDS = (
    *RIDER_COMMANDS, "queue", "stats", "collective", "invite", "recruits", "mentoring",
    "mentees", "claimtotals", "activists", "relay", "survey", "notice", "slot", "station_day",
)  # fmt: skip
# Senior representatives and admins also watch what is late.
WATCHER_COMMANDS = (*STAFF_COMMANDS, "overdue", "escalated")


def build_bot(token: str, api_base: str | None) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_base)) if api_base else None
    bot = Bot(token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))
    bot.session.middleware(WaitOutFloodControl())
    bot.session.middleware(CommitBeforeSend())
    return bot


def build_storage(sessions: async_sessionmaker[AsyncSession], redis_url: str | None) -> BaseStorage:
    if redis_url:
        return RedisStorage.from_url(
            redis_url, key_builder=DefaultKeyBuilder(with_bot_id=True, with_destiny=True)
        )
    return DatabaseStorage(sessions)


def build_dispatcher(
    sessions: async_sessionmaker[AsyncSession],
    *,
    storage: BaseStorage,
    default_language: str,
    **workflow_data: Any,
) -> Dispatcher:
    # One update at a time per chat: two quick messages must not both start from the same
    # form step. Across instances (Redis) the lock is in Redis too.
    isolation = (
        RedisEventIsolation(storage.redis)
        if isinstance(storage, RedisStorage)
        else SimpleEventIsolation()
    )
    dp = Dispatcher(storage=storage, events_isolation=isolation, sessions=sessions, **workflow_data)
    # The update's transaction opens inside aiogram's error middleware (a failed update rolls
    # back before the error handler runs) and before its FSM middleware (whose read of the
    # state then joins the update's transaction).
    dp.update.outer_middleware.unregister(dp.fsm)
    dp.update.outer_middleware(DbSessionMiddleware(sessions))
    dp.update.outer_middleware(dp.fsm)
    # Outer middlewares run before filters, so filters and handlers both see `user`.
    for observer in (dp.message, dp.callback_query):
        observer.outer_middleware(UserMiddleware(default_language))
    dp.message.outer_middleware(ask.PendingQuestionGuard())  # needs `t`: after the user's
    dp.message.outer_middleware(forms.SuspendOnCommand())  # a command keeps a form's draft
    dp.include_routers(*routers())
    dp.errors.register(_on_error)
    inline_sync_filters(dp)
    return dp


def inline_sync_filters(dp: Dispatcher) -> int:
    """Run the synchronous filters (`F.text`, `F.data == ...`, a State) on the event loop.

    aiogram sends every filter that is not a coroutine to a thread (`asyncio.to_thread`),
    which suits a blocking handler but not a filter that reads an attribute: each costs a
    thread hand-off and a trip back to the loop, and an update meets such filters all the
    way through the routers (83 are registered). Returns how many."""
    count = 0
    for router in dp.chain_tail:
        for observer in router.observers.values():
            for handler in (observer._handler, *observer.handlers):
                for fo in handler.filters or ():
                    if not fo.awaitable:
                        fo.callback, fo.awaitable = _awaitable(fo.callback), True
                        count += 1
    return count


def _awaitable(check: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
    async def inline(*args: Any, **kwargs: Any) -> Any:
        return check(*args, **kwargs)

    return inline


async def _on_error(event: ErrorEvent, **data: Any) -> bool:
    """A domain error (refused move, bad input caught in services) becomes its sentence. Any
    other failure of an update from the inbox is settled there: an outage (database down or
    hung) is handled again once it is back, and the rider hears once that the message is
    kept; a failure of the update itself is tried again, and the rider is told after the
    last try. The update's transaction has been rolled back. This never raises: whatever
    goes wrong here is logged, and the inbox still settles the update."""
    try:
        sentence = await _error_sentence(event, data)
        if sentence is None:
            return True
        update = event.update
        for attempt in range(3):  # flood control: wait as told, as replies in an update do
            try:
                if update.message is not None:
                    await update.message.answer(sentence)
                elif update.callback_query is not None:
                    await update.callback_query.answer(sentence[:200], show_alert=True)
                break
            except TelegramRetryAfter as exc:
                if attempt == 2 or exc.retry_after > 5:
                    raise
                await asyncio.sleep(exc.retry_after)
    except Exception:  # e.g. Telegram unreachable too
        log.exception("the error handler of update %s failed", event.update.update_id)
    return True


async def _error_sentence(event: ErrorEvent, data: dict[str, Any]) -> str | None:
    exc = event.exception
    current = inbox_handling.get()
    if isinstance(exc, AlreadyHandled):
        return None  # another instance handled it (and answered)
    if current is not None and not isinstance(exc, DomainError):
        current.failure = exc
    outage = is_outage(exc)
    if not isinstance(exc, DomainError):
        log.log(
            logging.WARNING if outage else logging.ERROR,
            "update %s failed",
            event.update.update_id,
            exc_info=exc,
        )
    if current is not None and outage and current.failed_before:
        return None  # told already; it is handled once the database is back
    if (
        current is not None
        and not outage
        and not current.last_try
        and not isinstance(exc, DomainError)
    ):
        return None  # tried again in a moment; told only if the last try fails too
    sender = data.get("event_from_user")
    lang = normalise_language(sender.language_code if sender else None)
    if sender is not None and not outage:
        with contextlib.suppress(Exception):  # the database may be why we are here
            async with asyncio.timeout(2), data["sessions"]() as session:
                known = await find_by_telegram_id(session, telegram_id=sender.id)
                lang = known.language if known else lang
    t = Translator(lang)
    if isinstance(exc, DomainError):
        return explain(t, exc)
    if current is not None and outage:
        return t("inbox.kept")  # true: it is in the inbox and will be handled
    return t("error.generic")


async def publish_commands(bot: Bot, sessions: async_sessionmaker[AsyncSession]) -> None:
    """The command menu Telegram shows: riders' commands for everyone in each language, and
    the staff commands in each representative's and admin's own chat."""

    def listing(names: tuple[str, ...], lang: str) -> list[BotCommand]:
        return [BotCommand(command=c, description=text(lang, f"cmd.{c}")) for c in names]

    await bot.set_my_commands(listing(RIDER_COMMANDS, "zh"))
    for lang in LANGUAGES:
        await bot.set_my_commands(listing(RIDER_COMMANDS, lang), language_code=lang)
    async with sessions() as session:
        staff = await staff_chats(session)
    for chat_id, lang, role in staff:
        names = WATCHER_COMMANDS if role in (Role.senior, Role.admin) else STAFF_COMMANDS
        with contextlib.suppress(TelegramBadRequest):  # a chat the bot has never seen
            await bot.set_my_commands(
                listing(names, lang), scope=BotCommandScopeChat(chat_id=chat_id)
            )
