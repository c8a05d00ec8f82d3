"""Membership in chat; the rules and refusals are services.membership's.

- buttons.py: the callback data of every membership button (old short actions still read)
- join_steps.py: the join form's steps (FSM states), keyboards, and asking each question
- join_form.py: `/join` starting or resuming the form, Back, Cancel, the answers, the
  summary's edits and Submit, wrong input
- own.py: the explainer, the member card, `/mydata` and `/leave`
- decisions.py: representatives' `/invite`, `/recruits`, and deciding on applications
"""

from aiogram import F, Router

from bot.membership import decisions, join_form, own


def make_router() -> Router:
    router = Router(name="membership")
    rider = Router(name="membership.rider")
    rider.message.filter(F.chat.type == "private")
    own.register(rider)
    decisions.register_rider_chat(rider)
    join_form.register(rider)
    staff = Router(name="membership.staff")  # applications may be decided in a zone group
    decisions.register(staff)
    router.include_routers(rider, staff)
    return router
