"""/volunteer: a member offers to be an activist in three short steps (why, which groups,
when) and a summary to send. Every step has Back and Cancel, keeps its answers in the FSM
storage (a restart loses nothing), and answers the wrong kind of message with what to
send instead. Nothing is stored as an offer before Send."""

from __future__ import annotations

from typing import Any

from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import explain
from bot.keyboards import done_with
from models import User
from models.activists import GROUPS_MAX, MOTIVATION_MAX
from services.activists import volunteering
from services.activists.volunteering import AVAILABILITY, Offer, clean_text
from services.errors import DomainError, Invalid
from services.texts import Translate


class VolunteerForm(StatesGroup):
    motivation = State()
    groups = State()
    availability = State()
    summary = State()


STEPS = [VolunteerForm.motivation, VolunteerForm.groups, VolunteerForm.availability,
         VolunteerForm.summary]  # fmt: skip
KEYS = ("vol_motivation", "vol_groups", "vol_when")


class VolCb(CallbackData, prefix="vf"):
    act: str  # back, cancel, w (toggle a time), done, send
    val: str = ""


def _nav(kb: InlineKeyboardBuilder, t: Translate) -> None:
    kb.button(text=t("btn.join_back"), callback_data=VolCb(act="back").pack())
    kb.button(text=t("btn.join_cancel"), callback_data=VolCb(act="cancel").pack())


def _times(t: Translate, chosen: list[str]) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for w in AVAILABILITY:
        mark = "✅ " if w in chosen else ""
        kb.button(text=mark + t(f"activists.when.{w}"), callback_data=VolCb(act="w", val=w))
    kb.button(text=t("btn.volunteer_done"), callback_data=VolCb(act="done").pack())
    _nav(kb, t)
    kb.adjust(2, 2, 1, 2)
    return kb.as_markup()


def _when(t: Translate, chosen: list[str]) -> str:
    return ", ".join(t(f"activists.when.{w}") for w in chosen) or "—"


async def _ask(message: Message, state: FSMContext, t: Translate, step: State) -> None:
    await state.set_state(step)
    data = await state.get_data()
    kb = InlineKeyboardBuilder()
    if step == VolunteerForm.motivation:
        _nav(kb, t)
        await message.answer(t("volunteer.ask_motivation"), reply_markup=kb.as_markup())
    elif step == VolunteerForm.groups:
        _nav(kb, t)
        await message.answer(t("volunteer.ask_groups"), reply_markup=kb.as_markup())
    elif step == VolunteerForm.availability:
        markup = _times(t, data.get("vol_when", []))
        await message.answer(t("volunteer.ask_availability"), reply_markup=markup)
    else:
        kb.button(text=t("btn.volunteer_send"), callback_data=VolCb(act="send").pack())
        _nav(kb, t)
        kb.adjust(1, 2)
        body = t(
            "volunteer.summary",
            motivation=data.get("vol_motivation", ""),
            groups=data.get("vol_groups", ""),
            availability=_when(t, data.get("vol_when", [])),
        )
        await message.answer(body, reply_markup=kb.as_markup())


async def _clear(state: FSMContext) -> None:
    data = await state.get_data()
    await state.set_state(None)
    await state.set_data({k: v for k, v in data.items() if k not in KEYS})


async def volunteer_command(
    message: Message, session: AsyncSession, user: User, state: FSMContext, t: Translate
) -> None:
    await volunteering.ensure_can_volunteer(session, user=user)  # explained if not
    current = await state.get_state()
    step = next((s for s in STEPS if s.state == current), None)
    if step is None:
        await message.answer(t("volunteer.intro"))
        step = VolunteerForm.motivation
    await _ask(message, state, t, step)


async def cancel(query: CallbackQuery, state: FSMContext, t: Translate) -> None:
    message = await done_with(query)
    await _clear(state)
    await message.answer(t("volunteer.cancelled"))


async def back(query: CallbackQuery, state: FSMContext, t: Translate) -> None:
    message = await done_with(query)
    current = await state.get_state()
    step = next(s for s in STEPS if s.state == current)
    if step == VolunteerForm.motivation:
        await _clear(state)
        await message.answer(t("volunteer.cancelled"))
        return
    await _ask(message, state, t, STEPS[STEPS.index(step) - 1])


async def _typed(
    message: Message, state: FSMContext, t: Translate, *, key: str, limit: int, empty: str,
    nxt: State,
) -> None:  # fmt: skip
    try:
        value = clean_text(message.text or "", limit=limit, empty=empty,
                           too_long="activist_text_too_long")  # fmt: skip
    except Invalid as err:
        await message.answer(explain(t, err))
        return
    await state.update_data({key: value})
    await _ask(message, state, t, nxt)


async def motivation_typed(message: Message, state: FSMContext, t: Translate) -> None:
    await _typed(message, state, t, key="vol_motivation", limit=MOTIVATION_MAX,
                 empty="activist_motivation_empty", nxt=VolunteerForm.groups)  # fmt: skip


async def groups_typed(message: Message, state: FSMContext, t: Translate) -> None:
    await _typed(message, state, t, key="vol_groups", limit=GROUPS_MAX,
                 empty="activist_groups_empty", nxt=VolunteerForm.availability)  # fmt: skip


async def text_expected(message: Message, t: Translate) -> None:
    await message.answer(t("volunteer.text_expected"))


async def buttons_expected(message: Message, state: FSMContext, t: Translate) -> None:
    await message.answer(t("volunteer.buttons_expected"))
    current = await state.get_state()
    step = next(s for s in STEPS if s.state == current)
    await _ask(message, state, t, step)


async def time_toggled(
    query: CallbackQuery, callback_data: VolCb, state: FSMContext, t: Translate
) -> None:
    if callback_data.val not in AVAILABILITY:
        await query.answer(t("volunteer.buttons_expected"), show_alert=True)
        return
    chosen: list[str] = list((await state.get_data()).get("vol_when", []))
    if callback_data.val in chosen:
        chosen.remove(callback_data.val)
    else:
        chosen.append(callback_data.val)
    await state.update_data(vol_when=chosen)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=_times(t, chosen))


async def times_done(query: CallbackQuery, state: FSMContext, t: Translate) -> None:
    data: dict[str, Any] = await state.get_data()
    if not data.get("vol_when"):
        await query.answer(explain(t, Invalid("activist_availability_missing")), show_alert=True)
        return
    message = await done_with(query)
    await _ask(message, state, t, VolunteerForm.summary)


async def send(
    query: CallbackQuery, session: AsyncSession, user: User, state: FSMContext, t: Translate
) -> None:
    data = await state.get_data()
    offer = Offer(data.get("vol_motivation", ""), data.get("vol_groups", ""),
                  list(data.get("vol_when", [])))  # fmt: skip
    try:
        await volunteering.volunteer(session, user=user, offer=offer)
    except DomainError as err:
        await query.answer(explain(t, err), show_alert=True)
        return
    message = await done_with(query)
    await _clear(state)
    await message.answer(t("volunteer.sent"))


async def stale(query: CallbackQuery, t: Translate) -> None:
    await query.answer(t("membership.stale_form"), show_alert=True)
