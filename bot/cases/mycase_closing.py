"""How a case ends on the rider's side, from its card (/mycases): confirming it fixed or saying it
is not, rating the help (with a comment or none), withdrawing it."""

from __future__ import annotations

import contextlib

from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cases.callbacks import MyCaseAction, Rating
from bot.cases.mycase_card import MyCaseForm, new_report_keyboard, outdated
from bot.common.presses import shown
from bot.errors import explain
from bot.forms import leave
from models import CaseStatus, User
from services.cases import rider_actions
from services.cases import withdraw as case_withdraw
from services.cases.states import OPEN
from services.errors import Conflict
from services.texts import Translate

S = CaseStatus


def _stars_keyboard(case_id: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for n in range(1, 6):
        kb.button(text="⭐" * n, callback_data=Rating(case_id=case_id, stars=n))
    kb.adjust(1)
    return kb.as_markup()


async def confirm(
    query: CallbackQuery,
    callback_data: MyCaseAction,
    session: AsyncSession,
    user: User,
    t: Translate,
    callback_answer: CallbackAnswer,
) -> None:
    try:
        case = await rider_actions.confirm_resolved(
            session, case_id=callback_data.case_id, user=user
        )
    except Conflict as exc:
        if exc.code != "not_resolved_yet":
            raise
        await outdated(query, session, user, t, callback_data.case_id, callback_answer)
        return
    if (message := shown(query)) is not None:
        await message.answer(
            t("mycases.confirmed", ref=case.ref),
            reply_markup=_stars_keyboard(case.id),  # type: ignore[arg-type]
        )


async def not_fixed(
    query: CallbackQuery,
    callback_data: MyCaseAction,
    session: AsyncSession,
    user: User,
    t: Translate,
    callback_answer: CallbackAnswer,
) -> None:
    try:
        case = await rider_actions.reopen(session, case_id=callback_data.case_id, user=user)
    except Conflict as exc:
        if exc.code in ("not_resolved_yet", "case_closed"):
            await outdated(query, session, user, t, callback_data.case_id, callback_answer)
            return
        if exc.code != "reopen_expired":
            raise
        if (message := shown(query)) is not None:
            await message.answer(
                t(f"error.{exc.code}", **exc.params), reply_markup=new_report_keyboard(t)
            )
        return
    if (message := shown(query)) is not None:
        await message.answer(t("mycases.reopened", ref=case.ref))


async def ask_rating(query: CallbackQuery, callback_data: MyCaseAction, t: Translate) -> None:
    if (message := shown(query)) is not None:
        await message.answer(t("mycases.rate"), reply_markup=_stars_keyboard(callback_data.case_id))


async def rated(
    query: CallbackQuery,
    callback_data: Rating,
    session: AsyncSession,
    user: User,
    t: Translate,
    state: FSMContext,
    callback_answer: CallbackAnswer,
) -> None:
    try:
        await rider_actions.rate(
            session, case_id=callback_data.case_id, user=user, stars=callback_data.stars
        )
    except Conflict as exc:
        if exc.code != "already_rated":
            raise
        # Stars from before: the rating stands; the old stars go away.
        if (message := shown(query)) is not None:
            with contextlib.suppress(TelegramBadRequest):
                await message.edit_reply_markup(reply_markup=None)
        callback_answer.text, callback_answer.show_alert = explain(t, exc), True
        return
    await state.set_state(MyCaseForm.comment)
    await state.update_data(case_id=callback_data.case_id)
    if (message := shown(query)) is not None:
        kb = InlineKeyboardBuilder()
        no_comment = MyCaseAction(action="no_comment", case_id=callback_data.case_id)
        kb.button(text=t("btn.no_comment"), callback_data=no_comment)
        await message.answer(
            t("mycases.rated", stars="⭐" * callback_data.stars), reply_markup=kb.as_markup()
        )


async def commented(
    message: Message, session: AsyncSession, user: User, t: Translate, state: FSMContext
) -> None:
    case_id = int((await state.get_data())["case_id"])
    await leave(state)
    await rider_actions.comment_rating(
        session, case_id=case_id, user=user, comment=message.text or ""
    )
    await message.answer(t("mycases.thanks"))


async def no_comment(
    query: CallbackQuery, t: Translate, state: FSMContext, callback_answer: CallbackAnswer
) -> None:
    await leave(state)
    callback_answer.text = t("mycases.thanks")


async def comment_expected(message: Message, t: Translate) -> None:
    await message.answer(t("mycases.comment_expected"))


async def ask_withdraw(
    query: CallbackQuery,
    callback_data: MyCaseAction,
    session: AsyncSession,
    user: User,
    t: Translate,
    callback_answer: CallbackAnswer,
) -> None:
    case = await rider_actions.rider_view(session, case_id=callback_data.case_id, user=user)
    if case.status not in OPEN:
        await outdated(query, session, user, t, callback_data.case_id, callback_answer)
        return
    if (message := shown(query)) is not None:
        kb = InlineKeyboardBuilder()
        yes = MyCaseAction(action="withdraw_yes", case_id=case.id)
        kb.button(text=t("btn.case_withdraw_yes"), callback_data=yes)
        back = MyCaseAction(action="open", case_id=case.id)
        kb.button(text=t("btn.case_withdraw_no"), callback_data=back)
        kb.adjust(1)
        answered = case.status is not S.new or case.first_response_at is not None
        key = "mycases.withdraw_ask_rep" if answered else "mycases.withdraw_confirm"
        await message.answer(t(key, ref=case.ref), reply_markup=kb.as_markup())


async def withdrawn(
    query: CallbackQuery,
    callback_data: MyCaseAction,
    session: AsyncSession,
    user: User,
    t: Translate,
    callback_answer: CallbackAnswer,
) -> None:
    try:
        done = await case_withdraw.withdraw(session, case_id=callback_data.case_id, user=user)
    except Conflict as exc:
        if exc.code != "case_closed":
            raise
        await outdated(query, session, user, t, callback_data.case_id, callback_answer)
        return
    if (message := shown(query)) is not None:
        with contextlib.suppress(TelegramBadRequest):
            await message.edit_reply_markup(reply_markup=None)
        key = "mycases.withdrawn" if done.closed else "mycases.withdraw_asked"
        await message.answer(t(key, ref=done.case.ref))
