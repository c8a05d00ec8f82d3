"""The callback data of the accident buttons (bot/actions.py packs the named actions with it)."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class Ij(CallbackData, prefix="ij"):
    # s: the steps again; o: the injury claim of case `id`; n: open one (st: the scheme);
    # m: move the claim of case `id` to stage `st` (asks the day); t: today; x: cancel;
    # p: the summary PDF
    act: str
    id: int = 0
    st: str = ""
