"""The join form in chat (`/join`): starting or resuming it, Back and Cancel, one handler per
answer, the summary's edits and Submit, and a sentence for each wrong kind of message."""

from __future__ import annotations

import contextlib

from aiogram import F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove
from sqlalchemy.ext.asyncio import AsyncSession

from bot.confirmation import confirm_submit
from bot.errors import explain
from bot.keyboards import answered, done_with
from bot.membership.buttons import JoinButton
from bot.membership.join_steps import (
    EDITABLE,
    MULTI,
    STEPS,
    JoinForm,
    advance,
    ask,
    clear_form,
    options,
    phone_keyboard,
    zone_keyboard,
)
from bot.menu import menu_button
from models import User
from services.errors import NotFound
from services.membership import applications as membership_applications
from services.membership import members
from services.texts import Translate


async def start_join(
    message: Message, user: User, state: FSMContext, session: AsyncSession, t: Translate
) -> None:
    await members.ensure_can_apply(session, user=user)
    current = await state.get_state()
    step = next((s for s in STEPS if s.state == current), None)
    if step is not None:
        await message.answer(t("membership.resume"))
        await ask(message, state, session, t, step)
        return
    await ask(message, state, session, t, JoinForm.consent)


async def join_pressed(
    query: CallbackQuery, user: User, state: FSMContext, session: AsyncSession, t: Translate
) -> None:
    await start_join(await answered(query), user, state, session, t)


async def cancel(query: CallbackQuery, state: FSMContext, t: Translate) -> None:
    message = await done_with(query)
    await clear_form(state)
    await message.answer(t("membership.cancelled"), reply_markup=ReplyKeyboardRemove())


async def back(
    query: CallbackQuery, state: FSMContext, session: AsyncSession, t: Translate
) -> None:
    message = await done_with(query)
    current = await state.get_state()
    step = next(s for s in STEPS if s.state == current)
    await state.update_data(edit=False)
    if step == JoinForm.zone:  # the location button goes with the step
        await message.answer(t("membership.going_back"), reply_markup=ReplyKeyboardRemove())
    if step == JoinForm.consent:
        await clear_form(state)
        await message.answer(t("membership.cancelled"))
        return
    await ask(message, state, session, t, STEPS[STEPS.index(step) - 1])


# --- the answers -----------------------------------------------------------------------


async def consent_given(
    query: CallbackQuery, state: FSMContext, session: AsyncSession, t: Translate
) -> None:
    await ask(await done_with(query), state, session, t, JoinForm.name)


async def name_given(
    message: Message, state: FSMContext, session: AsyncSession, t: Translate
) -> None:
    await state.update_data(name=members.clean_name(message.text or ""))
    await advance(message, state, session, t, JoinForm.name)


async def _phone_ok(
    message: Message, user: User, state: FSMContext, session: AsyncSession, t: Translate, raw: str
) -> None:
    phone = members.normalise_phone(raw)
    await members.ensure_phone_free(session, phone=phone, user=user)
    await state.update_data(phone=phone)
    await message.answer(t("membership.phone_saved"), reply_markup=ReplyKeyboardRemove())
    await advance(message, state, session, t, JoinForm.phone)


async def contact_given(
    message: Message, user: User, state: FSMContext, session: AsyncSession, t: Translate
) -> None:
    contact = message.contact
    assert contact is not None and message.from_user is not None
    if contact.user_id != message.from_user.id:
        await message.answer(t("membership.contact_not_yours"))
        return
    await _phone_ok(message, user, state, session, t, contact.phone_number)


async def phone_typed(
    message: Message, user: User, state: FSMContext, session: AsyncSession, t: Translate
) -> None:
    typed = message.text or ""
    if typed == t("btn.join_cancel"):  # the reply keyboard's Back and Cancel come as text
        await clear_form(state)
        await message.answer(t("membership.cancelled"), reply_markup=ReplyKeyboardRemove())
        return
    if typed == t("btn.join_back"):
        await message.answer(t("membership.going_back"), reply_markup=ReplyKeyboardRemove())
        await ask(message, state, session, t, JoinForm.name)
        return
    await _phone_ok(message, user, state, session, t, typed)


async def toggled(
    query: CallbackQuery, callback_data: JoinButton, state: FSMContext, t: Translate
) -> None:
    """A platform or a kind of work ticked or unticked, on the same message."""
    key = "platforms" if callback_data.action == "platform" else "kinds"
    prefix, allowed, action = MULTI[key]
    if callback_data.value not in allowed:
        await query.answer(t("fallback.stale_button"), show_alert=True)
        return
    chosen = list((await state.get_data()).get(key, []))
    value = callback_data.value
    chosen.remove(value) if value in chosen else chosen.append(value)
    await state.update_data(**{key: chosen})
    message = await answered(query)
    await message.edit_reply_markup(reply_markup=options(t, prefix, action, allowed, chosen))


async def choices_done(
    query: CallbackQuery,
    callback_data: JoinButton,
    state: FSMContext,
    session: AsyncSession,
    t: Translate,
) -> None:
    key = "platforms" if callback_data.action == "platforms_done" else "kinds"
    if not (await state.get_data()).get(key):
        await query.answer(t("membership.pick_one"), show_alert=True)
        return
    step = JoinForm.platforms if key == "platforms" else JoinForm.kinds
    await advance(await done_with(query), state, session, t, step)


async def zone_picked(
    query: CallbackQuery,
    callback_data: JoinButton,
    state: FSMContext,
    session: AsyncSession,
    t: Translate,
) -> None:
    zone = await members.zone_by_id(session, zone_id=int(callback_data.value))
    message = await done_with(query)
    await state.update_data(zone_id=zone.id)
    # said in a message that also takes the location button off
    name = members.zone_name(zone, t.lang)
    await message.answer(t("membership.zone_chosen", zone=name), reply_markup=ReplyKeyboardRemove())
    await advance(message, state, session, t, JoinForm.zone)


async def location_given(
    message: Message, state: FSMContext, session: AsyncSession, t: Translate
) -> None:
    loc = message.location
    assert loc is not None
    try:
        zone, km = await members.nearest_zone(session, lat=loc.latitude, lon=loc.longitude)
    except NotFound as err:
        await message.answer(explain(t, err), reply_markup=await zone_keyboard(session, t))
        return
    await state.update_data(zone_id=zone.id)
    await message.answer(
        t("membership.zone_found", zone=members.zone_name(zone, t.lang), km=f"{km:.1f}"),
        reply_markup=ReplyKeyboardRemove(),
    )
    await advance(message, state, session, t, JoinForm.zone)


async def vehicle_picked(
    query: CallbackQuery,
    callback_data: JoinButton,
    state: FSMContext,
    session: AsyncSession,
    t: Translate,
) -> None:
    if callback_data.value not in members.VEHICLES:
        await query.answer(t("fallback.stale_button"), show_alert=True)
        return
    message = await done_with(query)
    await state.update_data(vehicle=callback_data.value)
    await advance(message, state, session, t, JoinForm.vehicle)


async def referral_kept(
    query: CallbackQuery, state: FSMContext, session: AsyncSession, t: Translate
) -> None:
    await advance(await done_with(query), state, session, t, JoinForm.referral)


async def referral_skipped(
    query: CallbackQuery, state: FSMContext, session: AsyncSession, t: Translate
) -> None:
    message = await done_with(query)
    await state.update_data(ref_id=None, ref_name=None)
    await advance(message, state, session, t, JoinForm.referral)


async def referral_typed(
    message: Message, state: FSMContext, session: AsyncSession, t: Translate
) -> None:
    referrer = await members.find_referrer(session, code=message.text or "")
    await state.update_data(ref_id=referrer.id, ref_name=referrer.display_name)
    await message.answer(t("membership.referral_noted", name=referrer.display_name))
    await advance(message, state, session, t, JoinForm.referral)


async def edit_pressed(
    query: CallbackQuery,
    callback_data: JoinButton,
    state: FSMContext,
    session: AsyncSession,
    t: Translate,
) -> None:
    step = EDITABLE.get(callback_data.value)
    if step is None:
        await query.answer(t("fallback.stale_button"), show_alert=True)
        return
    message = await done_with(query)
    await state.update_data(edit=True)
    await ask(message, state, session, t, step)


async def submit(
    query: CallbackQuery, user: User, state: FSMContext, session: AsyncSession, t: Translate
) -> None:
    """Submit, in any state: a press after the form was sent (a double tap, a press after the
    answer failed) is told the first application's status, never files a second."""
    if await state.get_state() != JoinForm.summary.state:
        await members.ensure_can_apply(session, user=user)  # already applied / member: explained
        await stale_join_button(query, t)
        return
    data = await state.get_data()
    form = membership_applications.Application(
        name=data["name"],
        phone=data["phone"],
        platforms=data["platforms"],
        work_kinds=data["kinds"],
        zone_id=int(data["zone_id"]),
        vehicle=data["vehicle"],
        referrer_id=data.get("ref_id"),
    )
    m = await membership_applications.apply(session, user=user, form=form)
    # Cleared before anything is sent: the first send commits the application with it.
    await clear_form(state)
    await state.set_data({})
    assert m.zone_id is not None
    zone = await members.zone_by_id(session, zone_id=m.zone_id)
    staff = await membership_applications.zone_staff(session, zone_id=m.zone_id)
    submitted = t(
        "membership.submitted",
        zone=members.zone_name(zone, t.lang),
        reps=", ".join(s.display_name for s in staff) or "—",
    )
    await confirm_submit(
        query, session=session, user=user, text=submitted, reply_markup=menu_button(t)
    )
    if isinstance(query.message, Message):
        with contextlib.suppress(TelegramAPIError):  # the summary's buttons: only tidiness
            await query.message.edit_reply_markup(reply_markup=None)


async def stale_join_button(query: CallbackQuery, t: Translate) -> None:
    await query.answer(t("membership.stale_form"), show_alert=True)


# --- the wrong kind of message -----------------------------------------------------------


async def consent_expected(message: Message, t: Translate) -> None:
    await message.answer(t("membership.expect_consent"))


async def name_expected(message: Message, t: Translate) -> None:
    await message.answer(t("membership.expect_name"))


async def phone_expected(message: Message, t: Translate) -> None:
    await message.answer(t("membership.expect_phone"), reply_markup=phone_keyboard(t))


async def buttons_expected(message: Message, t: Translate) -> None:
    await message.answer(t("membership.expect_buttons"))


async def zone_expected(message: Message, session: AsyncSession, t: Translate) -> None:
    await message.answer(t("membership.expect_zone"), reply_markup=await zone_keyboard(session, t))


async def referral_expected(message: Message, t: Translate) -> None:
    await message.answer(t("membership.expect_referral"))


def register(router: Router) -> None:
    m, c = router.message.register, router.callback_query.register
    typed = F.text & ~F.text.startswith("/")
    not_a_command = ~F.text.startswith("/")
    button = JoinButton.filter
    m(start_join, Command("join"))
    c(join_pressed, F.data == "menu:join")
    in_form = StateFilter(*STEPS)
    c(cancel, button(F.action == "cancel"), in_form)
    c(back, button(F.action == "back"), in_form)
    c(consent_given, button(F.action == "consent"), JoinForm.consent)
    m(consent_expected, JoinForm.consent, not_a_command)
    m(name_given, JoinForm.name, typed)
    m(name_expected, JoinForm.name, not_a_command)
    m(contact_given, JoinForm.phone, F.contact)
    m(phone_typed, JoinForm.phone, typed)
    m(phone_expected, JoinForm.phone, not_a_command)
    c(toggled, button(F.action == "platform"), JoinForm.platforms)
    c(choices_done, button(F.action == "platforms_done"), JoinForm.platforms)
    c(toggled, button(F.action == "kind"), JoinForm.kinds)
    c(choices_done, button(F.action == "kinds_done"), JoinForm.kinds)
    multiple = StateFilter(JoinForm.platforms, JoinForm.kinds, JoinForm.vehicle, JoinForm.summary)
    m(buttons_expected, multiple, not_a_command)
    c(zone_picked, button(F.action == "zone"), JoinForm.zone)
    m(location_given, JoinForm.zone, F.location)
    m(zone_expected, JoinForm.zone, not_a_command)
    c(vehicle_picked, button(F.action == "vehicle"), JoinForm.vehicle)
    c(referral_kept, button(F.action == "keep_referrer"), JoinForm.referral)
    c(referral_skipped, button(F.action == "skip_referrer"), JoinForm.referral)
    m(referral_typed, JoinForm.referral, typed)
    m(referral_expected, JoinForm.referral, not_a_command)
    c(edit_pressed, button(F.action == "edit"), JoinForm.summary)
    c(submit, button(F.action == "submit"))  # any state: a repeated press is answered
    c(stale_join_button, button())
