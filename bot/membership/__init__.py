"""Membership in chat; the rules and refusals are services.membership's.

- join_form.py: `/join`, the join form on the form engine (bot/forms.py): the privacy notice
  first, the steps in order, a summary whose ✏️ buttons go back to one step, Submit applying
  once; an invite's referrer is in the draft before the first step
- join_steps.py: each step's question and how its answer is read (choices ticked in place,
  a zone picked or the nearest to a shared location)
- buttons.py: the callback data of the other membership buttons (old short actions still read)
- own.py: the explainer, the member card, `/mydata` and `/leave`
- decisions.py: representatives' `/invite`, `/recruits`, and deciding on applications
"""

from aiogram import F, Router

from bot.common.presses import answered
from bot.membership import decisions, join_form, own


def make_router() -> Router:
    """The rider's handlers (presses answered by AnswerPresses) beside the join form's, which
    answers its own presses (the engine's middleware), so no press is answered twice."""
    router = Router(name="membership")
    rider = Router(name="membership.rider")
    rider.message.filter(F.chat.type == "private")
    mine = answered(Router(name="membership.own"))
    own.register(mine)
    decisions.register_rider_chat(mine)
    join_form.register(mine)
    rider.include_routers(mine, join_form.JOIN.router())
    staff = answered(Router(name="membership.staff"))  # decided in a zone group too
    decisions.register(staff)
    router.include_routers(rider, staff)
    return router
