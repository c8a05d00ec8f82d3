"""The riders' side of stations: where are the stations (a shared location or a zone), a
station's card with its free slots, booking with one tap, cancelling, /bookings."""

from __future__ import annotations

from datetime import datetime, timedelta

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
)
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.settings import Settings
from bot.common.presses import shown
from bot.forms import leave
from models import User, Zone
from models.stations import ServiceSlot
from models.types import utcnow
from services.errors import DomainError
from services.stations import bookings, slots
from services.stations import present as show
from services.stations.places import Station, Stations, StationState, state_at, stations_in
from services.texts import Raw, Translate

from .callbacks import StationCb

NEARBY_KM = 5
LIST = 5  # stations in a list
AHEAD = timedelta(days=7)  # slots shown on a card
MAX_BUTTON = 40


class Where(StatesGroup):
    asked = State()  # waiting for a location or a zone


def stations_of(settings: Settings) -> Stations:
    return stations_in(str(settings.routes_dir))


def _now() -> datetime:
    return utcnow()


def location_keyboard(t: Translate) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text=t("btn.stations_location"), request_location=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
        input_field_placeholder=t("stations.placeholder"),
    )


async def _zones(session: AsyncSession) -> list[Zone]:
    return list((await session.execute(select(Zone).order_by(Zone.code))).scalars())


def _zone_codes(zones: list[Zone]) -> str:
    return ", ".join(z.code for z in zones) or "—"


async def ask_where(
    message: Message, t: Translate, state: FSMContext, session: AsyncSession
) -> None:
    await state.set_state(Where.asked)
    zones = _zone_codes(await _zones(session))
    await message.answer(t("stations.ask", zones=zones), reply_markup=location_keyboard(t))


async def ask_where_button(
    query: CallbackQuery, t: Translate, state: FSMContext, session: AsyncSession
) -> None:
    if (message := shown(query)) is not None:
        await ask_where(message, t, state, session)


def _list(
    t: Translate, found: list[StationState], now: datetime
) -> tuple[str, InlineKeyboardMarkup]:
    blocks, kb = [], InlineKeyboardBuilder()
    for i, st in enumerate(found, 1):
        blocks.append(
            t(
                "stations.item",
                n=i,
                name=st.station.label(t.lang),
                distance=show.distance(t.lang, st.distance_m or 0),
                state=show.state(t.lang, st, now),
                offers=show.offers(t.lang, st.station),
            )
        )
        kb.button(
            text=st.station.label(t.lang)[:MAX_BUTTON],
            callback_data=StationCb(act="see", arg=st.station.id),
        )
    kb.adjust(1)
    return "\n\n".join(blocks), kb.as_markup()


async def got_location(
    message: Message, t: Translate, state: FSMContext, settings: Settings
) -> None:
    assert message.location is not None
    now = _now()
    loc = message.location
    found = stations_of(settings).nearest(
        loc.latitude, loc.longitude, now, settings.holiday_dates, limit=LIST, max_km=NEARBY_KM
    )
    await leave(state)
    if not found:
        await message.answer(t("stations.none_nearby", km=NEARBY_KM))
        return
    items, kb = _list(t, found, now)
    await message.answer(t("stations.nearby", items=Raw(items)), reply_markup=kb)


async def got_zone(
    message: Message, t: Translate, state: FSMContext, session: AsyncSession, settings: Settings
) -> None:
    typed = (message.text or "").strip().casefold()
    zones = await _zones(session)
    zone = next(
        (
            z
            for z in zones
            if typed in (z.code.casefold(), z.name_zh.casefold(), z.name_en.casefold())
        ),
        None,
    )
    if zone is None:
        await message.answer(
            t("stations.wrong", zones=_zone_codes(zones)), reply_markup=location_keyboard(t)
        )
        return
    now = _now()
    found = stations_of(settings).nearest(
        zone.lat, zone.lon, now, settings.holiday_dates, limit=LIST, max_km=NEARBY_KM
    )
    await leave(state)
    if not found:
        await message.answer(t("stations.none_nearby", km=NEARBY_KM))
        return
    items, kb = _list(t, found, now)
    name = zone.name_en if t.lang == "en" else zone.name_zh
    await message.answer(t("stations.by_zone", zone=name, items=Raw(items)), reply_markup=kb)


async def where_wrong(message: Message, t: Translate, session: AsyncSession) -> None:
    zones = _zone_codes(await _zones(session))
    await message.answer(t("stations.wrong", zones=zones), reply_markup=location_keyboard(t))


async def _card(
    t: Translate, session: AsyncSession, station: Station, settings: Settings
) -> tuple[str, InlineKeyboardMarkup]:
    now = _now()
    st = state_at(station, now, settings.holiday_dates)
    parts = [
        t(
            "stations.card",
            name=station.label(t.lang),
            state=show.state(t.lang, st, now),
            hours=station.opening_hours or "24/7",
            offers=show.offers(t.lang, station),
        )
    ]
    if note := station.note(t.lang):
        parts.append(t("stations.note", note=note))
    kb = InlineKeyboardBuilder()
    views = await slots.slot_views(
        session, station_id=station.id, start=now, end=now + AHEAD, limit=8
    )
    if views:
        lines = [show.slot_line(t.lang, v, now) for v in views]
        parts.append(t("stations.slots", lines=Raw("\n".join(lines))))
        for v in views:
            if v.free:
                kb.button(
                    text=show.slot_line(t.lang, v, now)[:60],
                    callback_data=StationCb(act="book", id=v.slot.id),
                )
    if not any(v.free for v in views):
        nxt = await slots.next_free_slot(session, station_id=station.id, kind=None, after=now)
        if nxt is not None:
            line = show.slot_line(t.lang, nxt, now)
            parts.append(t("stations.day_full", slot=line))
            kb.button(text=line[:60], callback_data=StationCb(act="book", id=nxt.slot.id))
        elif not views:
            parts.append(t("stations.no_slots"))
    kb.button(text=t("btn.stations_back"), callback_data=StationCb(act="near"))
    kb.adjust(1)
    return "\n\n".join(parts), kb.as_markup()


async def station_card(
    query: CallbackQuery,
    callback_data: StationCb,
    t: Translate,
    session: AsyncSession,
    settings: Settings,
    callback_answer: CallbackAnswer,
) -> None:
    station = stations_of(settings).get(callback_data.arg)
    if station is None:
        callback_answer.text = t("stations.gone")
        callback_answer.show_alert = True
        return
    text, kb = await _card(t, session, station, settings)
    if (message := shown(query)) is not None:
        await message.answer(text, reply_markup=kb)


def _cancel_button(t: Translate, booking_id: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=t("btn.booking_cancel"), callback_data=StationCb(act="cancel", id=booking_id))
    return kb.as_markup()


async def book(
    query: CallbackQuery,
    callback_data: StationCb,
    t: Translate,
    session: AsyncSession,
    user: User,
    settings: Settings,
) -> None:
    try:
        row = await bookings.book(session, rider=user, slot_id=callback_data.id)
    except DomainError as exc:
        if exc.code != "slot_full_next":
            raise
        # Full: say so and offer the next free slot as the button to tap.
        kb = InlineKeyboardBuilder()
        kb.button(
            text=str(exc.params["next"]),
            callback_data=StationCb(act="book", id=int(str(exc.params["next_id"]))),
        )
        if (message := shown(query)) is not None:
            await message.answer(
                t("error.slot_full_next", **exc.params), reply_markup=kb.as_markup()
            )
        return
    slot = await session.get(ServiceSlot, row.slot_id)
    assert slot is not None and row.id is not None
    station = stations_of(settings).get(slot.station_id)
    if (message := shown(query)) is not None:
        await message.answer(
            t(
                "stations.booked",
                kind=show.kind_name(t.lang, slot.kind),
                when=show.when(t.lang, slot.starts_at, _now()),
                station=station.label(t.lang) if station else slot.station_id,
            ),
            reply_markup=_cancel_button(t, row.id),
        )


async def cancel(
    query: CallbackQuery, callback_data: StationCb, t: Translate, session: AsyncSession, user: User
) -> None:
    row = await bookings.cancel(session, rider=user, booking_id=callback_data.id)
    slot = await session.get(ServiceSlot, row.slot_id)
    assert slot is not None
    if (message := shown(query)) is not None:
        await message.answer(
            t("stations.cancelled", when=show.when(t.lang, slot.starts_at, _now()))
        )


async def my_bookings(
    message: Message, t: Translate, session: AsyncSession, user: User, settings: Settings
) -> None:
    found = await bookings.my_bookings(session, rider=user)
    if not found:
        await message.answer(t("stations.my_none"))
        return
    now, stations = _now(), stations_of(settings)
    kb, lines = InlineKeyboardBuilder(), []
    for b, s in found:
        station = stations.get(s.station_id)
        line = t(
            "stations.my_line",
            when=show.when(t.lang, s.starts_at, now),
            kind=show.kind_name(t.lang, s.kind),
            station=station.label(t.lang) if station else s.station_id,
        )
        lines.append(line)
        kb.button(
            text=f"{t('btn.booking_cancel')} · {show.when(t.lang, s.starts_at, now)}",
            callback_data=StationCb(act="cancel", id=b.id or 0),
        )
    kb.adjust(1)
    await message.answer(t("stations.my", lines=Raw("\n".join(lines))), reply_markup=kb.as_markup())
