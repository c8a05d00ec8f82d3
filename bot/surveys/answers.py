"""A member answering a survey in chat: a tap on an option (single choice: replaces the
answer; multiple: toggles it), or "Write my answer" and then one text message. Every tap is
answered with what is now recorded, or why nothing was (closed, already chosen)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from sqlalchemy.ext.asyncio import AsyncSession

from bot.common.presses import shown
from bot.errors import explain
from bot.forms import leave
from bot.surveys.callbacks import Sv
from models import User
from models.surveys import TEXT_ANSWER_MAX, SurveyKind
from services.errors import DomainError
from services.local_time import local_time
from services.surveys import answering
from services.texts import Translate


class SurveyText(StatesGroup):
    answer = State()  # waiting for the text answer to the survey in the state's data


async def option_tapped(
    query: CallbackQuery,
    callback_data: Sv,
    t: Translate,
    session: AsyncSession,
    user: User,
    callback_answer: CallbackAnswer,
) -> None:
    try:
        done = await answering.choose_option(session, user=user, option_id=callback_data.id)
    except DomainError as exc:
        callback_answer.text = explain(t, exc)
        callback_answer.show_alert = True
        return
    closes = local_time(done.survey.closes_at)
    if done.survey.kind is SurveyKind.single:
        key = "surveys.chosen" if done.changed else "surveys.already_chosen"
        callback_answer.text = t(key, label=done.choices[0], closes=closes)
        callback_answer.show_alert = not done.changed
    elif not done.choices:
        callback_answer.text = t("surveys.choices_none")
        callback_answer.show_alert = True
    else:
        key = "surveys.choices_now" if done.changed else "surveys.choices_same"
        callback_answer.text = t(key, labels="、".join(done.choices), closes=closes)


async def write_tapped(
    query: CallbackQuery,
    callback_data: Sv,
    t: Translate,
    session: AsyncSession,
    user: User,
    state: FSMContext,
    callback_answer: CallbackAnswer,
) -> None:
    try:
        survey = await answering.survey_for_member(session, survey_id=callback_data.id, user=user)
    except DomainError as exc:
        callback_answer.text = explain(t, exc)
        callback_answer.show_alert = True
        return
    await state.set_state(SurveyText.answer)
    await state.update_data(survey_id=survey.id)
    if (message := shown(query)) is not None:
        await message.answer(
            t("surveys.write_prompt", question=survey.question, limit=TEXT_ANSWER_MAX)
        )


async def text_answer(
    message: Message, t: Translate, session: AsyncSession, user: User, state: FSMContext
) -> None:
    survey_id = int((await state.get_data()).get("survey_id", 0))
    try:
        done = await answering.answer_text(
            session, user=user, survey_id=survey_id, answer=message.text or ""
        )
    except DomainError as exc:
        if exc.code in ("survey_closed", "survey_not_found"):
            await leave(state)
        await message.answer(explain(t, exc))
        return
    await leave(state)
    key = "surveys.text_saved" if done.changed else "surveys.text_same"
    await message.answer(t(key, closes=local_time(done.survey.closes_at)))


async def not_text(message: Message, t: Translate) -> None:
    await message.answer(t("surveys.send_text"))


def register(router: Router) -> None:
    text_not_command = F.text & ~F.text.startswith("/")
    router.message.register(text_answer, StateFilter(SurveyText.answer), text_not_command)
    router.message.register(not_text, StateFilter(SurveyText.answer), ~F.text)
    router.callback_query.register(option_tapped, Sv.filter(F.act == "o"))
    router.callback_query.register(write_tapped, Sv.filter(F.act == "w"))
