"""Last in the router list: anything no flow took gets a helpful answer, never silence."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot.common.presses import answered
from services.texts import Translate


async def unknown_command(message: Message, t: Translate) -> None:
    command = (message.text or "").split()[0]
    await message.answer(t("fallback.unknown_command", command=command))


async def unknown_text(message: Message, t: Translate) -> None:
    await message.answer(t("fallback.unknown_text"))


async def unknown_content(message: Message, t: Translate) -> None:
    await message.answer(t("fallback.unknown_content"))


async def stale_button(query: CallbackQuery, t: Translate, callback_answer: CallbackAnswer) -> None:
    callback_answer.text, callback_answer.show_alert = t("fallback.stale_button"), True


def make_router() -> Router:
    router = answered(Router(name="fallback"))
    # In groups the bot only speaks when spoken to by a command it knows.
    router.message.filter(F.chat.type == "private")
    router.message.register(unknown_command, F.text.startswith("/"))
    router.message.register(unknown_text, F.text)
    router.message.register(unknown_content)
    router.callback_query.register(stale_button)
    return router
