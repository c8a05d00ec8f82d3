"""/propose: a member proposes a hot issue for their zone's agenda in four steps — level
(buttons), the issue in one sentence, details (or skip), then submit. Every step answers
wrong input with a sentence saying what to send; Cancel works at every step."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import explain
from models import User
from models.agenda import AgendaLevel
from services.agenda import items
from services.agenda.notices import level_name
from services.errors import DomainError
from services.membership.members import require_member
from services.texts import Translate


class ProposeForm(StatesGroup):
    level = State()
    title = State()
    details = State()
    confirm = State()


class Pp(CallbackData, prefix="pp"):
    act: str  # lvl, skip, submit, cancel
    value: str = ""


def _cancel(kb: InlineKeyboardBuilder, t: Translate) -> None:
    kb.button(text=t("btn.propose_cancel"), callback_data=Pp(act="cancel"))


def _levels(t: Translate) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for level in AgendaLevel:
        kb.button(text=level_name(t.lang, level.value), callback_data=Pp(act="lvl", value=level))
    _cancel(kb, t)
    kb.adjust(3, 1)
    return kb.as_markup()


def _only_cancel(t: Translate, *, skip: bool = False) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    if skip:
        kb.button(text=t("btn.propose_skip"), callback_data=Pp(act="skip"))
    _cancel(kb, t)
    kb.adjust(1)
    return kb.as_markup()


def _confirm(t: Translate) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=t("btn.propose_submit"), callback_data=Pp(act="submit"))
    _cancel(kb, t)
    kb.adjust(2)
    return kb.as_markup()


async def start(message: Message, session: AsyncSession, user: User, t: Translate,
                state: FSMContext) -> None:  # fmt: skip
    try:
        await require_member(session, user=user)
    except DomainError as exc:
        await message.answer(explain(t, exc))
        return
    await state.set_state(ProposeForm.level)
    await state.set_data({})
    await message.answer(t("propose.ask_level"), reply_markup=_levels(t))


async def level_chosen(query: CallbackQuery, callback_data: Pp, t: Translate,
                       state: FSMContext) -> None:  # fmt: skip
    await query.answer()
    if await state.get_state() != ProposeForm.level.state:
        return  # an old button: the form moved on
    level = items.level_of(callback_data.value)
    await state.update_data(level=level.value)
    await state.set_state(ProposeForm.title)
    if isinstance(query.message, Message):
        await query.message.answer(
            t("propose.ask_title", level=level_name(t.lang, level.value), max=items.TITLE_MAX),
            reply_markup=_only_cancel(t),
        )


async def level_expected(message: Message, t: Translate) -> None:
    await message.answer(t("propose.level_expected"), reply_markup=_levels(t))


async def title_given(message: Message, t: Translate, state: FSMContext) -> None:
    try:
        title = items.clean_title(message.text or "")
    except DomainError as exc:
        await message.answer(explain(t, exc), reply_markup=_only_cancel(t))
        return
    await state.update_data(title=title)
    await state.set_state(ProposeForm.details)
    await message.answer(
        t("propose.ask_details", max=items.DETAILS_MAX), reply_markup=_only_cancel(t, skip=True)
    )


async def words_expected(message: Message, t: Translate, state: FSMContext) -> None:
    skip = await state.get_state() == ProposeForm.details.state
    await message.answer(t("propose.words_expected"), reply_markup=_only_cancel(t, skip=skip))


async def details_given(message: Message, t: Translate, state: FSMContext) -> None:
    try:
        details = items.clean_details(message.text or "")
    except DomainError as exc:
        await message.answer(explain(t, exc), reply_markup=_only_cancel(t, skip=True))
        return
    await state.update_data(details=details)
    await _ask_confirm(message, t, state)


async def details_skipped(query: CallbackQuery, t: Translate, state: FSMContext) -> None:
    await query.answer()
    if await state.get_state() != ProposeForm.details.state:
        return
    await state.update_data(details="")
    if isinstance(query.message, Message):
        await _ask_confirm(query.message, t, state)


async def _ask_confirm(message: Message, t: Translate, state: FSMContext) -> None:
    data = await state.get_data()
    await state.set_state(ProposeForm.confirm)
    await message.answer(
        t(
            "propose.confirm", level=level_name(t.lang, data["level"]), title=data["title"],
            details=data.get("details") or t("propose.no_details"),
        ),
        reply_markup=_confirm(t),
    )  # fmt: skip


async def confirm_expected(message: Message, t: Translate) -> None:
    await message.answer(t("propose.confirm_expected"), reply_markup=_confirm(t))


async def submit(query: CallbackQuery, session: AsyncSession, user: User, t: Translate,
                 state: FSMContext) -> None:  # fmt: skip
    if await state.get_state() != ProposeForm.confirm.state:
        await query.answer()
        return
    data = await state.get_data()
    try:
        item = await items.propose(
            session, user=user, level=data["level"], title=data["title"],
            details=data.get("details", ""),
        )  # fmt: skip
    except DomainError as exc:
        await query.answer(explain(t, exc)[:200], show_alert=True)
        return
    await state.clear()
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(
            t("propose.done", id=item.id, level=level_name(t.lang, item.level.value))
        )


async def cancel(query: CallbackQuery, t: Translate, state: FSMContext) -> None:
    await query.answer()
    if await state.get_state() not in {s.state for s in ProposeForm.__states__}:
        return
    await state.clear()
    if isinstance(query.message, Message):
        await query.message.answer(t("propose.cancelled"))


def make_router() -> Router:
    router = Router(name="propose")
    router.message.filter(F.chat.type == "private")
    router.message.register(start, Command("propose"))
    router.callback_query.register(level_chosen, Pp.filter(F.act == "lvl"))
    router.callback_query.register(details_skipped, Pp.filter(F.act == "skip"))
    router.callback_query.register(submit, Pp.filter(F.act == "submit"))
    router.callback_query.register(cancel, Pp.filter(F.act == "cancel"))
    words = F.text & ~F.text.startswith("/")
    not_command = ~F.text.startswith("/")
    router.message.register(level_expected, ProposeForm.level, not_command)
    router.message.register(title_given, ProposeForm.title, words)
    router.message.register(details_given, ProposeForm.details, words)
    router.message.register(
        words_expected, StateFilter(ProposeForm.title, ProposeForm.details), not_command
    )
    router.message.register(confirm_expected, ProposeForm.confirm, not_command)
    return router
