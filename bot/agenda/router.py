"""/agenda in chat: a member sees their zone's open items with how many support each and a
one-tap support (or withdraw) button per item; a representative sees their zones' agenda
and the coming meetings. Invitation buttons answer a meeting (yes or no). The router also
takes /propose (`propose`)."""

from __future__ import annotations

import contextlib

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from app.settings import Settings
from bot.agenda import propose
from bot.agenda.callbacks import AgendaCb
from bot.common.presses import answered, shown
from bot.errors import explain
from models import User
from services.agenda import items, meetings, support
from services.agenda.notices import kind_name, level_name, place_name
from services.agenda.places import Places, places_of
from services.cases.access import is_staff
from services.cases.formatting import split_text
from services.errors import DomainError
from services.guides import RouteData
from services.local_time import local_time
from services.texts import Raw, Translate


def _line(t: Translate, entry: items.Entry) -> str:
    i = entry.item
    return t(
        "agenda.chat.line",
        id=i.id,
        level=level_name(t.lang, i.level.value),
        title=i.title,
        status=t(f"agenda.status.{i.status.value}"),
        n=entry.supporters,
    )


def _keyboard(t: Translate, entries: list[items.Entry]) -> InlineKeyboardMarkup | None:
    if not entries:
        return None
    kb = InlineKeyboardBuilder()
    for e in entries:
        if e.supported:
            kb.button(
                text=t("btn.agenda_withdraw", id=e.item.id),
                callback_data=AgendaCb(act="w", id=e.item.id or 0),
            )
        else:
            kb.button(
                text=t("btn.agenda_support", id=e.item.id),
                callback_data=AgendaCb(act="s", id=e.item.id or 0),
            )
    kb.adjust(2)
    return kb.as_markup()


async def _listing(
    session: AsyncSession, user: User, t: Translate, places: Places
) -> tuple[str, InlineKeyboardMarkup | None]:
    entries = await items.agenda(session, reader=user, limit=30)
    staff = is_staff(user)
    lines = [_line(t, e) for e in entries] or [t("agenda.chat.empty")]
    coming = await meetings.meetings(session, reader=user, upcoming_only=True, limit=10)
    meeting_lines = [
        t(
            "agenda.chat.meeting",
            when=local_time(v.meeting.starts_at),
            kind=kind_name(t.lang, v.meeting.kind.value),
            place=place_name(t.lang, v.meeting, places),
            ids=", ".join(f"#{i.id}" for i in v.items),
        )
        for v in reversed(coming)
    ]
    body = t(
        "agenda.chat.staff_title" if staff else "agenda.chat.title",
        items=Raw("\n".join(lines)),
        meetings=Raw("\n".join(meeting_lines) or t("agenda.chat.no_meetings")),
    )
    return body, None if staff else _keyboard(t, entries)


async def show_agenda(
    message: Message,
    session: AsyncSession,
    user: User,
    t: Translate,
    settings: Settings,
    routes: RouteData | None = None,
) -> None:
    body, markup = await _listing(session, user, t, places_of(routes, settings.routes_dir))
    pieces = split_text(body)
    for n, piece in enumerate(pieces):
        await message.answer(piece, reply_markup=markup if n == len(pieces) - 1 else None)


async def toggle_support(
    query: CallbackQuery,
    callback_data: AgendaCb,
    session: AsyncSession,
    user: User,
    t: Translate,
    settings: Settings,
    callback_answer: CallbackAnswer,
    routes: RouteData | None = None,
) -> None:
    on = callback_data.act == "s"
    try:
        entry = await support.toggle(session, user=user, item_id=callback_data.id, on=on)
    except DomainError as exc:
        callback_answer.text = explain(t, exc)[:200]
        callback_answer.show_alert = True
        return
    key = "agenda.chat.supported" if on else "agenda.chat.withdrawn"
    callback_answer.text = t(key, id=entry.item.id, n=entry.supporters)
    if (message := shown(query)) is not None:
        places = places_of(routes, settings.routes_dir)
        body, markup = await _listing(session, user, t, places)
        with contextlib.suppress(TelegramBadRequest):  # unchanged, or too long to edit
            await message.edit_text(split_text(body)[0], reply_markup=markup)


async def answer_meeting(
    query: CallbackQuery,
    callback_data: AgendaCb,
    session: AsyncSession,
    user: User,
    t: Translate,
    callback_answer: CallbackAnswer,
) -> None:
    coming = callback_data.act == "y"
    try:
        view = await meetings.answer(
            session, user=user, meeting_id=callback_data.id, rsvp="yes" if coming else "no"
        )
    except DomainError as exc:
        callback_answer.text = explain(t, exc)[:200]
        callback_answer.show_alert = True
        return
    key = "agenda.chat.coming" if coming else "agenda.chat.not_coming"
    callback_answer.text = t(key, when=local_time(view.meeting.starts_at))


def make_router() -> Router:
    """The agenda's own handlers (presses answered by AnswerPresses) beside the proposal
    form's, which answers its own presses, so no press is answered twice."""
    router = Router(name="agenda")
    router.message.filter(F.chat.type == "private")
    own = answered(Router(name="agenda.own"))
    own.message.register(show_agenda, Command("agenda"))
    own.callback_query.register(toggle_support, AgendaCb.filter(F.act.in_({"s", "w"})))
    own.callback_query.register(answer_meeting, AgendaCb.filter(F.act.in_({"y", "n"})))
    own.message.register(propose.start, Command("propose"))
    router.include_routers(own, propose.PROPOSE.router())
    return router
