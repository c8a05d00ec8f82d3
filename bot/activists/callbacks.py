"""The callback data of the activists' and stories' buttons (bot/actions.py draws them)."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class ActivistCb(CallbackData, prefix="av"):
    act: str  # c: confirm, d: decline, i: the decided card's button (says who decided)
    id: int


class StoryCb(CallbackData, prefix="st"):
    act: str  # y: agree, n: refuse, w: withdraw consent
    id: int
