"""The desk's navigation: every page, in menu order. An entry shows when its route exists."""

from __future__ import annotations

from typing import NamedTuple


class NavEntry(NamedTuple):
    route: str  # the aiohttp route name
    key: str  # the catalogue key of its label


NAV: tuple[NavEntry, ...] = (
    NavEntry("cases", "desk.nav.cases"),
    NavEntry("search", "desk.nav.search"),
    NavEntry("members", "desk.nav.members"),
    NavEntry("audit", "desk.nav.audit"),
    NavEntry("workload", "desk.nav.workload"),
    NavEntry("charts", "desk.nav.charts"),
    NavEntry("map", "desk.nav.map"),
    NavEntry("api_docs", "desk.nav.api_docs"),
    NavEntry("surveys", "desk.nav.surveys"),  # surveys, and notices linked from there
    NavEntry("stations", "desk.nav.stations"),
    NavEntry("activists", "desk.nav.activists"),
    NavEntry("agenda", "desk.nav.agenda"),
)
