"""Button presses: each is answered once, by aiogram's CallbackAnswerMiddleware.

A handler that has something to say sets it on the `callback_answer` it is given
(`callback_answer.text = ...`); otherwise the press is answered empty after the handler.
A handler that fails leaves the answer to the error handler (bot/setup.py), which shows the
refusal's sentence: an empty answer first would silence it. Routers that hold no engine form
(the engine registers its own) call `answered(router)`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Router
from aiogram.dispatcher.flags import get_flag
from aiogram.types import CallbackQuery, Message, TelegramObject
from aiogram.utils.callback_answer import CallbackAnswerMiddleware


class AnswerPresses(CallbackAnswerMiddleware):
    """CallbackAnswerMiddleware that answers only a press its handler went through."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if not isinstance(event, CallbackQuery):
            return await handler(event, data)
        answer = data["callback_answer"] = self.construct_callback_answer(
            properties=get_flag(data, "callback_answer")
        )
        if not answer.disabled and answer.answered:  # pre=True: answered before
            await self.answer(event, answer)
        result = await handler(event, data)
        if not answer.disabled and not answer.answered:
            await self.answer(event, answer)
        return result


def answered(router: Router) -> Router:
    """The router, its presses answered by AnswerPresses."""
    router.callback_query.middleware(AnswerPresses())
    return router


def shown(query: CallbackQuery) -> Message | None:
    """The message the pressed button is on; None when Telegram no longer gives it (too old)."""
    return query.message if isinstance(query.message, Message) else None
