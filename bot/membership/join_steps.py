"""The join form's steps (FSM states), its keyboards, and asking each step's question.

The answers live in the FSM storage (the database by default), so a half-filled form
survives a restart. Nothing the rider types is kept before they accept the privacy notice."""

from __future__ import annotations

from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
)
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.membership.buttons import JoinButton
from services.membership import members
from services.texts import Translate


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
# The multiple choices: answer key -> (label prefix, allowed values, toggle action)
MULTI = {
    "platforms": ("platform", members.PLATFORMS, "platform"),
    "kinds": ("kind", members.WORK_KINDS, "kind"),
}


def nav(kb: InlineKeyboardBuilder, t: Translate) -> None:
    kb.button(text=t("btn.join_back"), callback_data=JoinButton(action="back"))
    kb.button(text=t("btn.join_cancel"), callback_data=JoinButton(action="cancel"))


def options(
    t: Translate, prefix: str, action: str, values: tuple[str, ...], chosen: list[str] | None
) -> InlineKeyboardMarkup:
    """One button per value; with `chosen` (a multiple choice) the chosen ones ticked and a
    Done button (`<action>s_done`)."""
    kb = InlineKeyboardBuilder()
    for v in values:
        mark = "✅ " if chosen is not None and v in chosen else ""
        label = mark + t(f"membership.{prefix}.{v}")
        kb.button(text=label, callback_data=JoinButton(action=action, value=v))
    sizes = [2] * ((len(values) + 1) // 2)
    if chosen is not None:
        kb.button(text=t("btn.join_done"), callback_data=JoinButton(action=action + "s_done"))
        sizes.append(1)
    nav(kb, t)
    kb.adjust(*sizes, 2)
    return kb.as_markup()


def phone_keyboard(t: Translate) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        keyboard=[
            [KeyboardButton(text=t("btn.join_share_contact"), request_contact=True)],
            [KeyboardButton(text=t("btn.join_back")), KeyboardButton(text=t("btn.join_cancel"))],
        ],
        resize_keyboard=True,
        one_time_keyboard=False,
    )


def location_keyboard(t: Translate) -> ReplyKeyboardMarkup:
    button = KeyboardButton(text=t("btn.join_share_location"), request_location=True)
    return ReplyKeyboardMarkup(keyboard=[[button]], resize_keyboard=True, one_time_keyboard=True)


async def zone_keyboard(session: AsyncSession, t: Translate) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    zones = await members.zones(session)
    for zone in zones:
        kb.button(
            text=members.zone_name(zone, t.lang),
            callback_data=JoinButton(action="zone", value=str(zone.id)),
        )
    nav(kb, t)
    kb.adjust(*([1] * len(zones)), 2)
    return kb.as_markup()


async def ask(
    message: Message, state: FSMContext, session: AsyncSession, t: Translate, step: State
) -> None:
    """Moves the form to `step` and asks its question as a new message."""
    await state.set_state(step)
    data = await state.get_data()
    kb = InlineKeyboardBuilder()
    if step == JoinForm.consent:
        kb.button(text=t("btn.join_consent"), callback_data=JoinButton(action="consent"))
        kb.button(text=t("btn.menu_about"), callback_data="menu:about")
        kb.button(text=t("btn.join_cancel"), callback_data=JoinButton(action="cancel"))
        kb.adjust(1)
        await message.answer(t("membership.privacy"), reply_markup=kb.as_markup())
    elif step == JoinForm.name:
        nav(kb, t)
        await message.answer(
            t("membership.ask_name", limit=members.NAME_LIMIT), reply_markup=kb.as_markup()
        )
    elif step == JoinForm.phone:
        await message.answer(t("membership.ask_phone"), reply_markup=phone_keyboard(t))
    elif step in (JoinForm.platforms, JoinForm.kinds):
        key = "platforms" if step == JoinForm.platforms else "kinds"
        prefix, allowed, action = MULTI[key]
        markup = options(t, prefix, action, allowed, data.get(key, []))
        await message.answer(t(f"membership.ask_{key}"), reply_markup=markup)
    elif step == JoinForm.zone:
        await message.answer(t("membership.ask_zone"), reply_markup=await zone_keyboard(session, t))
        # A location button can only sit on a reply keyboard, which needs a message of its own.
        await message.answer(t("membership.zone_location_hint"), reply_markup=location_keyboard(t))
    elif step == JoinForm.vehicle:
        markup = options(t, "vehicle", "vehicle", members.VEHICLES, None)
        await message.answer(t("membership.ask_vehicle"), reply_markup=markup)
    elif step == JoinForm.referral:
        if data.get("ref_id"):
            kb.button(
                text=t("btn.join_keep_referrer", name=data.get("ref_name", "")),
                callback_data=JoinButton(action="keep_referrer"),
            )
        kb.button(text=t("btn.join_skip"), callback_data=JoinButton(action="skip_referrer"))
        nav(kb, t)
        kb.adjust(*([1, 1, 2] if data.get("ref_id") else [1, 2]))
        await message.answer(t("membership.ask_referral"), reply_markup=kb.as_markup())
    else:
        await summary(message, data, session, t)


def _labels(t: Translate, prefix: str, values: list[str]) -> str:
    return ", ".join(t(f"membership.{prefix}.{v}") for v in values) or "—"


async def summary(
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
        kb.button(
            text=t(f"btn.join_edit_{field}"), callback_data=JoinButton(action="edit", value=field)
        )
    kb.button(text=t("btn.join_submit"), callback_data=JoinButton(action="submit"))
    nav(kb, t)
    kb.adjust(2, 2, 2, 1, 1, 2)
    await message.answer(body, reply_markup=kb.as_markup())


async def advance(
    message: Message, state: FSMContext, session: AsyncSession, t: Translate, current: State
) -> None:
    """The next step, or back to the summary when the rider came from an Edit button."""
    data = await state.get_data()
    if data.get("edit"):
        await state.update_data(edit=False)
        nxt = JoinForm.summary
    else:
        nxt = STEPS[STEPS.index(current) + 1]
    await ask(message, state, session, t, nxt)


async def clear_form(state: FSMContext) -> None:
    data = await state.get_data()
    await state.set_state(None)
    await state.set_data({k: v for k, v in data.items() if k not in FORM_KEYS})
