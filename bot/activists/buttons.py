"""The representatives' buttons on an offer, and the rider's on a story: each answered from
the services, which decide once and say who was first."""

from __future__ import annotations

import contextlib

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardMarkup
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.activists.callbacks import ActivistCb, StoryCb
from bot.common.presses import shown
from bot.errors import explain
from models import User
from models.activists import ActivistStatus
from services.activists import stories, volunteering
from services.errors import Conflict, Forbidden
from services.membership.applications import can_decide
from services.texts import Translate


async def _drop_buttons(query: CallbackQuery) -> None:
    if (message := shown(query)) is not None:
        with contextlib.suppress(TelegramBadRequest):  # already without buttons
            await message.edit_reply_markup(reply_markup=None)


async def offer_pressed(
    query: CallbackQuery,
    callback_data: ActivistCb,
    session: AsyncSession,
    user: User,
    t: Translate,
    callback_answer: CallbackAnswer,
) -> None:
    """Confirm or decline; the retired card's button says who decided, like a late press."""
    if callback_data.act == "i":
        a = await volunteering.get_offer(session, activist_id=callback_data.id)
        if not await can_decide(session, actor=user, zone_id=a.zone_id):
            raise Forbidden("activist_not_your_zone")
        callback_answer.text = explain(t, await volunteering.decided_already(session, a))
        callback_answer.show_alert = True
        return
    try:
        a = await volunteering.decide(
            session, activist_id=callback_data.id, actor=user, confirm=callback_data.act == "c"
        )
    except Conflict as err:  # somebody else was first: say who, and retire the buttons
        callback_answer.text = explain(t, err)
        callback_answer.show_alert = True
        await _drop_buttons(query)
        return
    done = (
        "activists.card_confirmed"
        if a.status is ActivistStatus.active
        else "activists.card_declined"
    )
    callback_answer.text = t(done, name=user.display_name)


def _withdraw_kb(t: Translate, story_id: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=t("btn.story_withdraw"), callback_data=StoryCb(act="w", id=story_id))
    return kb.as_markup()


async def story_pressed(
    query: CallbackQuery,
    callback_data: StoryCb,
    session: AsyncSession,
    user: User,
    t: Translate,
    callback_answer: CallbackAnswer,
) -> None:
    """The rider's answer: agree or not (a second press is told it was answered); after
    agreeing, a button takes the consent back (the story is then unpublished)."""
    if callback_data.act == "w":
        await stories.withdraw_consent(session, story_id=callback_data.id, rider=user)
        await _drop_buttons(query)
        if (message := shown(query)) is not None:
            await message.answer(t("stories.withdrawn"))
        return
    agree = callback_data.act == "y"
    try:
        await stories.answer_consent(session, story_id=callback_data.id, rider=user, agree=agree)
    except Conflict as err:
        callback_answer.text = explain(t, err)
        callback_answer.show_alert = True
        await _drop_buttons(query)
        return
    await _drop_buttons(query)
    if (message := shown(query)) is not None:
        if agree:
            markup = _withdraw_kb(t, callback_data.id)
            await message.answer(t("stories.agreed"), reply_markup=markup)
        else:
            await message.answer(t("stories.refused"))
