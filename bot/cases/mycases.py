"""/mycases: the rider's cases, and the router of all a rider does from them: a case's card
(mycase_card), adding information or answering a question (mycase_adding), confirming or
reopening, rating the help, withdrawing (mycase_closing)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.types import CallbackQuery, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from app.settings import Settings
from bot.cases.callbacks import MyCaseAction, Rating
from bot.cases.mycase_adding import added, adding_expected, start_adding
from bot.cases.mycase_card import MyCaseForm, new_report_keyboard, open_case
from bot.cases.mycase_closing import (
    ask_rating,
    ask_withdraw,
    comment_expected,
    commented,
    confirm,
    no_comment,
    not_fixed,
    rated,
    withdrawn,
)
from bot.common.presses import answered, shown
from bot.forms import cancel_flow
from models import User
from services.cases import rider_actions
from services.cases.formatting import category_name, local
from services.cases.rider_view import case_view
from services.texts import Raw, Translate


async def list_cases(
    message: Message, session: AsyncSession, user: User, t: Translate, settings: Settings
) -> None:
    mine = await rider_actions.my_cases(session, user=user)
    if not mine:
        await message.answer(t("mycases.none"), reply_markup=new_report_keyboard(t))
        return
    kb = InlineKeyboardBuilder()
    lines = []
    for row in mine:
        case = await case_view(session, case=row, viewer=user)
        lines.append(
            t(
                "mycases.line",
                ref=case.ref,
                category=category_name(t.lang, case.category),
                status=t(f"cases.status.{case.status}"),
                updated=local(case.updated_at, settings.timezone),
            )
        )
        kb.button(text=case.ref, callback_data=MyCaseAction(action="open", case_id=case.id))
    kb.adjust(2)
    await message.answer(
        t("mycases.title", lines=Raw("\n".join(lines))), reply_markup=kb.as_markup()
    )


async def menu_cases(
    query: CallbackQuery, session: AsyncSession, user: User, t: Translate, settings: Settings
) -> None:
    if (message := shown(query)) is not None:
        await list_cases(message, session, user, t, settings)


def make_router() -> Router:
    router = answered(Router(name="mycases"))
    router.message.filter(F.chat.type == "private")
    router.message.register(list_cases, Command("mycases"))
    router.callback_query.register(menu_cases, F.data == "menu:cases")
    router.callback_query.register(no_comment, MyCaseAction.filter(F.action == "no_comment"))
    router.callback_query.register(open_case, MyCaseAction.filter(F.action == "open"))
    router.callback_query.register(start_adding, MyCaseAction.filter(F.action == "add"))
    router.callback_query.register(confirm, MyCaseAction.filter(F.action == "confirm"))
    router.callback_query.register(not_fixed, MyCaseAction.filter(F.action == "reopen"))
    router.callback_query.register(ask_rating, MyCaseAction.filter(F.action == "rate"))
    router.callback_query.register(rated, Rating.filter())
    router.callback_query.register(ask_withdraw, MyCaseAction.filter(F.action == "withdraw"))
    router.callback_query.register(withdrawn, MyCaseAction.filter(F.action == "withdraw_yes"))
    typed = ~F.text.startswith("/")  # words, a photo or a voice note; never a command
    router.message.register(cancel_flow, Command("cancel"), StateFilter(MyCaseForm))
    router.message.register(added, MyCaseForm.adding, typed, F.text | F.photo | F.voice)
    router.message.register(adding_expected, MyCaseForm.adding, typed)
    router.message.register(commented, MyCaseForm.comment, typed, F.text)
    router.message.register(comment_expected, MyCaseForm.comment, typed)
    return router
