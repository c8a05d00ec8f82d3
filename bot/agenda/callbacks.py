"""The agenda's callback data: one class, so each button's format is defined once."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class AgendaCb(CallbackData, prefix="ag"):
    act: str  # s: support, w: withdraw, y: coming to the meeting, n: not coming
    id: int
