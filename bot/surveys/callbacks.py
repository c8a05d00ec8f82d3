"""The callback data of the surveys' buttons, defined once (bot/actions.py packs them)."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class Sv(CallbackData, prefix="sv"):
    act: str  # o(ption tapped) | w(rite a text answer) | m(ute notices: id 1) / unmute (id 0)
    id: int
