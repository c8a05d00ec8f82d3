"""Ask the union: a message outside any form is offered to the zone's representatives.

The rider decides: send it as a question (named or anonymous), add it to one of their open
cases, or not send it. Until they decide, more messages are added to the same question, as
people often write in several short messages."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message, TelegramObject
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from app.settings import Settings
from bot.cases.callbacks import AskChoice, MyCaseAction
from bot.common.presses import answered, shown
from bot.errors import explain
from models import Case, User
from services.cases import questions, rider_actions
from services.cases.access import is_staff
from services.cases.formatting import category_name, excerpt, local
from services.errors import Invalid
from services.texts import Translate


class AskForm(StatesGroup):
    pending = State()  # a question written, not yet sent or dropped


def _offer_keyboard(t: Translate, open_cases: list[Case]) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=t("btn.ask_send"), callback_data=AskChoice(action="send", value=0))
    kb.button(text=t("btn.ask_send_anonymous"), callback_data=AskChoice(action="send", value=1))
    for case in open_cases:
        label = t(
            "btn.ask_add_to_case", ref=case.ref, category=category_name(t.lang, case.category)
        )
        kb.button(text=label, callback_data=AskChoice(action="case", value=case.id or 0))
    kb.button(text=t("btn.ask_drop"), callback_data=AskChoice(action="drop"))
    kb.adjust(1)
    return kb.as_markup()


async def _take_question(state: FSMContext) -> str:
    """The pending question, forgotten from the chat's state. Only its own key: the rest of
    the data (a referral noted by /start) stays."""
    data = await state.get_data()
    body = str(data.pop("question", ""))
    await state.set_state(None)
    await state.set_data(data)
    return body


async def offer(
    message: Message, session: AsyncSession, user: User, t: Translate, state: FSMContext
) -> None:
    """A message outside any form: keep it and ask where it should go."""
    if is_staff(user):  # representatives answer questions; theirs go to their colleagues
        await message.answer(t("ask.staff_hint"))
        return
    pending = await state.get_state() == AskForm.pending.state
    before = str((await state.get_data()).get("question", "")) if pending else ""
    body = f"{before}\n{message.text}" if before else str(message.text)
    try:
        body = questions.check_question(body)
    except Invalid as exc:
        # Too long: what was kept before stays kept; the rider hears the limit.
        await message.answer(explain(t, exc))
        return
    await state.set_state(AskForm.pending)
    await state.update_data(question=body)
    mine = await questions.open_cases(session, user=user)
    key = "ask.offer_more" if before else "ask.offer"
    await message.answer(t(key, question=excerpt(body, 600)), reply_markup=_offer_keyboard(t, mine))


async def media(message: Message, session: AsyncSession, user: User, t: Translate) -> None:
    """A photo or voice note outside any form: it belongs in a case, so say where it goes
    (a button per open case to add it there, /report for a new problem, words for a
    question); a question already pending stays pending."""
    if is_staff(user):
        await message.answer(t("ask.staff_hint"))
        return
    mine = await questions.open_cases(session, user=user)
    if not mine:
        await message.answer(t("ask.media_no_case"))
        return
    kb = InlineKeyboardBuilder()
    for case in mine:
        label = t(
            "btn.ask_add_to_case", ref=case.ref, category=category_name(t.lang, case.category)
        )
        kb.button(text=label, callback_data=MyCaseAction(action="add", case_id=case.id or 0))
    kb.adjust(1)
    await message.answer(t("ask.media_to_case"), reply_markup=kb.as_markup())


async def send(
    query: CallbackQuery,
    callback_data: AskChoice,
    session: AsyncSession,
    user: User,
    t: Translate,
    state: FSMContext,
    settings: Settings,
) -> None:
    body = await _take_question(state)
    case = await questions.ask_union(
        session,
        user=user,
        question=body,
        anonymous=bool(callback_data.value),
        tz=settings.timezone,
    )
    if (message := shown(query)) is not None:
        await message.edit_reply_markup(reply_markup=None)
        await message.answer(
            t("ask.sent", ref=case.ref, due=local(case.first_response_due_at, settings.timezone))
        )


async def add_to_case(
    query: CallbackQuery,
    callback_data: AskChoice,
    session: AsyncSession,
    user: User,
    t: Translate,
    state: FSMContext,
) -> None:
    body = await _take_question(state)
    case = await rider_actions.add_info(session, case_id=callback_data.value, user=user, text_=body)
    if (message := shown(query)) is not None:
        await message.edit_reply_markup(reply_markup=None)
        await message.answer(t("ask.added", ref=case.ref))


async def drop(query: CallbackQuery, t: Translate, state: FSMContext) -> None:
    await _take_question(state)
    if (message := shown(query)) is not None:
        await message.edit_reply_markup(reply_markup=None)
        await message.answer(t("ask.dropped"))


async def decided_already(
    query: CallbackQuery, t: Translate, callback_answer: CallbackAnswer
) -> None:
    """A button of an offer that was sent, added or dropped already (or replaced)."""
    callback_answer.text, callback_answer.show_alert = t("ask.decided_already"), True


class PendingQuestionGuard(BaseMiddleware):
    """A command while a question waits for its decision: the command's flow takes the chat,
    so the question is not sent; the rider hears so, with their words to send again later,
    instead of it vanishing. (A dispatcher outer middleware: the command's router, not this
    one, handles the message.)"""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        state: FSMContext | None = data.get("state")
        t: Translate | None = data.get("t")
        if (
            isinstance(event, Message)
            and (event.text or "").startswith("/")
            and state is not None
            and t is not None
            and data.get("raw_state") == AskForm.pending.state
        ):
            body = await _take_question(state)
            data["raw_state"] = None
            if body:
                await event.answer(t("ask.not_sent", question=excerpt(body, 600)))
        return await handler(event, data)


def make_router() -> Router:
    router = answered(Router(name="ask"))
    # Words, photos and voice notes in a private chat; a command is for its own router.
    router.message.filter(F.chat.type == "private", ~F.text.startswith("/"))
    router.message.register(offer, StateFilter(None, AskForm.pending), F.text)
    router.message.register(media, StateFilter(None, AskForm.pending), F.photo | F.voice)
    cb = router.callback_query.register
    cb(send, AskForm.pending, AskChoice.filter(F.action == "send"))
    cb(add_to_case, AskForm.pending, AskChoice.filter(F.action == "case"))
    cb(drop, AskForm.pending, AskChoice.filter(F.action == "drop"))
    cb(decided_already, AskChoice.filter())
    return router
