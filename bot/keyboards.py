"""Keyboards shared by several flows. Labels come from the catalogue."""

from __future__ import annotations

from typing import Any, ClassVar

from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.common.presses import shown
from services.texts import Translate


def language_keyboard(t: Translate) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=t("btn.lang_zh"), callback_data="lang:zh")
    kb.button(text=t("btn.lang_en"), callback_data="lang:en")
    return kb.as_markup()


def join_offer_keyboard(t: Translate) -> InlineKeyboardMarkup:
    """Offered when a non-member tries a member-only action; starts the join flow."""
    kb = InlineKeyboardBuilder()
    kb.button(text=t("btn.join"), callback_data="menu:join")
    return kb.as_markup()


async def done_with(query: CallbackQuery) -> Message | None:
    """Takes the buttons off the question just answered, so it cannot be pressed again, and
    gives its message (None when Telegram no longer gives it). The press itself is answered
    by the router's middleware (bot/common/presses.py)."""
    message = shown(query)
    if message is not None:
        await message.edit_reply_markup(reply_markup=None)
    return message


class OldActionWords:
    """For callback data whose `action` once was a letter ("o", "dr"): buttons sent before the
    rename are still read, as the word (`OLD_ACTIONS` maps letter to word). Put it before
    `CallbackData` among the bases."""

    OLD_ACTIONS: ClassVar[dict[str, str]] = {}

    @classmethod
    def unpack(cls, value: str) -> Any:
        pressed = super().unpack(value)  # type: ignore[misc]
        word = cls.OLD_ACTIONS.get(pressed.action)
        return pressed.model_copy(update={"action": word}) if word else pressed
