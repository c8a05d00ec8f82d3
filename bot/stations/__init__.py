"""Rider stations in chat: `/stations` (and the /guide menu's button) finds the nearest by a
shared location or a zone, a station's card books a slot with one tap, `/bookings` lists and
cancels; volunteers publish with `/slot` and see the day with `/station_day`."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, StateFilter

from bot.common.presses import answered

from . import riders, volunteers
from .callbacks import StationCb


def make_router() -> Router:
    router = answered(Router(name="stations"))
    router.message.filter(F.chat.type == "private")
    text_not_command = F.text & ~F.text.startswith("/")
    m, cb = router.message.register, router.callback_query.register

    m(riders.ask_where, Command("stations"))
    m(riders.my_bookings, Command("bookings"))
    m(volunteers.publish, Command("slot"))
    m(volunteers.day, Command("station_day"))
    m(riders.got_location, StateFilter(riders.Where.asked), F.location)
    m(riders.got_zone, StateFilter(riders.Where.asked), text_not_command)
    m(riders.where_wrong, StateFilter(riders.Where.asked), ~F.text)

    cb(riders.ask_where_button, StationCb.filter(F.act == "near"))
    cb(riders.station_card, StationCb.filter(F.act == "see"))
    cb(riders.book, StationCb.filter(F.act == "book"))
    cb(riders.cancel, StationCb.filter(F.act == "cancel"))
    cb(volunteers.mark_done, StationCb.filter(F.act == "done"))
    return router
