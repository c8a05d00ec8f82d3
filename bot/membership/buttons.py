"""The callback data of membership's buttons outside the join form (whose buttons are the
form engine's, with prefix "j"). Prefixes are on the wire in messages already
sent, so they stay; the old short actions are still read as their words."""

from __future__ import annotations

from typing import ClassVar

from aiogram.filters.callback_data import CallbackData

from bot.keyboards import OldActionWords


class ApplicationDecision(OldActionWords, CallbackData, prefix="md"):
    """A representative's move on an application: approve, reject (shows the reasons), back
    (from the reasons to approve/reject), decided (the decided card's button: who decided)."""

    action: str
    membership_id: int

    OLD_ACTIONS: ClassVar[dict[str, str]] = {
        "a": "approve",
        "r": "reject",
        "b": "back",
        "i": "decided",
    }


class RejectionReason(CallbackData, prefix="mr"):
    """The reason an application is rejected: one of members.REJECT_REASONS, or "typed"."""

    membership_id: int
    code: str


class LeaveConfirmation(CallbackData, prefix="lv"):
    """The answer to `/leave`'s question: leave and erase, or stay."""

    yes: bool
