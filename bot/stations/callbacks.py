"""The stations flow's callback data, packed here once (bot/actions.py and /guide use it)."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class StationCb(CallbackData, prefix="st"):
    # near: ask where | see: a station's card | book: a slot | cancel: a booking
    # | done: a volunteer marks a booking served
    act: str
    id: int = 0
    arg: str = ""
