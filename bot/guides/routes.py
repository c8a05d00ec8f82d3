"""The route guide in chat: where am I (a shared location or a compound's name → the nearest
compounds and their e-bike gates open now), a compound's card (gates, riders' tips, buildings),
building → gate with a pin, and riders' tips: adding one (a form, tips.py), reviewing and
confirming them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from app.settings import Settings
from bot.common.presses import shown
from bot.guides.callbacks import GuideButton, TipReview
from bot.guides.tips import open_tip
from models import User
from models.types import utcnow
from services.guides import Compound, RouteData, tips
from services.guides import present as show
from services.texts import Raw, Translate

NEARBY_KM = 5
MAX_BUTTON = 40  # characters of a compound name on a button


class Guide(StatesGroup):
    route = State()  # waiting for a location or a compound name
    building = State()  # a compound is open; waiting for a building number
    search = State()  # waiting for words to look up in the handbook


def _now() -> datetime:
    return utcnow()


def back_button(
    kb: InlineKeyboardBuilder, t: Translate, action: str = "menu", arg: str = ""
) -> None:
    kb.button(text=t("btn.guide_back"), callback_data=GuideButton(action=action, arg=arg))


def location_keyboard(t: Translate) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text=t("btn.guide_location"), request_location=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
        input_field_placeholder=t("guides.route_placeholder"),
    )


async def start_route(query: CallbackQuery, t: Translate, state: FSMContext) -> None:
    await state.set_state(Guide.route)
    if (message := shown(query)) is not None:
        await message.answer(t("guides.route_ask"), reply_markup=location_keyboard(t))


def _compound_buttons(t: Translate, compounds: list[Compound]) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for c in compounds:
        kb.button(
            text=show.compound_name(t.lang, c)[:MAX_BUTTON],
            callback_data=GuideButton(action="compound", arg=c.id),
        )
    back_button(kb, t)
    kb.adjust(1)
    return kb.as_markup()


def _gate_now(t: Translate, routes: RouteData, c: Compound, settings: Settings) -> str:
    now = _now()
    choice = routes.ebike_entrance_now(c, now, settings.holiday_dates)
    if choice is None:
        return t("guides.no_ebike_gate")
    return show.entrance_line(t.lang, choice, now, settings.zone)


async def got_location(
    message: Message, t: Translate, state: FSMContext, routes: RouteData, settings: Settings
) -> None:
    assert message.location is not None
    loc = message.location
    nearby = routes.nearest_compounds(loc.latitude, loc.longitude, limit=3, max_km=NEARBY_KM)
    await state.set_state(Guide.route)
    if not nearby:
        await message.answer(
            t("guides.none_nearby", km=NEARBY_KM), reply_markup=ReplyKeyboardRemove()
        )
        return
    blocks = []
    for i, n in enumerate(nearby, 1):
        head = t(
            "guides.nearby_item",
            n=i,
            name=show.compound_name(t.lang, n.compound),
            distance=show.distance(t.lang, n.distance_m),
        )
        lines = [head, "  " + _gate_now(t, routes, n.compound, settings)]
        note = show.note(t.lang, n.compound)
        if note:
            lines.append(t("guides.note_line", note=note))
        blocks.append("\n".join(lines))
    await message.answer(
        t("guides.nearby", items=Raw("\n\n".join(blocks))),
        reply_markup=_compound_buttons(t, [n.compound for n in nearby]),
    )


async def search_compounds(message: Message, t: Translate, routes: RouteData) -> None:
    found = routes.search_compounds(message.text or "", limit=8)
    if not found:
        await message.answer(t("guides.compound_none", name=message.text or ""))
        return
    await message.answer(
        t("guides.compound_found", n=len(found)), reply_markup=_compound_buttons(t, found)
    )


async def route_wrong(message: Message, t: Translate) -> None:
    await message.answer(t("guides.route_wrong"), reply_markup=location_keyboard(t))


async def compound_view(
    query: CallbackQuery,
    callback_data: GuideButton,
    t: Translate,
    state: FSMContext,
    session: AsyncSession,
    routes: RouteData,
    settings: Settings,
    callback_answer: CallbackAnswer,
) -> None:
    c = routes.compound(callback_data.arg)
    if c is None:
        callback_answer.text, callback_answer.show_alert = t("guides.gone"), True
        return
    now = _now()
    gates = [
        show.entrance_line(t.lang, ch, now, settings.zone)
        for ch in routes.ebike_entrances(c, now, settings.holiday_dates)
    ]
    banned = [show.entrance_name(t.lang, e) for e in routes.entrances(c) if not e.ebike_ok]
    sep = "、" if t.lang == "zh" else ", "
    buildings = sep.join(b.label for b in routes.buildings(c))
    parts = [t("guides.compound_head", name=show.compound_name(t.lang, c))]
    note = show.note(t.lang, c)
    if note:
        parts.append(t("guides.note_line", note=note))
    parts.append(
        t("guides.gates", lines=Raw("\n".join(gates))) if gates else t("guides.no_ebike_gate")
    )
    if banned:
        parts.append(t("guides.gates_banned", names=sep.join(banned)))
    views = await tips.published_tips(session, compound_id=c.id, now=now)
    kb = InlineKeyboardBuilder()
    if views:
        lines = []
        for v in views[:8]:
            key = "guides.tip_line_stale" if v.stale else "guides.tip_line"
            lines.append(t(key, id=v.tip.id, text=v.tip.text, n=v.confirmations))
            kb.button(
                text=t("btn.tip_confirm", id=v.tip.id),
                callback_data=TipReview(action="confirm", id=v.tip.id),
            )
        parts.append(t("guides.tips", lines=Raw("\n".join(lines))))
    parts.append(t("guides.buildings", names=buildings or "—"))
    kb.button(text=t("btn.tip_add"), callback_data=GuideButton(action="tip", arg=c.id))
    back_button(kb, t, "route")
    kb.adjust(1)
    await state.set_state(Guide.building)
    await state.update_data(compound=c.id)
    if (message := shown(query)) is not None:
        await message.answer("\n\n".join(parts), reply_markup=kb.as_markup())


async def got_building(
    message: Message, t: Translate, state: FSMContext, routes: RouteData, settings: Settings
) -> None:
    c = routes.compound((await state.get_data()).get("compound", ""))
    if c is None:  # the route data changed under an open conversation
        await state.set_state(Guide.route)
        await message.answer(t("guides.gone_route"), reply_markup=location_keyboard(t))
        return
    b = routes.find_building(c, message.text or "")
    if b is None:
        names = ", ".join(x.label for x in routes.buildings(c)) or "—"
        await message.answer(
            t("guides.building_unknown", number=message.text or "", name=c.name, names=names)
        )
        return
    now = _now()
    choice = routes.entrance_for_building(c, b, now, settings.holiday_dates)
    if choice is None:
        await message.answer(t("guides.no_ebike_gate"))
        return
    e = choice.entrance
    text = t(
        "guides.building_gate",
        building=b.label,
        name=show.compound_name(t.lang, c),
        gate=Raw(show.entrance_line(t.lang, choice, now, settings.zone)),
        distance=show.distance(t.lang, choice.distance_m or 0),
    )
    bnote = show.note(t.lang, b)
    if bnote:
        text += "\n" + t("guides.note_line", note=bnote)
    await message.answer(text)
    title = f"{c.name} · {show.entrance_name(t.lang, e)}"
    address = t(
        "guides.venue_address",
        building=b.label,
        state=show.state(t.lang, choice, now, settings.zone),
    )
    await message.answer_venue(
        latitude=e.lat, longitude=e.lon, title=title[:64], address=address[:128]
    )


async def building_wrong(message: Message, t: Translate) -> None:
    await message.answer(t("guides.building_wrong"))


async def choose_tip_place(
    query: CallbackQuery,
    callback_data: GuideButton,
    t: Translate,
    state: FSMContext,
    routes: RouteData,
    **data: Any,
) -> None:
    """The tip itself is a form on the engine (bot/guides/tips.py)."""
    if (message := shown(query)) is not None:
        await open_tip(message, state, t, callback_data.arg, routes=routes, **data)


async def decide_tip(
    query: CallbackQuery,
    callback_data: TipReview,
    t: Translate,
    session: AsyncSession,
    user: User,
    routes: RouteData,
    callback_answer: CallbackAnswer,
) -> None:
    approve = callback_data.action == "approve"
    tip = await tips.decide_tip(
        session, tip_id=callback_data.id, reviewer=user, approve=approve, routes=routes
    )
    done = t("guides.tip_approved" if approve else "guides.tip_declined", id=tip.id)
    callback_answer.text = done
    if (message := shown(query)) is not None:
        await message.edit_reply_markup(reply_markup=None)
        await message.answer(done)


async def confirm_tip(
    query: CallbackQuery,
    callback_data: TipReview,
    t: Translate,
    session: AsyncSession,
    user: User,
    callback_answer: CallbackAnswer,
) -> None:
    n = await tips.confirm_tip(session, tip_id=callback_data.id, user=user)
    callback_answer.text = t("guides.tip_confirmed", n=n)
