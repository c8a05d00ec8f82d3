"""Keyboards shared by several flows. Labels come from the catalogue."""

from __future__ import annotations

from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

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


async def done_with(query: CallbackQuery) -> Message:
    """Answers the press and takes the buttons off the question just answered, so it cannot
    be pressed again."""
    await query.answer()
    assert isinstance(query.message, Message)
    await query.message.edit_reply_markup(reply_markup=None)
    return query.message
