"""/settings: union notices on or off (surveys a member is asked and news of their own cases
always come), and the language (the /language buttons)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.common.presses import shown
from bot.surveys.callbacks import Sv
from models import User
from services.surveys import settings
from services.texts import Translate


def _view(t: Translate, muted: bool) -> tuple[str, InlineKeyboardMarkup]:
    kb = InlineKeyboardBuilder()
    if muted:
        kb.button(text=t("btn.settings_unmute"), callback_data=Sv(act="m", id=0))
    else:
        kb.button(text=t("btn.settings_mute"), callback_data=Sv(act="m", id=1))
    kb.button(text=t("btn.lang_zh"), callback_data="lang:zh")
    kb.button(text=t("btn.lang_en"), callback_data="lang:en")
    kb.adjust(1, 2)
    state = t("settings.notices_off" if muted else "settings.notices_on")
    return t("settings.show", notices=state), kb.as_markup()


async def show_settings(message: Message, t: Translate, session: AsyncSession, user: User) -> None:
    found = await settings.settings_of(session, user=user)
    body, kb = _view(t, found.notices_muted)
    await message.answer(body, reply_markup=kb)


async def mute_tapped(
    query: CallbackQuery,
    callback_data: Sv,
    t: Translate,
    session: AsyncSession,
    user: User,
    callback_answer: CallbackAnswer,
) -> None:
    muted = callback_data.id == 1
    await settings.mute_notices(session, user=user, muted=muted)
    callback_answer.text = t("settings.muted" if muted else "settings.unmuted")
    if (message := shown(query)) is not None:
        body, kb = _view(t, muted)
        await message.edit_text(body, reply_markup=kb)


def register(router: Router) -> None:
    router.message.register(show_settings, Command("settings"), F.chat.type == "private")
    router.callback_query.register(mute_tapped, Sv.filter(F.act == "m"))
