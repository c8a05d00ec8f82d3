"""Routers in matching order: flows first, the fallback last.

Each module builds a fresh Router on request, so several dispatchers (tests, a restart in
one process) never share one."""

from aiogram import Router

from bot import forms, stations, surveys
from bot.cases import report
from bot.routers import (
    ask,
    claim,
    fallback,
    guide,
    membership,
    mycases,
    staff,
    start,
    triage,
)


def routers() -> list[Router]:
    return [start.make_router(), membership.make_router(), guide.make_router(), report.make_router(), mycases.make_router(), triage.make_router(), claim.make_router(), staff.make_router(), ask.make_router(), stations.make_router(), surveys.make_router(), forms.make_router(), fallback.make_router()]  # noqa: E501
