"""Activists and success stories in chat: /volunteer (volunteer.py), the representatives'
buttons on an offer and the rider's on a story (buttons.py), /zoneissues for activists,
/activists and /relay for representatives (commands.py)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, StateFilter

from bot.activists import buttons, commands, volunteer
from bot.activists.callbacks import ActivistCb, StoryCb
from bot.activists.volunteer import STEPS, VolCb, VolunteerForm


def make_router() -> Router:
    router = Router(name="activists")
    router.message.filter(F.chat.type == "private")
    not_command = F.text & ~F.text.startswith("/")
    no_command = ~F.text.startswith("/")  # any message that is not a command (photos too)
    m, c = router.message.register, router.callback_query.register

    m(volunteer.volunteer_command, Command("volunteer"))
    in_form = StateFilter(*STEPS)
    c(volunteer.cancel, VolCb.filter(F.act == "cancel"), in_form)
    c(volunteer.back, VolCb.filter(F.act == "back"), in_form)
    m(volunteer.motivation_typed, VolunteerForm.motivation, not_command)
    m(volunteer.groups_typed, VolunteerForm.groups, not_command)
    m(volunteer.text_expected, StateFilter(VolunteerForm.motivation, VolunteerForm.groups),
      no_command)  # fmt: skip
    c(volunteer.time_toggled, VolCb.filter(F.act == "w"), VolunteerForm.availability)
    c(volunteer.times_done, VolCb.filter(F.act == "done"), VolunteerForm.availability)
    m(volunteer.buttons_expected,
      StateFilter(VolunteerForm.availability, VolunteerForm.summary), no_command)  # fmt: skip
    c(volunteer.send, VolCb.filter(F.act == "send"), VolunteerForm.summary)
    c(volunteer.stale, VolCb.filter())

    m(commands.zone_issues_command, Command("zoneissues"))
    m(commands.activists_command, Command("activists"))
    m(commands.relay_command, Command("relay"))
    c(commands.end_pressed, ActivistCb.filter(F.act == "e"))
    m(commands.end_note_typed, commands.EndRole.note, not_command)
    m(commands.end_note_expected, commands.EndRole.note, no_command)
    c(buttons.offer_pressed, ActivistCb.filter(F.act.in_({"c", "d", "i"})))
    c(buttons.story_pressed, StoryCb.filter(F.act.in_({"y", "n", "w"})))
    return router
