"""Rider stations as places: read from the route data (features tagged `rider_station=yes`,
validated by services/guides/validate.py), what each offers (`service:*=yes`), whether it is
open (its `opening_hours`), and which are nearest to a rider.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache, cached_property
from pathlib import Path
from typing import Literal

from services.guides import geo
from services.guides.opening_hours import OpeningHoursError, Schedule, parse
from services.guides.routes import RouteDataError
from services.guides.validate import Feature, check_documents, read_documents

# `service:<tag>=yes` → what the station offers (catalogue key `stations.offer.<name>`).
OFFERS = {
    "service:water": "water",
    "service:charging": "charging",
    "service:microwave": "microwave",
    "service:seating": "seating",
    "service:toilets": "toilets",
    "service:bicycle:repair": "repair",
    "service:bicycle:pump": "pump",
}

State = Literal["open", "closed", "unknown"]


@dataclass(frozen=True)
class Station:
    id: str
    name: str
    name_en: str | None
    amenity: str | None
    lat: float
    lon: float
    offers: tuple[str, ...] = ()
    opening_hours: str | None = None  # raw OSM text; None means always open
    note_zh: str | None = None
    note_en: str | None = None
    sample: bool = False

    def label(self, lang: str) -> str:
        return self.name_en if lang == "en" and self.name_en else self.name

    def note(self, lang: str) -> str | None:
        return (self.note_en or self.note_zh) if lang == "en" else self.note_zh

    @cached_property
    def schedule(self) -> Schedule | None:
        if self.opening_hours is None:
            return None
        try:
            return parse(self.opening_hours)
        except OpeningHoursError:
            return None


@dataclass(frozen=True)
class StationState:
    station: Station
    state: State
    changes_at: datetime | None  # open: closes then; closed: opens then
    distance_m: float | None = None


def state_at(
    station: Station, at: datetime, holidays: Collection[date] = (), distance: float | None = None
) -> StationState:
    if station.opening_hours is None:
        return StationState(station, "open", None, distance)
    sched = station.schedule
    if sched is None:
        return StationState(station, "unknown", None, distance)
    st = sched.state_at(at, holidays)
    return StationState(station, "open" if st.open else "closed", st.changes_at, distance)


def open_throughout(
    station: Station, start: datetime, minutes: int, holidays: Collection[date] = ()
) -> bool:
    """Open from `start` for `minutes` without closing in between. Unreadable hours count as
    closed: a volunteer cannot promise a time nobody can check."""
    if station.opening_hours is None:
        return True
    if station.schedule is None:
        return False
    st = station.schedule.state_at(start, holidays)
    if not st.open:
        return False
    return st.changes_at is None or st.changes_at >= start + timedelta(minutes=minutes)


@dataclass(frozen=True)
class Stations:
    by_id: dict[str, Station]

    def get(self, station_id: str) -> Station | None:
        return self.by_id.get(station_id)

    def all(self) -> list[Station]:
        return sorted(self.by_id.values(), key=lambda s: s.id)

    def nearest(
        self,
        lat: float,
        lon: float,
        at: datetime,
        holidays: Collection[date] = (),
        *,
        limit: int = 5,
        max_km: float = 5,
    ) -> list[StationState]:
        """Nearest first within `max_km`, each with whether it is open at `at`."""
        found = [(geo.distance_m(lat, lon, s.lat, s.lon), s.id, s) for s in self.by_id.values()]
        near = sorted(f for f in found if f[0] <= max_km * 1000)[:limit]
        return [state_at(s, at, holidays, d) for d, _, s in near]


def station_of(feature: Feature) -> Station:
    t = feature.tags
    lon, lat = feature.point
    offers = tuple(name for tag, name in OFFERS.items() if t.get(tag) == "yes")
    return Station(
        id=feature.id,
        name=t["name"],
        name_en=t.get("name:en"),
        amenity=t.get("amenity"),
        lat=lat,
        lon=lon,
        offers=offers,
        opening_hours=t.get("opening_hours"),
        note_zh=t.get("note:riders"),
        note_en=t.get("note:riders:en"),
        sample=t.get("sample") == "yes",
    )


def load_stations(path: str | Path) -> Stations:
    """The stations in every *.geojson under `path`; the same checks as the route guide, and
    the same refusal to half-load (RouteDataError lists every error)."""
    docs, problems = read_documents(Path(path))
    features, more = check_documents(docs)
    errors = [p for p in problems + more if p.severity == "error"]
    if errors:
        raise RouteDataError(errors)
    return Stations({f.id: station_of(f) for f in features if f.kind == "station"})


@cache
def stations_in(path: str) -> Stations:
    """Loaded once per directory (route data is read at start and does not change)."""
    return load_stations(path)
