"""The cases' callback data, defined once (bot/actions.py, /overdue and the cards pack it).

Each class keeps the wire prefix of the buttons already in chats, and the short action values
those older buttons carry ("ok", "wd", "sev", ...) still parse, as their words."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from pydantic import field_validator

# Action values of older buttons → the words they are now.
OLD_CASE_ACTIONS = {"sev": "severity", "reas": "reassign"}
OLD_MY_CASE_ACTIONS = {
    "ok": "confirm",
    "no": "reopen",
    "wd": "withdraw",
    "wdy": "withdraw_yes",
    "nocomment": "no_comment",
}


class CaseAction(CallbackData, prefix="rc"):
    """A representative's button on a case: open, claim, reply, ask, note, resolve, merge,
    link, severity, reassign, photos, pin, phone."""

    action: str
    case_id: int

    @field_validator("action", mode="before")
    @classmethod
    def older_value(cls, value: str) -> str:
        return OLD_CASE_ACTIONS.get(value, value)


class SeverityChoice(CallbackData, prefix="sv"):
    case_id: int
    severity: str


class ReassignTo(CallbackData, prefix="ra"):
    case_id: int
    user_id: int


class QueuePage(CallbackData, prefix="q"):
    """A page of /queue with its filters, or (menu) the list of filters."""

    page: int = 0
    category: str = ""
    status: str = ""
    menu: bool = False


class CollectiveAction(CallbackData, prefix="co"):
    action: str  # raise, resolve
    collective_id: int


class MyCaseAction(CallbackData, prefix="mc"):
    """A rider's button on their case: open, add, confirm, reopen, rate, withdraw,
    withdraw_yes, no_comment (after a rating)."""

    action: str
    case_id: int

    @field_validator("action", mode="before")
    @classmethod
    def older_value(cls, value: str) -> str:
        return OLD_MY_CASE_ACTIONS.get(value, value)


class Rating(CallbackData, prefix="rt"):
    case_id: int
    stars: int


class AskChoice(CallbackData, prefix="ask"):
    """Where a rider's free-text question goes: send, case (add to one), drop."""

    action: str
    value: int = 0  # send: 1 anonymous, 0 named; case: the case id
