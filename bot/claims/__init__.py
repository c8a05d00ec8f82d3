"""Wage-arrears claims in chat; the rules and refusals are services.claims'.

- buttons.py: the callback data of every claims button (old one-letter actions still read)
- draft.py: the rider's form steps (FSM states), its draft in the FSM data, shared keyboards
- asking.py: each step's question, the evidence checklist, the summary and its deadline
- form.py: `/claim` starting or resuming the form, Back, Cancel, the answers, wrong input
- evidence.py: evidence items in the form, and evidence added later to a filed claim
- submit.py: the summary's Submit, filing the claim exactly once
- card.py: a filed claim's card and the buttons of the moves its viewer may make
- moves.py: stage moves, recovery, a restarting event, same counterparty and groups, the PDF
- lists.py: `/claims` and `/claimtotals`
"""

from aiogram import F, Router
from aiogram.types import CallbackQuery

from bot.claims import card, evidence, form, lists, moves, submit
from bot.claims.buttons import ClaimFormButton
from services.texts import Translate


async def stale_form_button(query: CallbackQuery, t: Translate) -> None:
    """A form button pressed out of its step (the form moved on, or was left)."""
    await query.answer(t("claims.stale_button"), show_alert=True)


def make_router() -> Router:
    router = Router(name="claims")
    router.message.filter(F.chat.type == "private")
    form.register(router)
    evidence.register(router)
    submit.register(router)
    card.register(router)
    moves.register(router)
    lists.register(router)
    form.register_wrong_input(router)
    router.callback_query.register(stale_form_button, ClaimFormButton.filter())
    return router
