"""The callback data of membership's buttons. Prefixes are on the wire in messages already
sent, so they stay; the old short actions are still read as their words."""

from __future__ import annotations

from typing import ClassVar

from aiogram.filters.callback_data import CallbackData

from bot.keyboards import OldActionWords


class JoinButton(OldActionWords, CallbackData, prefix="j"):
    """A button of the rider's join form: consent, a choice (`value`) for one step, an edit
    from the summary, Submit, Back, Cancel."""

    action: str
    value: str = ""

    OLD_ACTIONS: ClassVar[dict[str, str]] = {
        "ok": "consent",
        "pf": "platform",
        "pf_done": "platforms_done",
        "wk": "kind",
        "wk_done": "kinds_done",
        "zn": "zone",
        "vh": "vehicle",
        "rk": "keep_referrer",
        "rs": "skip_referrer",
        "ed": "edit",
        "sub": "submit",
    }


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
