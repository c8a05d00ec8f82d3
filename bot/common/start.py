"""/start, /help and /language: the first things every rider sees.

/start shows the main menu; `/start ref_<code>` (a representative's invite link) also notes
the referrer for the join form, before any personal data is asked for."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from sqlalchemy.ext.asyncio import AsyncSession

from bot.common.presses import answered, shown
from bot.errors import explain
from bot.keyboards import language_keyboard
from bot.menu import main_menu
from models import User
from services.cases.access import is_staff
from services.errors import NotFound
from services.escalation.overview import WATCHERS
from services.membership.members import find_referrer
from services.texts import Translate, Translator
from services.users import set_language


async def start(
    message: Message,
    user: User,
    t: Translate,
    session: AsyncSession,
    state: FSMContext,
    command: CommandObject,
) -> None:
    if command.args and command.args.startswith("ref_"):
        try:
            referrer = await find_referrer(session, code=command.args)
        except NotFound as err:
            await message.answer(explain(t, err))
        else:
            await state.update_data(ref_id=referrer.id, ref_name=referrer.display_name)
            await message.answer(t("membership.referral_noted", name=referrer.display_name))
    await message.answer(
        t("start.greeting", name=user.display_name or "👋"),
        reply_markup=await main_menu(session, user=user, t=t),
    )


async def show_menu(query: CallbackQuery, session: AsyncSession, user: User, t: Translate) -> None:
    if (message := shown(query)) is not None:
        await message.answer(
            t("membership.menu_title"), reply_markup=await main_menu(session, user=user, t=t)
        )


async def menu_command(message: Message, session: AsyncSession, user: User, t: Translate) -> None:
    menu = await main_menu(session, user=user, t=t)
    await message.answer(t("membership.menu_title"), reply_markup=menu)


async def help_(message: Message, user: User, t: Translate) -> None:
    """What is true for this person: riders' commands, and the staff's by role."""
    parts = [t("help.rider")]
    if is_staff(user):
        parts.append(t("help.staff"))
    if user.role in WATCHERS:
        parts.append(t("help.senior"))
    await message.answer("\n\n".join(parts))


async def choose_language(message: Message, t: Translate) -> None:
    await message.answer(t("language.choose"), reply_markup=language_keyboard(t))


async def language_chosen(
    query: CallbackQuery, session: AsyncSession, user: User, callback_answer: CallbackAnswer
) -> None:
    await set_language(session, user=user, language=str(query.data).split(":", 1)[1])
    done = callback_answer.text = Translator(user.language)("language.set")
    if (message := shown(query)) is not None:
        await message.answer(done)


def make_router() -> Router:
    router = answered(Router(name="start"))
    router.message.register(start, CommandStart())
    router.message.register(help_, Command("help"))
    router.message.register(menu_command, Command("menu"))
    router.callback_query.register(show_menu, F.data == "menu:main")
    router.message.register(choose_language, Command("language"))
    router.callback_query.register(language_chosen, F.data.in_({"lang:zh", "lang:en"}))
    return router
