"""The rider's claim form (`/claim`): starting or resuming it, Back and Cancel, one handler
per answer, and a sentence for each wrong kind of message. Evidence steps are in
evidence.py, the summary's Submit in submit.py."""

from __future__ import annotations

from datetime import date

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from app.settings import Settings
from bot.claims.asking import ask, ask_next
from bot.claims.buttons import ClaimFormButton
from bot.claims.draft import STEPS, ClaimFormSteps, FiledClaimSteps, answers, drop, note
from bot.keyboards import answered, done_with, join_offer_keyboard
from models import User
from models.claims import CounterpartyKind, Disclosure, WorkRelation
from services.claims import rules
from services.claims.dates import parse_date
from services.claims.money import parse_amount, yuan
from services.local_time import local_today
from services.membership.members import active_membership
from services.texts import Translate

S = ClaimFormSteps


async def start(
    message: Message, user: User, state: FSMContext, session: AsyncSession, t: Translate
) -> None:
    """A new claim, or the half-filled one where the rider left it."""
    assert user.id is not None
    if await active_membership(session, user_id=user.id) is None:
        await message.answer(t("claims.not_member"), reply_markup=join_offer_keyboard(t))
        return
    current = await state.get_state()
    step = next((s for s in [*STEPS, S.evidence_item] if s.state == current), None)
    if step is not None:
        await message.answer(t("claims.resume"))
        await ask(message, state, t, S.evidence if step == S.evidence_item else step)
        return
    await state.update_data(wf={})
    await ask(message, state, t, S.cp_kind, t("claims.intro"))


async def claim_pressed(
    query: CallbackQuery, user: User, state: FSMContext, session: AsyncSession, t: Translate
) -> None:
    await start(await answered(query), user, state, session, t)


async def cancel(query: CallbackQuery, state: FSMContext, t: Translate) -> None:
    message = await done_with(query)
    await drop(state)
    await message.answer(t("claims.cancelled"))


async def back(query: CallbackQuery, state: FSMContext, t: Translate) -> None:
    message = await done_with(query)
    current = await state.get_state()
    if current == S.evidence_item.state:
        await ask(message, state, t, S.evidence)
        return
    step = next(s for s in STEPS if s.state == current)
    if step == STEPS[0]:
        await drop(state)
        await message.answer(t("claims.cancelled"))
        return
    prev = STEPS[STEPS.index(step) - 1]
    if prev == S.ended and (await answers(state)).get("work") == "ongoing":
        prev = S.work
    await ask(message, state, t, prev)


# --- the answers ---------------------------------------------------------------------------


async def cp_kind_picked(
    query: CallbackQuery, callback_data: ClaimFormButton, state: FSMContext, t: Translate
) -> None:
    CounterpartyKind(callback_data.value)
    message = await done_with(query)
    await note(state, cp_kind=callback_data.value)
    await ask_next(message, state, t, S.cp_kind)


async def cp_name_given(message: Message, state: FSMContext, t: Translate) -> None:
    await note(state, cp_name=rules.clean_counterparty(message.text or ""))
    await ask_next(message, state, t, S.cp_name)


async def relation_picked(
    query: CallbackQuery, callback_data: ClaimFormButton, state: FSMContext, t: Translate
) -> None:
    relation = WorkRelation(callback_data.value).value
    message = await done_with(query)
    if (await answers(state)).get("relation") != relation:
        # another checklist: evidence sent for the old one goes
        await note(state, relation=relation, evidence=[], skipped=[])
    await ask_next(message, state, t, S.relation, t(f"claims.rel_means.{relation}"))


async def amount_given(
    message: Message, state: FSMContext, t: Translate, settings: Settings
) -> None:
    fen = parse_amount(message.text or "", cap_fen=settings.claim_amount_cap_fen)
    await note(state, amount=fen)
    await ask_next(message, state, t, S.amount, t("claims.amount_noted", amount=yuan(fen)))


async def start_given(message: Message, state: FSMContext, t: Translate) -> None:
    day = parse_date(message.text or "", today=local_today())
    await note(state, start=day.isoformat())
    await ask_next(message, state, t, S.start)


async def _end_ok(message: Message, state: FSMContext, t: Translate, end: date) -> None:
    rules.check_period(date.fromisoformat((await answers(state))["start"]), end)
    await note(state, end=end.isoformat())
    await ask_next(message, state, t, S.end)


async def end_given(message: Message, state: FSMContext, t: Translate) -> None:
    await _end_ok(message, state, t, parse_date(message.text or "", today=local_today()))


async def end_same_day(query: CallbackQuery, state: FSMContext, t: Translate) -> None:
    message = await done_with(query)
    await _end_ok(message, state, t, date.fromisoformat((await answers(state))["start"]))


async def orders_given(message: Message, state: FSMContext, t: Translate) -> None:
    await note(state, orders=rules.clean_orders(message.text or ""))
    await ask_next(message, state, t, S.orders)


async def orders_skipped(query: CallbackQuery, state: FSMContext, t: Translate) -> None:
    message = await done_with(query)
    await note(state, orders="")
    await ask_next(message, state, t, S.orders)


async def work_picked(
    query: CallbackQuery, callback_data: ClaimFormButton, state: FSMContext, t: Translate
) -> None:
    work = callback_data.value
    if work not in ("ongoing", "ended"):
        await query.answer(t("fallback.stale_button"), show_alert=True)
        return
    message = await done_with(query)
    await note(state, work=work, **({"ended": None} if work == "ongoing" else {}))
    await ask_next(message, state, t, S.work)


async def ended_given(message: Message, state: FSMContext, t: Translate) -> None:
    day = parse_date(message.text or "", today=local_today())
    rules.check_work_end(day, period_start=date.fromisoformat((await answers(state))["start"]))
    await note(state, ended=day.isoformat())
    await ask_next(message, state, t, S.ended)


async def knew_given(message: Message, state: FSMContext, t: Translate) -> None:
    day = parse_date(message.text or "", today=local_today())
    await note(state, knew=day.isoformat())
    await ask_next(message, state, t, S.knew, t("claims.rule"))


async def disclosure_picked(
    query: CallbackQuery, callback_data: ClaimFormButton, state: FSMContext, t: Translate
) -> None:
    disclosure = Disclosure(callback_data.value).value
    message = await done_with(query)
    await note(state, disclosure=disclosure)
    await ask_next(message, state, t, S.disclosure)


# --- the wrong kind of message -------------------------------------------------------------


async def expect_buttons(message: Message, t: Translate) -> None:
    await message.answer(t("claims.expect_buttons"))


async def expect_text(message: Message, t: Translate) -> None:
    await message.answer(t("claims.expect_text"))


async def expect_date(message: Message, t: Translate) -> None:
    await message.answer(t("claims.expect_date"))


async def expect_amount(message: Message, t: Translate) -> None:
    await message.answer(t("claims.expect_amount"))


def register(router: Router) -> None:
    m, c = router.message.register, router.callback_query.register
    typed = F.text & ~F.text.startswith("/")
    button = ClaimFormButton.filter
    m(start, Command("claim"))
    c(claim_pressed, F.data == "menu:claim")
    in_form = StateFilter(*STEPS, S.evidence_item)
    c(cancel, button(F.action == "cancel"), in_form)
    c(back, button(F.action == "back"), in_form)
    c(cp_kind_picked, button(F.action == "counterparty_kind"), S.cp_kind)
    m(cp_name_given, S.cp_name, typed)
    c(relation_picked, button(F.action == "relation"), S.relation)
    m(amount_given, S.amount, typed)
    m(start_given, S.start, typed)
    m(end_given, S.end, typed)
    c(end_same_day, button(F.action == "same_day"), S.end)
    m(orders_given, S.orders, typed)
    c(orders_skipped, button(F.action == "no_orders"), S.orders)
    c(work_picked, button(F.action == "work"), S.work)
    m(ended_given, S.ended, typed)
    m(knew_given, S.knew, typed)
    c(disclosure_picked, button(F.action == "disclosure"), S.disclosure)


def register_wrong_input(router: Router) -> None:
    """After every step's own handlers (the filed claim's too): what to send instead."""
    m = router.message.register
    not_a_command = ~F.text.startswith("/")
    W = FiledClaimSteps
    dates = StateFilter(S.start, S.end, S.ended, S.knew, W.recovery_date, W.restart_date)
    m(expect_date, dates, not_a_command)
    m(expect_amount, StateFilter(S.amount, W.recovery_amount), not_a_command)
    m(expect_text, StateFilter(S.cp_name, S.orders), not_a_command)
    m(expect_buttons, StateFilter(
        S.cp_kind, S.relation, S.work, S.evidence, S.disclosure, S.summary, W.evidence,
    ), not_a_command)  # fmt: skip
