"""Per-update context: one database transaction, the user, and their translator."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.client.session.base import Response
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import TelegramMethod
from aiogram.types import TelegramObject
from aiogram.types import User as TgUser
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.inbox import handling as inbox_handling
from bot.storage import update_session
from models.db import has_written, unit_of_work
from services.texts import Translator
from services.users import get_or_create_telegram_user

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]
# aiogram reads every answer as `Response[<returning type>]`; pydantic keeps such generic
# models only weakly, so each garbage collection threw them away and the next answer rebuilt
# its model (milliseconds: about a tenth of the desk's time under load). Held here: once.
_RESPONSE_TYPES: dict[type, Any] = {}


class DbSessionMiddleware(BaseMiddleware):
    """Hands each handler `session`; committed when the handler returns, rolled back on error.
    An update-level middleware ahead of aiogram's FSM one (bot/setup.py), so the
    conversation state is read in the update's own transaction, not in one of its own."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        async with unit_of_work(self.sessions) as session:
            data["session"] = session
            if (current := inbox_handling.get()) is not None:
                current.join(session)  # the update is marked done with what it changed
            token = update_session.set(session)  # FSM writes join this transaction
            try:
                return await handler(event, data)
            finally:
                update_session.reset(token)


class CommitBeforeSend(BaseRequestMiddleware):
    """Told means saved: before the bot says anything during an update, what the update
    changed so far is committed. A rider never reads "done" for a change that a later
    failure rolls back, and whoever reads the database after the answer sees the change.
    Nothing changed, nothing committed: the inbox's done mark then waits for the commit of
    what the update does change (a button's answer or a "noted" comes before the form
    saves its step), so a crash in between leaves the update to be handled again."""

    async def __call__(
        self, make_request: NextRequestMiddlewareType[Any], bot: Bot, method: TelegramMethod[Any]
    ) -> Any:
        kind = type(method)
        if kind not in _RESPONSE_TYPES:
            _RESPONSE_TYPES[kind] = Response[method.__returning__]  # type: ignore
        session = update_session.get()
        if session is not None and session.in_transaction() and has_written(session):
            await session.commit()
        return await make_request(bot, method)


class WaitOutFloodControl(BaseRequestMiddleware):
    """A reply meeting Telegram's flood control (429) waits the `retry_after` it names and is
    sent again, so the rider still gets an answer when notices just went to the same chat.
    Only during an update: the outbox keeps its own retry schedule and must not sleep here."""

    def __init__(self, *, max_wait: float = 5, attempts: int = 5) -> None:
        self.max_wait, self.attempts = max_wait, attempts

    async def __call__(
        self, make_request: NextRequestMiddlewareType[Any], bot: Bot, method: TelegramMethod[Any]
    ) -> Any:
        for attempt in range(1, self.attempts + 1):
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                in_update = update_session.get() is not None
                if not in_update or attempt == self.attempts or exc.retry_after > self.max_wait:
                    raise
                await asyncio.sleep(exc.retry_after)
        raise AssertionError("unreachable")


class UserMiddleware(BaseMiddleware):
    """Answers "who is this" before any handler runs: `user` (our row) and `t` (texts)."""

    def __init__(self, default_language: str) -> None:
        self.default_language = default_language

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        tg_user: TgUser | None = data.get("event_from_user")
        if tg_user is None or tg_user.is_bot:
            return await handler(event, data)
        user = await get_or_create_telegram_user(
            data["session"],
            telegram_id=tg_user.id,
            username=tg_user.username,
            first_name=tg_user.first_name,
            language_code=tg_user.language_code,
            default_language=self.default_language,
        )
        data["user"] = user
        data["t"] = Translator(user.language)
        return await handler(event, data)
