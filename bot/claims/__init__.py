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


def make_router() -> Router:
    router = Router(name="claims")
    router.message.filter(F.chat.type == "private")
    form.register(router)
    evidence.register(router)
    card.register(router)
    moves.register(router)
    lists.register(router)
    router.include_router(form.CLAIM.router())
    return router
