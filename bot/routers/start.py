"""/start, /help and /language: the first things every rider sees."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandStart
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.keyboards import language_keyboard
from models import User
from services.texts import Translate, Translator
from services.users import set_language


async def start(message: Message, user: User, t: Translate) -> None:
    await message.answer(t("start.greeting", name=user.display_name or "👋"))


async def help_(message: Message, t: Translate) -> None:
    await message.answer(t("help.text"))


async def choose_language(message: Message, t: Translate) -> None:
    await message.answer(t("language.choose"), reply_markup=language_keyboard(t))


async def language_chosen(query: CallbackQuery, session: AsyncSession, user: User) -> None:
    await set_language(session, user=user, language=str(query.data).split(":", 1)[1])
    done = Translator(user.language)("language.set")
    await query.answer(done)
    if query.message is not None:
        await query.message.answer(done)


def make_router() -> Router:
    router = Router(name="start")
    router.message.register(start, CommandStart())
    router.message.register(help_, Command("help"))
    router.message.register(choose_language, Command("language"))
    router.callback_query.register(language_chosen, F.data.in_({"lang:zh", "lang:en"}))
    return router
