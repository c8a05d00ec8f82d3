"""Stations and slots as people read them, in their language (Telegram HTML): what a station
offers, whether it is open now ("开放中，22:00 关闭"), a slot's line ("12月3日 14:00 · 补胎 ·
还剩 2 个位置"). Times in the desk's zone; the words are the route guide's where they match."""

from __future__ import annotations

from datetime import datetime, tzinfo

from services.guides import present as guide
from services.local_time import time_zone
from services.texts import text

from .places import Station, StationState
from .slots import SlotView


def kind_name(lang: str, kind: str) -> str:
    return text(lang, f"stations.kind.{kind}")


def offers(lang: str, station: Station) -> str:
    sep = "、" if lang == "zh" else ", "
    return sep.join(text(lang, f"stations.offer.{o}") for o in station.offers) or "—"


def state(lang: str, st: StationState, now: datetime, tz: tzinfo | None = None) -> str:
    tz = tz or time_zone()
    if st.state == "unknown":
        return text(lang, "guides.state_unknown", raw=st.station.opening_hours or "")
    if st.state == "open":
        if st.changes_at is None:
            return text(lang, "guides.state_open_always")
        return text(lang, "guides.state_open_until", when=guide.when(lang, st.changes_at, now, tz))
    if st.changes_at is None:
        return text(lang, "guides.state_closed_long")
    return text(lang, "guides.state_closed_until", when=guide.when(lang, st.changes_at, now, tz))


def when(lang: str, moment: datetime, now: datetime, tz: tzinfo | None = None) -> str:
    return guide.when(lang, moment, now, tz or time_zone())


def slot_line(lang: str, view: SlotView, now: datetime, tz: tzinfo | None = None) -> str:
    key = "stations.slot_line" if view.free else "stations.slot_line_full"
    return text(
        lang,
        key,
        when=when(lang, view.slot.starts_at, now, tz),
        kind=kind_name(lang, view.slot.kind),
        minutes=view.slot.minutes,
        free=view.free,
    )


def distance(lang: str, metres: float) -> str:
    return guide.distance(lang, metres)
