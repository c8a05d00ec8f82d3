"""Joining the union in chat, the member card, /mydata and /leave for riders; deciding on
applications, /invite and /recruits for representatives.

The join form is an aiogram FSM whose data lives in the FSM storage (the database by
default), so a half-filled form survives a restart. Nothing the rider types is kept before
they accept the privacy notice. Every step has Back and Cancel and answers the wrong kind
of message with what to send instead.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from app.settings import Settings
from bot.activists.commands import recruits_line as activist_counts
from bot.confirmation import confirm_submit
from bot.errors import explain
from bot.keyboards import done_with, join_offer_keyboard
from bot.menu import menu_button
from bot.storage import chat_forgetter
from models import MembershipStatus, User
from services.activists.stories import explainer_stories as success_stories
from services.cases.formatting import split_text
from services.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from services.membership import applications as membership_applications
from services.membership import member_card, members, own_view
from services.privacy import erasure
from services.privacy import mydata as mydata_summary
from services.texts import Raw, Translate


class JoinForm(StatesGroup):
    consent = State()
    name = State()
    phone = State()
    platforms = State()
    kinds = State()
    zone = State()
    vehicle = State()
    referral = State()
    summary = State()


class RejectForm(StatesGroup):
    reason = State()


STEPS = [
    JoinForm.consent,
    JoinForm.name,
    JoinForm.phone,
    JoinForm.platforms,
    JoinForm.kinds,
    JoinForm.zone,
    JoinForm.vehicle,
    JoinForm.referral,
    JoinForm.summary,
]
EDITABLE = {s.state.split(":")[1]: s for s in STEPS[1:-1]}  # type: ignore[union-attr]
FORM_KEYS = ("name", "phone", "platforms", "kinds", "zone_id", "vehicle", "edit")


class JoinCb(CallbackData, prefix="j"):
    act: str
    val: str = ""


class Decide(CallbackData, prefix="md"):
    act: str  # a: approve, r: reject (show reasons), b: back to approve/reject
    id: int


class Reason(CallbackData, prefix="mr"):
    id: int
    code: str  # one of members.REJECT_REASONS, or "typed"


class LeaveCb(CallbackData, prefix="lv"):
    yes: bool


# --- keyboards -----------------------------------------------------------------------


def _nav(kb: InlineKeyboardBuilder, t: Translate) -> None:
    kb.button(text=t("btn.join_back"), callback_data=JoinCb(act="back").pack())
    kb.button(text=t("btn.join_cancel"), callback_data=JoinCb(act="cancel").pack())


def _options(
    t: Translate, prefix: str, act: str, values: tuple[str, ...], chosen: list[str] | None
) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for v in values:
        mark = "✅ " if chosen is not None and v in chosen else ""
        kb.button(text=mark + t(f"membership.{prefix}.{v}"), callback_data=JoinCb(act=act, val=v))
    sizes = [2] * ((len(values) + 1) // 2)
    if chosen is not None:
        kb.button(text=t("btn.join_done"), callback_data=JoinCb(act=act + "_done").pack())
        sizes.append(1)
    _nav(kb, t)
    kb.adjust(*sizes, 2)
    return kb.as_markup()


def _phone_keyboard(t: Translate) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        keyboard=[
            [KeyboardButton(text=t("btn.join_share_contact"), request_contact=True)],
            [KeyboardButton(text=t("btn.join_back")), KeyboardButton(text=t("btn.join_cancel"))],
        ],
        resize_keyboard=True,
        one_time_keyboard=False,
    )


def _location_keyboard(t: Translate) -> ReplyKeyboardMarkup:
    button = KeyboardButton(text=t("btn.join_share_location"), request_location=True)
    return ReplyKeyboardMarkup(keyboard=[[button]], resize_keyboard=True, one_time_keyboard=True)


# --- asking each step ----------------------------------------------------------------


async def _ask(
    message: Message, state: FSMContext, session: AsyncSession, t: Translate, step: State
) -> None:
    """Moves the form to `step` and asks its question as a new message."""
    await state.set_state(step)
    data = await state.get_data()
    kb = InlineKeyboardBuilder()
    if step == JoinForm.consent:
        kb.button(text=t("btn.join_consent"), callback_data=JoinCb(act="ok").pack())
        kb.button(text=t("btn.menu_about"), callback_data="menu:about")
        kb.button(text=t("btn.join_cancel"), callback_data=JoinCb(act="cancel").pack())
        kb.adjust(1)
        await message.answer(t("membership.privacy"), reply_markup=kb.as_markup())
    elif step == JoinForm.name:
        _nav(kb, t)
        await message.answer(
            t("membership.ask_name", limit=members.NAME_LIMIT), reply_markup=kb.as_markup()
        )
    elif step == JoinForm.phone:
        await message.answer(t("membership.ask_phone"), reply_markup=_phone_keyboard(t))
    elif step == JoinForm.platforms:
        markup = _options(t, "platform", "pf", members.PLATFORMS, data.get("platforms", []))
        await message.answer(t("membership.ask_platforms"), reply_markup=markup)
    elif step == JoinForm.kinds:
        markup = _options(t, "kind", "wk", members.WORK_KINDS, data.get("kinds", []))
        await message.answer(t("membership.ask_kinds"), reply_markup=markup)
    elif step == JoinForm.zone:
        await message.answer(t("membership.ask_zone"), reply_markup=await _zone_kb(session, t))
        # A location button can only sit on a reply keyboard, which needs a message of its own.
        await message.answer(t("membership.zone_location_hint"), reply_markup=_location_keyboard(t))
    elif step == JoinForm.vehicle:
        markup = _options(t, "vehicle", "vh", members.VEHICLES, None)
        await message.answer(t("membership.ask_vehicle"), reply_markup=markup)
    elif step == JoinForm.referral:
        if data.get("ref_id"):
            kb.button(
                text=t("btn.join_keep_referrer", name=data.get("ref_name", "")),
                callback_data=JoinCb(act="rk").pack(),
            )
        kb.button(text=t("btn.join_skip"), callback_data=JoinCb(act="rs").pack())
        _nav(kb, t)
        kb.adjust(*([1, 1, 2] if data.get("ref_id") else [1, 2]))
        await message.answer(t("membership.ask_referral"), reply_markup=kb.as_markup())
    else:
        await _summary(message, data, session, t)


async def _zone_kb(session: AsyncSession, t: Translate) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    zones = await members.zones(session)
    for zone in zones:
        kb.button(
            text=members.zone_name(zone, t.lang), callback_data=JoinCb(act="zn", val=str(zone.id))
        )
    _nav(kb, t)
    kb.adjust(*([1] * len(zones)), 2)
    return kb.as_markup()


def _labels(t: Translate, prefix: str, values: list[str]) -> str:
    return ", ".join(t(f"membership.{prefix}.{v}") for v in values) or "—"


async def _summary(
    message: Message, data: dict[str, Any], session: AsyncSession, t: Translate
) -> None:
    zone = await members.zone_by_id(session, zone_id=int(data["zone_id"]))
    body = t(
        "membership.summary",
        name=data["name"],
        phone=data["phone"],
        platforms=_labels(t, "platform", data["platforms"]),
        kinds=_labels(t, "kind", data["kinds"]),
        zone=members.zone_name(zone, t.lang),
        vehicle=t(f"membership.vehicle.{data['vehicle']}"),
        referrer=data.get("ref_name") or "—",
    )
    kb = InlineKeyboardBuilder()
    for field in EDITABLE:
        kb.button(text=t(f"btn.join_edit_{field}"), callback_data=JoinCb(act="ed", val=field))
    kb.button(text=t("btn.join_submit"), callback_data=JoinCb(act="sub").pack())
    _nav(kb, t)
    kb.adjust(2, 2, 2, 1, 1, 2)
    await message.answer(body, reply_markup=kb.as_markup())


async def _advance(
    message: Message, state: FSMContext, session: AsyncSession, t: Translate, current: State
) -> None:
    """The next step, or back to the summary when the rider came from an Edit button."""
    data = await state.get_data()
    if data.get("edit"):
        await state.update_data(edit=False)
        nxt = JoinForm.summary
    else:
        nxt = STEPS[STEPS.index(current) + 1]
    await _ask(message, state, session, t, nxt)


# --- starting, resuming, leaving the form --------------------------------------------


async def start_join(
    message: Message, user: User, state: FSMContext, session: AsyncSession, t: Translate
) -> None:
    await members.ensure_can_apply(session, user=user)
    current = await state.get_state()
    step = next((s for s in STEPS if s.state == current), None)
    if step is not None:
        await message.answer(t("membership.resume"))
        await _ask(message, state, session, t, step)
        return
    await _ask(message, state, session, t, JoinForm.consent)


async def join_command(
    message: Message, user: User, state: FSMContext, session: AsyncSession, t: Translate
) -> None:
    await start_join(message, user, state, session, t)


async def join_pressed(
    query: CallbackQuery, user: User, state: FSMContext, session: AsyncSession, t: Translate
) -> None:
    await query.answer()
    assert isinstance(query.message, Message)
    await start_join(query.message, user, state, session, t)


async def _clear_form(state: FSMContext) -> None:
    data = await state.get_data()
    await state.set_state(None)
    await state.set_data({k: v for k, v in data.items() if k not in FORM_KEYS})


async def cancel(query: CallbackQuery, state: FSMContext, t: Translate) -> None:
    message = await done_with(query)
    await _clear_form(state)
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
        await _clear_form(state)
        await message.answer(t("membership.cancelled"))
        return
    await _ask(message, state, session, t, STEPS[STEPS.index(step) - 1])


# --- the steps -----------------------------------------------------------------------


async def consent_given(
    query: CallbackQuery, state: FSMContext, session: AsyncSession, t: Translate
) -> None:
    message = await done_with(query)
    await _ask(message, state, session, t, JoinForm.name)


async def consent_expected(message: Message, t: Translate) -> None:
    await message.answer(t("membership.expect_consent"))


async def name_given(
    message: Message, state: FSMContext, session: AsyncSession, t: Translate
) -> None:
    name = members.clean_name(message.text or "")
    await state.update_data(name=name)
    await _advance(message, state, session, t, JoinForm.name)


async def name_expected(message: Message, t: Translate) -> None:
    await message.answer(t("membership.expect_name"))


async def _phone_ok(
    message: Message, user: User, state: FSMContext, session: AsyncSession, t: Translate, raw: str
) -> None:
    phone = members.normalise_phone(raw)
    await members.ensure_phone_free(session, phone=phone, user=user)
    await state.update_data(phone=phone)
    await message.answer(t("membership.phone_saved"), reply_markup=ReplyKeyboardRemove())
    await _advance(message, state, session, t, JoinForm.phone)


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
    if typed == t("btn.join_cancel"):
        await _clear_form(state)
        await message.answer(t("membership.cancelled"), reply_markup=ReplyKeyboardRemove())
        return
    if typed == t("btn.join_back"):
        await message.answer(t("membership.going_back"), reply_markup=ReplyKeyboardRemove())
        await _ask(message, state, session, t, JoinForm.name)
        return
    await _phone_ok(message, user, state, session, t, typed)


async def phone_expected(message: Message, t: Translate) -> None:
    await message.answer(t("membership.expect_phone"), reply_markup=_phone_keyboard(t))


async def _toggle(query: CallbackQuery, state: FSMContext, t: Translate, key: str) -> None:
    cb = JoinCb.unpack(str(query.data))
    prefix, allowed, act = {
        "platforms": ("platform", members.PLATFORMS, "pf"),
        "kinds": ("kind", members.WORK_KINDS, "wk"),
    }[key]
    chosen = list((await state.get_data()).get(key, []))
    if cb.val not in allowed:
        await query.answer(t("fallback.stale_button"), show_alert=True)
        return
    chosen.remove(cb.val) if cb.val in chosen else chosen.append(cb.val)
    await state.update_data(**{key: chosen})
    await query.answer()
    assert isinstance(query.message, Message)
    await query.message.edit_reply_markup(reply_markup=_options(t, prefix, act, allowed, chosen))


async def platform_toggled(query: CallbackQuery, state: FSMContext, t: Translate) -> None:
    await _toggle(query, state, t, "platforms")


async def kind_toggled(query: CallbackQuery, state: FSMContext, t: Translate) -> None:
    await _toggle(query, state, t, "kinds")


async def platforms_done(
    query: CallbackQuery, state: FSMContext, session: AsyncSession, t: Translate
) -> None:
    if not (await state.get_data()).get("platforms"):
        await query.answer(t("membership.pick_one"), show_alert=True)
        return
    message = await done_with(query)
    await _advance(message, state, session, t, JoinForm.platforms)


async def kinds_done(
    query: CallbackQuery, state: FSMContext, session: AsyncSession, t: Translate
) -> None:
    if not (await state.get_data()).get("kinds"):
        await query.answer(t("membership.pick_one"), show_alert=True)
        return
    message = await done_with(query)
    await _advance(message, state, session, t, JoinForm.kinds)


async def buttons_expected(message: Message, t: Translate) -> None:
    await message.answer(t("membership.expect_buttons"))


async def zone_picked(
    query: CallbackQuery, state: FSMContext, session: AsyncSession, t: Translate
) -> None:
    cb = JoinCb.unpack(str(query.data))
    zone = await members.zone_by_id(session, zone_id=int(cb.val))
    message = await done_with(query)
    await state.update_data(zone_id=zone.id)
    name = members.zone_name(
        zone, t.lang
    )  # said in a message that also takes the location button off
    await message.answer(t("membership.zone_chosen", zone=name), reply_markup=ReplyKeyboardRemove())
    await _advance(message, state, session, t, JoinForm.zone)


async def location_given(
    message: Message, state: FSMContext, session: AsyncSession, t: Translate
) -> None:
    loc = message.location
    assert loc is not None
    try:
        zone, km = await members.nearest_zone(session, lat=loc.latitude, lon=loc.longitude)
    except NotFound as err:
        await message.answer(explain(t, err), reply_markup=await _zone_kb(session, t))
        return
    await state.update_data(zone_id=zone.id)
    await message.answer(
        t("membership.zone_found", zone=members.zone_name(zone, t.lang), km=f"{km:.1f}"),
        reply_markup=ReplyKeyboardRemove(),
    )
    await _advance(message, state, session, t, JoinForm.zone)


async def zone_expected(message: Message, session: AsyncSession, t: Translate) -> None:
    await message.answer(t("membership.expect_zone"), reply_markup=await _zone_kb(session, t))


async def vehicle_picked(
    query: CallbackQuery, state: FSMContext, session: AsyncSession, t: Translate
) -> None:
    cb = JoinCb.unpack(str(query.data))
    if cb.val not in members.VEHICLES:
        await query.answer(t("fallback.stale_button"), show_alert=True)
        return
    message = await done_with(query)
    await state.update_data(vehicle=cb.val)
    await _advance(message, state, session, t, JoinForm.vehicle)


async def referral_kept(
    query: CallbackQuery, state: FSMContext, session: AsyncSession, t: Translate
) -> None:
    message = await done_with(query)
    await _advance(message, state, session, t, JoinForm.referral)


async def referral_skipped(
    query: CallbackQuery, state: FSMContext, session: AsyncSession, t: Translate
) -> None:
    message = await done_with(query)
    await state.update_data(ref_id=None, ref_name=None)
    await _advance(message, state, session, t, JoinForm.referral)


async def referral_typed(
    message: Message, state: FSMContext, session: AsyncSession, t: Translate
) -> None:
    referrer = await members.find_referrer(session, code=message.text or "")
    await state.update_data(ref_id=referrer.id, ref_name=referrer.display_name)
    await message.answer(t("membership.referral_noted", name=referrer.display_name))
    await _advance(message, state, session, t, JoinForm.referral)


async def referral_expected(message: Message, t: Translate) -> None:
    await message.answer(t("membership.expect_referral"))


async def edit_pressed(
    query: CallbackQuery, state: FSMContext, session: AsyncSession, t: Translate
) -> None:
    step = EDITABLE.get(JoinCb.unpack(str(query.data)).val)
    if step is None:
        await query.answer(t("fallback.stale_button"), show_alert=True)
        return
    message = await done_with(query)
    await state.update_data(edit=True)
    await _ask(message, state, session, t, step)


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
    await _clear_form(state)
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


# --- explainer, card, my data, leaving ------------------------------------------------


async def about(query: CallbackQuery, user: User, session: AsyncSession, t: Translate) -> None:
    await query.answer()
    assert isinstance(query.message, Message)
    member = await members.active_membership(session, user_id=user.id)  # type: ignore[arg-type]
    markup = menu_button(t) if member else join_offer_keyboard(t)
    # The explainer ends with the latest success stories of the rider's zone.
    found = await success_stories(session, user=user, lang=t.lang)
    body = t("membership.explainer") + (f"\n\n{found}" if found else "")
    await query.message.answer(body, reply_markup=markup)


async def _send_card(
    message: Message, user: User, session: AsyncSession, t: Translate, settings: Settings
) -> None:
    card = await own_view.card_info(session, user=user, lang=t.lang)
    date = card.joined.astimezone(settings.zone).date().isoformat()
    token = member_card.card_token(
        settings.secret_key.get_secret_value(), membership_id=card.membership_id, number=card.number
    )
    url = member_card.verify_url(settings.base_url, token)
    await message.answer(
        t(
            "membership.card",
            number=card.number,
            name=card.name,
            zone=card.zone,
            date=date,
            rep=card.verified_by,
            url=url,
        )
    )
    png = member_card.render_card_png(card, lang=t.lang, url=url, date=date)
    await message.answer_photo(
        BufferedInputFile(png, filename=f"card-{card.number}.png"),
        caption=t("membership.card_caption", number=card.number),
    )


async def card_command(
    message: Message, user: User, session: AsyncSession, t: Translate, settings: Settings
) -> None:
    await _send_card(message, user, session, t, settings)


async def card_pressed(
    query: CallbackQuery, user: User, session: AsyncSession, t: Translate, settings: Settings
) -> None:
    assert isinstance(query.message, Message)
    await _send_card(query.message, user, session, t, settings)
    await query.answer()


async def my_data(message: Message, user: User, session: AsyncSession, t: Translate) -> None:
    data = await own_view.export_data(session, user=user)
    body = json.dumps(data, ensure_ascii=False, indent=2).encode()
    await message.answer_document(
        BufferedInputFile(body, filename="mydata.json"), caption=t("membership.mydata_caption")
    )
    # The same in words under it: the file is for keeping (or a lawyer), this for reading.
    for piece in split_text(mydata_summary.summary(t.lang, data)):
        await message.answer(piece)


async def leave_command(message: Message, user: User, session: AsyncSession, t: Translate) -> None:
    m = await members.open_membership(session, user_id=user.id)  # type: ignore[arg-type]
    if m is None:
        raise NotFound("not_member_to_leave")
    kb = InlineKeyboardBuilder()
    kb.button(text=t("btn.leave_yes"), callback_data=LeaveCb(yes=True).pack())
    kb.button(text=t("btn.leave_no"), callback_data=LeaveCb(yes=False).pack())
    body = t("erasure.leave_confirm")
    if refs := await erasure.pending_claim_refs(session, user=user):
        body += "\n\n" + t("erasure.leave_confirm_claims", refs=", ".join(refs))
    await message.answer(body, reply_markup=kb.as_markup())


async def leave_answered(
    query: CallbackQuery, user: User, session: AsyncSession, state: FSMContext, t: Translate
) -> None:
    assert isinstance(query.message, Message)
    if not LeaveCb.unpack(str(query.data)).yes:
        await done_with(query)
        await query.message.answer(t("membership.leave_kept"))
        return
    refs = await erasure.pending_claim_refs(session, user=user)
    # The erasure drops this chat's stored state itself (database rows and Redis keys): a
    # state.clear() afterwards would write a fresh row keyed by the Telegram id again.
    await own_view.leave(session, user=user, forget_chat=chat_forgetter(state.storage))
    await done_with(query)
    if refs:
        await query.message.answer(t("erasure.left_claims_kept", refs=", ".join(refs)))
    else:
        await query.message.answer(t("erasure.left"))


# --- representatives -----------------------------------------------------------------


async def invite(
    message: Message, user: User, session: AsyncSession, t: Translate, bot: Bot
) -> None:
    code = await members.referral_code(session, user=user)
    me = await bot.me()
    link = f"https://t.me/{me.username}?start=ref_{code}"
    await message.answer(t("membership.invite", link=link, code=code))
    png = member_card.qr_png(link)
    await message.answer_photo(
        BufferedInputFile(png, filename="invite.png"), caption=t("membership.invite_caption")
    )


async def recruits(message: Message, user: User, session: AsyncSession, t: Translate) -> None:
    counts = await members.recruits(session, user=user)
    lines = "\n".join(
        t("membership.recruits_line", status=t(f"membership.status.{s}"), count=n)
        for s, n in counts.items()
    )
    body = t("membership.recruits", total=sum(counts.values()), lines=Raw(lines))
    await message.answer(body + "\n\n" + await activist_counts(session, user=user, t=t))


def _decision_kb(t: Translate, membership_id: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=t("btn.member_approve"), callback_data=Decide(act="a", id=membership_id))
    kb.button(text=t("btn.member_reject"), callback_data=Decide(act="r", id=membership_id))
    return kb.as_markup()


def _reasons_kb(t: Translate, membership_id: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for code in members.REJECT_REASONS:
        kb.button(
            text=t(f"membership.reason.{code}"), callback_data=Reason(id=membership_id, code=code)
        )
    kb.button(
        text=t("btn.member_reason_typed"), callback_data=Reason(id=membership_id, code="typed")
    )
    kb.button(text=t("btn.join_back"), callback_data=Decide(act="b", id=membership_id))
    kb.adjust(1)
    return kb.as_markup()


async def _decided(message: Message | None, t: Translate, m: Any, *, edit: bool) -> None:
    """Shows the outcome on the representative's copy of the application."""
    if message is None:
        return
    if m.status is MembershipStatus.active:
        line = t("membership.decided_approved", number=m.member_number)
    else:
        line = t(
            "membership.decided_rejected",
            reason=membership_applications.reason_text(t.lang, m.reject_reason),
        )
    if edit:
        await message.edit_reply_markup(reply_markup=None)
    await message.answer(line)


async def _guard(session: AsyncSession, user: User, membership_id: int) -> Any:
    """The callback is checked against the presser's role and zones, never trusted."""
    m = await membership_applications.get_membership(session, membership_id=membership_id)
    if not await membership_applications.can_decide(session, actor=user, zone_id=m.zone_id):
        raise Forbidden("not_your_zone")
    if m.status is not MembershipStatus.pending:
        raise await membership_applications.decision_conflict(session, m)
    return m


async def _decide(
    query: CallbackQuery,
    session: AsyncSession,
    user: User,
    t: Translate,
    settings: Settings,
    membership_id: int,
    *,
    approve: bool,
    reason: str | None = None,
) -> None:
    message = query.message if isinstance(query.message, Message) else None
    try:
        m = await membership_applications.decide(
            session,
            membership_id=membership_id,
            actor=user,
            approve=approve,
            reason=reason,
            tz=settings.zone,
        )
    except Conflict as err:  # somebody else was first: say who, and retire the buttons
        await query.answer(explain(t, err), show_alert=True)
        if message is not None:
            await message.edit_reply_markup(reply_markup=None)
        return
    await query.answer(t("membership.decision_saved"))
    await _decided(message, t, m, edit=True)


async def decision_pressed(
    query: CallbackQuery, session: AsyncSession, user: User, t: Translate, settings: Settings
) -> None:
    cb = Decide.unpack(str(query.data))
    if cb.act == "a":
        await _decide(query, session, user, t, settings, cb.id, approve=True)
        return
    await _guard(session, user, cb.id)
    assert isinstance(query.message, Message)
    markup = _reasons_kb(t, cb.id) if cb.act == "r" else _decision_kb(t, cb.id)
    await query.message.edit_reply_markup(reply_markup=markup)
    await query.answer()


async def reason_pressed(
    query: CallbackQuery,
    session: AsyncSession,
    user: User,
    state: FSMContext,
    t: Translate,
    settings: Settings,
) -> None:
    cb = Reason.unpack(str(query.data))
    if cb.code != "typed":
        if cb.code not in members.REJECT_REASONS:
            raise Invalid("reject_reason_missing")
        await _decide(query, session, user, t, settings, cb.id, approve=False, reason=cb.code)
        return
    await _guard(session, user, cb.id)
    await state.set_state(RejectForm.reason)
    await state.update_data(reject_id=cb.id)
    await query.answer()
    assert isinstance(query.message, Message)
    await query.message.answer(t("membership.ask_reason"))


async def reason_typed(
    message: Message,
    session: AsyncSession,
    user: User,
    state: FSMContext,
    t: Translate,
    settings: Settings,
) -> None:
    membership_id = int((await state.get_data())["reject_id"])
    await state.set_state(None)
    try:
        m = await membership_applications.decide(
            session,
            membership_id=membership_id,
            actor=user,
            approve=False,
            reason=message.text,
            tz=settings.zone,
        )
    except DomainError as err:
        await message.answer(explain(t, err))
        return
    await _decided(message, t, m, edit=False)


async def reason_expected(message: Message, t: Translate) -> None:
    await message.answer(t("membership.ask_reason"))


# --- wiring --------------------------------------------------------------------------


def make_router() -> Router:
    router = Router(name="membership")
    rider = Router(name="membership.rider")
    rider.message.filter(F.chat.type == "private")
    staff = Router(name="membership.staff")  # applications may be decided in a zone group
    not_command = F.text & ~F.text.startswith("/")

    m, c = rider.message.register, rider.callback_query.register
    m(join_command, Command("join"))
    m(card_command, Command("card"))
    m(my_data, Command("mydata"))
    m(leave_command, Command("leave"))
    m(invite, Command("invite"))
    m(recruits, Command("recruits"))
    c(join_pressed, F.data == "menu:join")
    c(card_pressed, F.data == "menu:card")
    c(about, F.data == "menu:about")
    c(leave_answered, LeaveCb.filter())

    in_form = StateFilter(*STEPS)
    c(cancel, JoinCb.filter(F.act == "cancel"), in_form)
    c(back, JoinCb.filter(F.act == "back"), in_form)
    c(consent_given, JoinCb.filter(F.act == "ok"), JoinForm.consent)
    m(consent_expected, JoinForm.consent, ~F.text.startswith("/"))
    m(name_given, JoinForm.name, not_command)
    m(name_expected, JoinForm.name, ~F.text.startswith("/"))
    m(contact_given, JoinForm.phone, F.contact)
    m(phone_typed, JoinForm.phone, not_command)
    m(phone_expected, JoinForm.phone, ~F.text.startswith("/"))
    c(platform_toggled, JoinCb.filter(F.act == "pf"), JoinForm.platforms)
    c(platforms_done, JoinCb.filter(F.act == "pf_done"), JoinForm.platforms)
    c(kind_toggled, JoinCb.filter(F.act == "wk"), JoinForm.kinds)
    c(kinds_done, JoinCb.filter(F.act == "wk_done"), JoinForm.kinds)
    m(
        buttons_expected,
        StateFilter(JoinForm.platforms, JoinForm.kinds, JoinForm.vehicle, JoinForm.summary),
        ~F.text.startswith("/"),
    )
    c(zone_picked, JoinCb.filter(F.act == "zn"), JoinForm.zone)
    m(location_given, JoinForm.zone, F.location)
    m(zone_expected, JoinForm.zone, ~F.text.startswith("/"))
    c(vehicle_picked, JoinCb.filter(F.act == "vh"), JoinForm.vehicle)
    c(referral_kept, JoinCb.filter(F.act == "rk"), JoinForm.referral)
    c(referral_skipped, JoinCb.filter(F.act == "rs"), JoinForm.referral)
    m(referral_typed, JoinForm.referral, not_command)
    m(referral_expected, JoinForm.referral, ~F.text.startswith("/"))
    c(edit_pressed, JoinCb.filter(F.act == "ed"), JoinForm.summary)
    c(submit, JoinCb.filter(F.act == "sub"))  # any state: a repeated press is answered
    c(stale_join_button, JoinCb.filter())

    staff.callback_query.register(decision_pressed, Decide.filter())
    staff.callback_query.register(reason_pressed, Reason.filter())
    staff.message.register(reason_typed, RejectForm.reason, not_command)
    staff.message.register(reason_expected, RejectForm.reason, ~F.text.startswith("/"))
    router.include_routers(rider, staff)
    return router
