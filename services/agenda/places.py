"""Where a meeting can be: a compound of the route guide or a rider station of the route data
(routes_data/), found by id; anything else is a place given in words."""

from __future__ import annotations

from dataclasses import dataclass

from services.guides import RouteData
from services.stations.places import Stations, stations_in


@dataclass(frozen=True)
class Place:
    id: str
    name: str
    name_en: str | None
    station: bool

    def label(self, lang: str) -> str:
        return self.name_en if lang == "en" and self.name_en else self.name


@dataclass(frozen=True)
class Places:
    routes: RouteData | None = None
    stations: Stations | None = None

    def get(self, place_id: str | None) -> Place | None:
        if not place_id:
            return None
        compound = self.routes.compound(place_id) if self.routes is not None else None
        if compound is not None:
            return Place(compound.id, compound.name, compound.name_en, station=False)
        station = self.stations.get(place_id) if self.stations is not None else None
        if station is not None:
            return Place(station.id, station.name, station.name_en, station=True)
        return None

    def all(self) -> list[Place]:
        """Compounds, then stations, each by id (for a list to pick from)."""
        found = []
        if self.routes is not None:
            found += [self.get(i) for i in sorted(self.routes.compounds)]
        if self.stations is not None:
            found += [self.get(s.id) for s in self.stations.all()]
        return [p for p in found if p is not None]


def places_of(routes: RouteData | None, routes_dir: object) -> Places:
    """The places of the route data the desk loaded (its directory also holds the stations)."""
    return Places(routes=routes, stations=stations_in(str(routes_dir)))
