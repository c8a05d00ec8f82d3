"""The callback data of claims' buttons. Prefixes are on the wire in messages already sent, so
they stay; the old one-letter actions are still read as their words."""

from __future__ import annotations

from typing import ClassVar

from aiogram.filters.callback_data import CallbackData

from bot.keyboards import OldActionWords


class ClaimFormButton(OldActionWords, CallbackData, prefix="wf"):
    """A button of the rider's claim form: a choice (`value`) for one step, Back, Cancel."""

    action: str
    value: str = ""

    OLD_ACTIONS: ClassVar[dict[str, str]] = {
        "cp": "counterparty_kind",
        "rel": "relation",
        "same": "same_day",
        "noorders": "no_orders",
        "disc": "disclosure",
        "ev": "evidence_item",
        "evdone": "evidence_done",
        "itemok": "item_done",
        "itemskip": "item_skip",
    }


class WageClaimAction(OldActionWords, CallbackData, prefix="wc"):
    """A move on a filed claim, from its card or a notice."""

    action: str  # one of ACTIONS
    claim_id: int
    value: str = ""  # the stage moved to, the restart's reason

    OLD_ACTIONS: ClassVar[dict[str, str]] = {
        "o": "open",
        "s": "stage",
        "r": "recovery",
        "d": "restart",
        "dr": "restart_reason",
        "g": "same_counterparty",
        "j": "join_group",
        "p": "pdf",
        "e": "evidence",
    }


class ClaimTotalsButton(CallbackData, prefix="wt"):
    """`/claimtotals`: what the totals are grouped by."""

    by: str  # zone, counterparty, month
