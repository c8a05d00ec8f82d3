"""Routers in matching order: flows first, the fallback last.

Each module builds a fresh Router on request, so several dispatchers (tests, a restart in
one process) never share one."""

from aiogram import Router

import bot.accident
from bot import activists, claims, forms, membership, stations, surveys
from bot.agenda.router import make_router as make_agenda_router
from bot.cases import ask, mycases, report, triage
from bot.common import fallback, staff, start
from bot.guides import guide


def routers() -> list[Router]:
    return [
        start.make_router(),
        membership.make_router(),
        guide.make_router(),
        report.make_router(),
        mycases.make_router(),
        triage.make_router(),
        claims.make_router(),
        staff.make_router(),
        activists.make_router(),
        ask.make_router(),
        stations.make_router(),
        bot.accident.make_router(),
        make_agenda_router(),
        surveys.make_router(),
        forms.make_router(),
        fallback.make_router(),
    ]
