"""The callback data of claims' buttons outside the form (the form's are the engine's, with
prefix "wf"). Prefixes are on the wire in messages already sent, so they stay; the old
one-letter actions are still read as their words."""

from __future__ import annotations

from typing import ClassVar

from aiogram.filters.callback_data import CallbackData

from bot.keyboards import OldActionWords


class WageClaimAction(OldActionWords, CallbackData, prefix="wc"):
    """A move on a filed claim, from its card, a notice, or its evidence checklist."""

    action: str
    claim_id: int
    value: str = ""  # the stage moved to, the restart's reason, the evidence item

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
