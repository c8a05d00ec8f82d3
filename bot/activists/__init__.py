"""Activists and success stories in chat: /volunteer (volunteer.py, on the form engine), the
representatives' buttons on an offer and the rider's on a story (buttons.py), /zoneissues
for activists,
/activists (its "end role" button opens a short form for the sentence to the activist) and
/relay for representatives (commands.py)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command

from bot.activists import buttons, commands, volunteer
from bot.activists.callbacks import ActivistCb, StoryCb
from bot.common.presses import answered


def make_router() -> Router:
    """The activists' own handlers (presses answered by AnswerPresses) beside the engine
    forms', which answer their own presses, so no press is answered twice."""
    router = Router(name="activists")
    router.message.filter(F.chat.type == "private")
    own = answered(Router(name="activists.own"))
    m, c = own.message.register, own.callback_query.register

    m(volunteer.volunteer_command, Command("volunteer"))
    m(commands.zone_issues_command, Command("zoneissues"))
    m(commands.activists_command, Command("activists"))
    m(commands.relay_command, Command("relay"))
    c(commands.end_pressed, ActivistCb.filter(F.act == "e"))
    c(buttons.offer_pressed, ActivistCb.filter(F.act.in_({"c", "d", "i"})))
    c(buttons.story_pressed, StoryCb.filter(F.act.in_({"y", "n", "w"})))
    router.include_routers(own, volunteer.VOLUNTEER.router(), commands.END_ROLE.router())
    return router
