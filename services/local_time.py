"""One time rule: times are stored in UTC and every date or time a person reads is shown in
the desk's zone (TIMEZONE), whoever formats it. Loading the settings installs the zone, as it
installs the SLA policy, so services that are not handed a zone still show the right day."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

DEFAULT_ZONE = "Asia/Shanghai"
_zone = DEFAULT_ZONE


def install(zone: str) -> None:
    global _zone
    ZoneInfo(zone)  # refuse an unknown name here, not when a date is first shown
    _zone = zone


def zone_name() -> str:
    return _zone


def time_zone(name: str | None = None) -> ZoneInfo:
    """The named zone, else the desk's: a service handed no zone shows the desk's time."""
    return ZoneInfo(name or _zone)


def local_date(moment: datetime | None, zone: str | None = None) -> str:
    """The day a person in the desk's zone saw this moment: 23:30 UTC is the next day in
    Shanghai."""
    return moment.astimezone(ZoneInfo(zone or _zone)).date().isoformat() if moment else "—"


def local_time(moment: datetime | None, zone: str | None = None) -> str:
    return moment.astimezone(ZoneInfo(zone or _zone)).strftime("%Y-%m-%d %H:%M") if moment else "—"


def local_today(zone: str | None = None) -> date:
    """Today as people in the desk's zone live it: the day dates typed in chat are read
    against."""
    return datetime.now(ZoneInfo(zone or _zone)).date()
