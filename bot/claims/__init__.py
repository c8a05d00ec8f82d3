"""Wage-arrears claims in chat; the rules and refusals are services.claims'.

- form.py: `/claim`, the rider's form on the form engine (bot/forms.py): its steps in order,
  the summary with the deadline, Submit filing the claim once
- form_steps.py: each step's question and how its answer is read
- form_evidence.py: the form's evidence checklist step
- buttons.py: the callback data of the other claims buttons (old one-letter actions still read)
- card.py: a filed claim's card and the buttons of the moves its viewer may make
- moves.py: stage moves, recovery, a restarting event, same counterparty and groups, the PDF
- filed_steps.py, evidence.py: evidence added later to a filed claim
- lists.py: `/claims` and `/claimtotals`
"""

from aiogram import F, Router

from bot.claims import card, evidence, form, lists, moves
from bot.common.presses import answered


def make_router() -> Router:
    """The claims' own handlers (presses answered by AnswerPresses), then the claim form's,
    which answers its own presses (the engine's middleware): beside, not inside, so no press
    is answered twice."""
    router = Router(name="claims")
    router.message.filter(F.chat.type == "private")
    own = answered(Router(name="claims.own"))
    form.register(own)
    evidence.register(own)
    card.register(own)
    moves.register(own)
    lists.register(own)
    router.include_routers(own, form.CLAIM.router())
    return router
