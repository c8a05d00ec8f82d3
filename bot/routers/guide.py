"""/guide: the newcomer handbook, the route guide (nearest compounds, e-bike gates open now,
building → gate with a pin), riders' tips, and asking for a mentor. Open to everyone.

`/mentoring on|off` and `/mentees` are the representatives' side of mentoring.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.filters.callback_data import CallbackData
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
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from app.settings import Settings
from bot.forms import leave
from bot.guides.tips import TIPS, open_tip
from bot.keyboards import join_offer_keyboard
from bot.stations.callbacks import StationCb
from models import User
from models.types import utcnow
from services.errors import DomainError
from services.guides import Compound, Handbook, RouteData, tips
from services.guides import present as show
from services.membership import mentors
from services.texts import Raw, Translate

NEARBY_KM = 5
MAX_BUTTON = 40  # characters of a compound name on a button


class Guide(StatesGroup):
    route = State()  # waiting for a location or a compound name
    building = State()  # a compound is open; waiting for a building number
    search = State()  # waiting for words to look up in the handbook


class GuideCb(CallbackData, prefix="gd"):
    action: str  # menu | hb | topic | find | route | cmp | tip | mentor
    arg: str = ""


class TipCb(CallbackData, prefix="tip"):
    action: str  # a(pprove) | r(eject) | c(onfirm)
    id: int


def _now() -> datetime:
    return utcnow()


# --- menus -----------------------------------------------------------------------------------


def menu_keyboard(t: Translate) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=t("btn.guide_handbook"), callback_data=GuideCb(action="hb"))
    kb.button(text=t("btn.guide_search"), callback_data=GuideCb(action="find"))
    kb.button(text=t("btn.guide_route"), callback_data=GuideCb(action="route"))
    kb.button(text=t("btn.guide_mentor"), callback_data=GuideCb(action="mentor"))
    kb.button(text=t("btn.guide_stations"), callback_data=StationCb(act="near"))
    kb.adjust(2, 1, 1, 1)
    return kb.as_markup()


def back_button(
    kb: InlineKeyboardBuilder, t: Translate, action: str = "menu", arg: str = ""
) -> None:
    kb.button(text=t("btn.guide_back"), callback_data=GuideCb(action=action, arg=arg))


async def open_guide(
    message: Message, t: Translate, state: FSMContext, command: CommandObject, handbook: Handbook
) -> None:
    await leave(state)
    if command.args:  # "/guide 超时": straight to the handbook search
        await _answer_search(message, t, handbook, command.args)
        return
    await message.answer(t("guides.menu"), reply_markup=menu_keyboard(t))


async def open_guide_from_menu(query: CallbackQuery, t: Translate, state: FSMContext) -> None:
    await leave(state)
    await query.answer()
    if query.message is not None:
        await query.message.answer(t("guides.menu"), reply_markup=menu_keyboard(t))


async def back_to_menu(query: CallbackQuery, t: Translate, state: FSMContext) -> None:
    await leave(state)
    await _edit(query, t("guides.menu"), menu_keyboard(t))


async def _edit(query: CallbackQuery, html: str, markup: InlineKeyboardMarkup | None) -> None:
    """Navigation edits the menu in place, so Back returns where the rider was."""
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(html, reply_markup=markup)


# --- handbook --------------------------------------------------------------------------------


def topics_keyboard(
    t: Translate, handbook: Handbook, topics: list | None = None
) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for topic in topics if topics is not None else handbook.topics(t.lang):
        kb.button(text=topic.title, callback_data=GuideCb(action="topic", arg=topic.slug))
    back_button(kb, t)
    kb.adjust(1)
    return kb.as_markup()


async def handbook_menu(query: CallbackQuery, t: Translate, handbook: Handbook) -> None:
    await _edit(query, t("guides.handbook"), topics_keyboard(t, handbook))


async def show_topic(
    query: CallbackQuery, callback_data: GuideCb, t: Translate, handbook: Handbook
) -> None:
    topic = handbook.topic(t.lang, callback_data.arg)
    if topic is None:
        await query.answer(t("guides.gone"), show_alert=True)
        return
    kb = InlineKeyboardBuilder()
    back_button(kb, t, "hb")
    await _edit(query, show.topic_html(topic), kb.as_markup())


async def ask_search(query: CallbackQuery, t: Translate, state: FSMContext) -> None:
    await state.set_state(Guide.search)
    await query.answer()
    if query.message is not None:
        await query.message.answer(t("guides.search_ask"))


async def search_words(
    message: Message, t: Translate, state: FSMContext, handbook: Handbook
) -> None:
    await leave(state)
    await _answer_search(message, t, handbook, message.text or "")


async def _answer_search(message: Message, t: Translate, handbook: Handbook, words: str) -> None:
    found = handbook.search(t.lang, words)[:6]
    if not found:
        await message.answer(
            t("guides.search_none", words=words), reply_markup=topics_keyboard(t, handbook)
        )
        return
    await message.answer(
        t("guides.search_found", words=words), reply_markup=topics_keyboard(t, handbook, found)
    )


async def search_wrong(message: Message, t: Translate) -> None:
    await message.answer(t("guides.search_wrong"))


# --- route guide: where am I, which gate -----------------------------------------------------


def location_keyboard(t: Translate) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text=t("btn.guide_location"), request_location=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
        input_field_placeholder=t("guides.route_placeholder"),
    )


async def start_route(query: CallbackQuery, t: Translate, state: FSMContext) -> None:
    await state.set_state(Guide.route)
    await query.answer()
    if query.message is not None:
        await query.message.answer(t("guides.route_ask"), reply_markup=location_keyboard(t))


def _compound_buttons(t: Translate, compounds: list[Compound]) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for c in compounds:
        kb.button(
            text=show.compound_name(t.lang, c)[:MAX_BUTTON],
            callback_data=GuideCb(action="cmp", arg=c.id),
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
    callback_data: GuideCb,
    t: Translate,
    state: FSMContext,
    session: AsyncSession,
    routes: RouteData,
    settings: Settings,
) -> None:
    c = routes.compound(callback_data.arg)
    if c is None:
        await query.answer(t("guides.gone"), show_alert=True)
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
                text=t("btn.tip_confirm", id=v.tip.id), callback_data=TipCb(action="c", id=v.tip.id)
            )
        parts.append(t("guides.tips", lines=Raw("\n".join(lines))))
    parts.append(t("guides.buildings", names=buildings or "—"))
    kb.button(text=t("btn.tip_add"), callback_data=GuideCb(action="tip", arg=c.id))
    back_button(kb, t, "route")
    kb.adjust(1)
    await state.set_state(Guide.building)
    await state.update_data(compound=c.id)
    await query.answer()
    if query.message is not None:
        await query.message.answer("\n\n".join(parts), reply_markup=kb.as_markup())


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


# --- tips ------------------------------------------------------------------------------------


async def choose_tip_place(
    query: CallbackQuery,
    callback_data: GuideCb,
    t: Translate,
    state: FSMContext,
    routes: RouteData,
    **data: Any,
) -> None:
    """The tip itself is a form on the engine (bot/guides/tips.py)."""
    await query.answer()
    if isinstance(query.message, Message):
        await open_tip(query.message, state, t, callback_data.arg, routes=routes, **data)


async def decide_tip(
    query: CallbackQuery,
    callback_data: TipCb,
    t: Translate,
    session: AsyncSession,
    user: User,
    routes: RouteData,
) -> None:
    approve = callback_data.action == "a"
    tip = await tips.decide_tip(
        session, tip_id=callback_data.id, reviewer=user, approve=approve, routes=routes
    )
    done = t("guides.tip_approved" if approve else "guides.tip_declined", id=tip.id)
    await query.answer(done)
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)
        await query.message.answer(done)


async def confirm_tip(
    query: CallbackQuery, callback_data: TipCb, t: Translate, session: AsyncSession, user: User
) -> None:
    n = await tips.confirm_tip(session, tip_id=callback_data.id, user=user)
    await query.answer(t("guides.tip_confirmed", n=n), show_alert=False)


# --- mentoring -------------------------------------------------------------------------------


async def ask_mentor(query: CallbackQuery, t: Translate, session: AsyncSession, user: User) -> None:
    try:
        await mentors.request_mentor(session, user=user)
    except DomainError as exc:
        if exc.code != "not_member":
            raise
        await query.answer()
        if query.message is not None:
            await query.message.answer(t("error.not_member"), reply_markup=join_offer_keyboard(t))
        return
    await query.answer(t("guides.mentor_requested"))


async def mentoring_switch(
    message: Message, command: CommandObject, t: Translate, session: AsyncSession, user: User
) -> None:
    arg = (command.args or "").strip().lower()
    if arg not in ("on", "off"):
        await message.answer(t("guides.mentoring_usage"))
        return
    await mentors.set_mentoring(session, user=user, accepting=arg == "on")
    await message.answer(t("guides.mentoring_on" if arg == "on" else "guides.mentoring_off"))


async def list_mentees(
    message: Message, t: Translate, session: AsyncSession, user: User, settings: Settings
) -> None:
    found = await mentors.mentees(session, mentor=user)
    if not found:
        await message.answer(t("guides.mentees_none"))
        return
    lines = [
        t(
            "guides.mentee_line",
            name=m.user.display_name,
            who=f"@{m.user.username}" if m.user.username else "—",
            joined=m.joined_at.astimezone(settings.zone).strftime("%Y-%m-%d")
            if m.joined_at
            else "—",
            since=m.since.astimezone(settings.zone).strftime("%Y-%m-%d"),
        )
        for m in found
    ]
    await message.answer(t("guides.mentees", n=len(found), lines=Raw("\n".join(lines))))


def make_router() -> Router:
    router = Router(name="guide")
    router.message.filter(F.chat.type == "private")
    text_not_command = F.text & ~F.text.startswith("/")
    m, cb = router.message.register, router.callback_query.register

    m(open_guide, Command("guide"))
    m(mentoring_switch, Command("mentoring"))
    m(list_mentees, Command("mentees"))

    m(search_words, StateFilter(Guide.search), text_not_command)
    m(search_wrong, StateFilter(Guide.search), ~F.text)

    m(got_location, StateFilter(Guide.route, Guide.building), F.location)
    m(search_compounds, StateFilter(Guide.route), text_not_command)
    m(route_wrong, StateFilter(Guide.route), ~F.text)
    m(got_building, StateFilter(Guide.building), text_not_command)
    m(building_wrong, StateFilter(Guide.building), ~F.text)

    cb(open_guide_from_menu, F.data == "menu:guide")
    cb(back_to_menu, GuideCb.filter(F.action == "menu"))
    cb(handbook_menu, GuideCb.filter(F.action == "hb"))
    cb(show_topic, GuideCb.filter(F.action == "topic"))
    cb(ask_search, GuideCb.filter(F.action == "find"))
    cb(start_route, GuideCb.filter(F.action == "route"))
    cb(compound_view, GuideCb.filter(F.action == "cmp"))
    cb(choose_tip_place, GuideCb.filter(F.action == "tip"))
    cb(ask_mentor, GuideCb.filter(F.action == "mentor"))
    cb(decide_tip, TipCb.filter(F.action.in_({"a", "r"})))
    cb(confirm_tip, TipCb.filter(F.action == "c"))
    router.include_router(TIPS.router())
    return router
