"""The route guide's callback data, defined once (bot/actions.py packs the tip reviews).

Each class keeps the wire prefix of the buttons already in chats; the short action values
those older buttons carry ("hb", "cmp", "a", ...) still parse, as their words."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from pydantic import field_validator

OLD_GUIDE_ACTIONS = {"hb": "handbook", "cmp": "compound"}
OLD_TIP_ACTIONS = {"a": "approve", "r": "reject", "c": "confirm"}


class GuideButton(CallbackData, prefix="gd"):
    """A /guide button: menu, handbook, topic, find, route, compound, tip, mentor."""

    action: str
    arg: str = ""

    @field_validator("action", mode="before")
    @classmethod
    def older_value(cls, value: str) -> str:
        return OLD_GUIDE_ACTIONS.get(value, value)


class TipReview(CallbackData, prefix="tip"):
    """A rider's tip: approve or reject (its zone's representative), confirm (a rider)."""

    action: str
    id: int

    @field_validator("action", mode="before")
    @classmethod
    def older_value(cls, value: str) -> str:
        return OLD_TIP_ACTIONS.get(value, value)
