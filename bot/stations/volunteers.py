"""The volunteers' side: `/slot station kind date time minutes [places]` publishes a slot,
`/station_day [date]` lists the day's bookings at the stations they serve with a Done button
for each. Representatives serve every station."""

from __future__ import annotations

from datetime import date, datetime

from aiogram.filters import CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from app.settings import Settings
from bot.common.presses import shown
from models import User
from models.stations import BookingStatus
from models.types import utcnow
from services.stations import bookings, slots
from services.stations import present as show
from services.stations.kinds import KINDS
from services.texts import Raw, Translate

from .callbacks import StationCb
from .riders import stations_of

DEFAULT_PLACES = 1


async def publish(
    message: Message,
    command: CommandObject,
    t: Translate,
    session: AsyncSession,
    user: User,
    settings: Settings,
) -> None:
    stations = stations_of(settings)
    served = await slots.volunteer_stations(session, user=user, stations=stations)
    if not served:
        await message.answer(t("stations.not_volunteer"))
        return
    words = (command.args or "").split()
    if len(words) not in (5, 6):
        await message.answer(
            t("stations.slot_usage", stations=", ".join(served), kinds=", ".join(KINDS))
        )
        return
    station_id, kind, day, hm, minutes, *rest = words
    try:
        starts = datetime.fromisoformat(f"{day} {hm}").replace(tzinfo=settings.zone)
    except ValueError:
        await message.answer(t("stations.slot_bad_time", value=f"{day} {hm}"))
        return
    numbers = []
    for raw in (minutes, *(rest or [str(DEFAULT_PLACES)])):
        if not raw.isdigit():
            await message.answer(t("stations.slot_bad_number", value=raw))
            return
        numbers.append(int(raw))
    slot = await slots.publish_slot(
        session,
        actor=user,
        stations=stations,
        station_id=station_id,
        kind=kind,
        starts_at=starts,
        minutes=numbers[0],
        capacity=numbers[1],
        holidays=settings.holiday_dates,
    )
    station = stations.get(station_id)
    assert station is not None
    await message.answer(
        t(
            "stations.slot_published",
            station=station.label(t.lang),
            when=show.when(t.lang, slot.starts_at, utcnow()),
            kind=show.kind_name(t.lang, kind),
            minutes=slot.minutes,
            capacity=slot.capacity,
        )
    )


async def _day_list(
    t: Translate, session: AsyncSession, user: User, settings: Settings, day: date
) -> tuple[str, InlineKeyboardMarkup | None]:
    stations = stations_of(settings)
    served = await slots.volunteer_stations(session, user=user, stations=stations)
    rows = await bookings.day_bookings(session, station_ids=served, day=day)
    if not rows:
        return t("stations.day_none", day=day.isoformat()), None
    kb, lines = InlineKeyboardBuilder(), []
    for n, v in enumerate(rows, 1):
        station = stations.get(v.slot.station_id)
        done = v.booking.status is BookingStatus.done
        lines.append(
            f"{n}. "
            + t(
                "stations.day_line",
                when=v.slot.starts_at.astimezone(settings.zone).strftime("%H:%M"),
                kind=show.kind_name(t.lang, v.slot.kind),
                station=station.label(t.lang) if station else v.slot.station_id,
                rider=v.rider.display_name or "—",
                done=t("stations.day_done_mark") if done else "",
            )
        )
        if not done:
            kb.button(
                text=t("btn.booking_done", n=n),
                callback_data=StationCb(act="done", id=v.booking.id or 0, arg=day.isoformat()),
            )
    kb.adjust(3)
    markup = kb.as_markup() if kb.buttons else None
    return t("stations.day", day=day.isoformat(), lines=Raw("\n".join(lines))), markup


async def day(
    message: Message,
    command: CommandObject,
    t: Translate,
    session: AsyncSession,
    user: User,
    settings: Settings,
) -> None:
    if not await slots.volunteer_stations(session, user=user, stations=stations_of(settings)):
        await message.answer(t("stations.not_volunteer"))
        return
    raw = (command.args or "").strip()
    try:
        on = date.fromisoformat(raw) if raw else utcnow().astimezone(settings.zone).date()
    except ValueError:
        await message.answer(t("stations.day_bad", value=raw))
        return
    text, kb = await _day_list(t, session, user, settings, on)
    await message.answer(text, reply_markup=kb)


async def mark_done(
    query: CallbackQuery,
    callback_data: StationCb,
    t: Translate,
    session: AsyncSession,
    user: User,
    settings: Settings,
    callback_answer: CallbackAnswer,
) -> None:
    await bookings.mark_done(session, actor=user, booking_id=callback_data.id)
    callback_answer.text = t("stations.marked_done")
    if (message := shown(query)) is not None:
        text, kb = await _day_list(
            t, session, user, settings, date.fromisoformat(callback_data.arg)
        )
        await message.edit_text(text, reply_markup=kb)
