"""The rider route map: compounds, their buildings and e-bike entrances, and the questions
the bot and the API ask of it.

Distances to a polygon compound are measured to the centroid of its (largest) polygon; to a
building, to its centroid. All distances are geodesic metres (geopy).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import Literal

from . import geo
from .housenumber import number_key
from .opening_hours import OpeningHoursError, Schedule, parse
from .validate import Feature, Polygon, Problem, check_documents, read_documents

NO_ENTRY = frozenset({"no", "private"})
# Doors riders must not be sent to even when the tags allow it.
NOT_FOR_RIDERS = frozenset({"emergency", "exit"})


class RouteDataError(ValueError):
    """The directory has problems; nothing was loaded. `problems` lists every one."""

    def __init__(self, problems: list[Problem]) -> None:
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(f"{len(problems)} problem(s) in route data:\n{lines}")
        self.problems = problems


@dataclass(frozen=True)
class Compound:
    id: str
    name: str
    name_en: str | None
    lat: float
    lon: float
    polygons: tuple[Polygon, ...] = ()
    note_zh: str | None = None
    note_en: str | None = None
    sample: bool = False


@dataclass(frozen=True)
class Building:
    id: str
    compound_id: str
    housenumber: str | None
    name: str | None
    lat: float
    lon: float
    note_zh: str | None = None
    note_en: str | None = None

    @property
    def label(self) -> str:
        return self.housenumber or self.name or self.id


@dataclass(frozen=True)
class Entrance:
    id: str
    compound_id: str
    lat: float
    lon: float
    kind: str  # entrance=* value (main, service, yes...) or "gate" for a bare barrier=gate
    name: str | None = None
    access: str | None = None
    bicycle: str | None = None
    motor_vehicle: str | None = None
    opening_hours: str | None = None  # raw OSM text, shown as-is when we cannot read it
    note_zh: str | None = None
    note_en: str | None = None

    @property
    def ebike_ok(self) -> bool:
        """May an e-bike (电动自行车, mapped under OSM `bicycle`) go through?"""
        if self.kind in NOT_FOR_RIDERS or self.bicycle == "no":
            return False
        return self.access not in NO_ENTRY or self.bicycle in ("yes", "designated")

    @cached_property
    def schedule(self) -> Schedule | None:
        """None when there is no opening_hours tag (then always open) or it is unreadable."""
        if self.opening_hours is None:
            return None
        try:
            return parse(self.opening_hours)
        except OpeningHoursError:
            return None

    @property
    def hours_unreadable(self) -> bool:
        return self.opening_hours is not None and self.schedule is None


State = Literal["open", "closed", "unknown"]


@dataclass(frozen=True)
class EntranceChoice:
    entrance: Entrance
    state: State
    # open: when it closes; closed: when it opens; None: no change within a year / unknown.
    changes_at: datetime | None
    distance_m: float | None = None  # from the building asked about, if any

    @property
    def opens_at(self) -> datetime | None:
        return self.changes_at if self.state == "closed" else None

    @property
    def closes_at(self) -> datetime | None:
        return self.changes_at if self.state == "open" else None


@dataclass(frozen=True)
class NearbyCompound:
    compound: Compound
    distance_m: float


def entrance_state(
    entrance: Entrance, at: datetime, holidays: Collection[date] = ()
) -> EntranceChoice:
    if entrance.opening_hours is None:
        return EntranceChoice(entrance, "open", None)
    sched = entrance.schedule
    if sched is None:
        return EntranceChoice(entrance, "unknown", None)
    st = sched.state_at(at, holidays)
    return EntranceChoice(entrance, "open" if st.open else "closed", st.changes_at)


def _rank(choice: EntranceChoice, at: datetime) -> tuple:
    """Open first (designated e-bike gates before others), then unknown hours (the rider can
    read the raw text), then closed ones by how soon they open; never-opening ones last."""
    e = choice.entrance
    if choice.state == "open":
        return (0, 0 if e.bicycle == "designated" else 1, choice.distance_m or 0.0)
    if choice.state == "unknown":
        return (1, 0, choice.distance_m or 0.0)
    wait = (choice.opens_at - at).total_seconds() if choice.opens_at else float("inf")
    return (2, wait, choice.distance_m or 0.0)


def _norm(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


@dataclass(frozen=True)
class RouteData:
    compounds: dict[str, Compound]
    buildings_by_compound: dict[str, tuple[Building, ...]]
    entrances_by_compound: dict[str, tuple[Entrance, ...]]

    def compound(self, compound_id: str) -> Compound | None:
        return self.compounds.get(compound_id)

    def nearest_compounds(
        self, lat: float, lon: float, limit: int = 3, max_km: float = 5
    ) -> list[NearbyCompound]:
        found = [
            NearbyCompound(c, geo.distance_m(lat, lon, c.lat, c.lon))
            for c in self.compounds.values()
        ]
        found = [n for n in found if n.distance_m <= max_km * 1000]
        return sorted(found, key=lambda n: (n.distance_m, n.compound.id))[:limit]

    def search_compounds(self, query: str, limit: int = 10) -> list[Compound]:
        """Substring match on the Chinese or English name, ignoring case, spaces and
        punctuation ("xinhe" finds "Xinhe Garden"); names that start with it come first."""
        q = _norm(query)
        if not q:
            return []
        hits = []
        for c in self.compounds.values():
            names = [_norm(n) for n in (c.name, c.name_en) if n]
            if any(q in n for n in names):
                hits.append((not any(n.startswith(q) for n in names), c.name, c))
        return [c for *_, c in sorted(hits, key=lambda h: h[:2])][:limit]

    def buildings(self, compound: Compound | str) -> list[Building]:
        cid = compound if isinstance(compound, str) else compound.id
        items = self.buildings_by_compound.get(cid, ())
        return sorted(items, key=lambda b: _natural(b.label))

    def entrances(self, compound: Compound | str) -> list[Entrance]:
        cid = compound if isinstance(compound, str) else compound.id
        return list(self.entrances_by_compound.get(cid, ()))

    def find_building(self, compound: Compound | str, number: str) -> Building | None:
        """Tolerates "3", "3号楼", "3幢", "3栋", "No. 3", "三号楼", full-width digits."""
        key = number_key(number)
        if not key:
            return None
        items = self.buildings(compound)
        for b in items:
            if b.housenumber and number_key(b.housenumber) == key:
                return b
        for b in items:  # buildings mapped with a name only ("3号楼")
            if b.name and number_key(b.name) == key:
                return b
        return None

    def ebike_entrances(
        self, compound: Compound | str, at: datetime, holidays: Collection[date] = ()
    ) -> list[EntranceChoice]:
        """Every entrance an e-bike may use, best first (see `_rank`)."""
        choices = [entrance_state(e, at, holidays) for e in self.entrances(compound) if e.ebike_ok]
        return sorted(choices, key=lambda c: _rank(c, at))

    def ebike_entrance_now(
        self, compound: Compound | str, at: datetime, holidays: Collection[date] = ()
    ) -> EntranceChoice | None:
        """The entrance to use now: open now, else the one opening soonest (`opens_at`).
        None when the compound has no entrance an e-bike may use."""
        ranked = self.ebike_entrances(compound, at, holidays)
        return ranked[0] if ranked else None

    def entrance_for_building(
        self,
        compound: Compound | str,
        building: Building,
        at: datetime,
        holidays: Collection[date] = (),
    ) -> EntranceChoice | None:
        """The nearest e-bike entrance to the building that is open now; if none is open,
        the nearest with unreadable hours, else the one that opens soonest."""
        choices = []
        for e in self.entrances(compound):
            if not e.ebike_ok:
                continue
            c = entrance_state(e, at, holidays)
            d = geo.distance_m(building.lat, building.lon, e.lat, e.lon)
            choices.append(EntranceChoice(e, c.state, c.changes_at, d))
        if not choices:
            return None
        open_ones = [c for c in choices if c.state == "open"]
        if open_ones:
            return min(open_ones, key=lambda c: (c.distance_m or 0.0, c.entrance.id))
        return min(choices, key=lambda c: _rank(c, at))


def _natural(label: str) -> tuple:
    key = number_key(label)
    digits = "".join(ch for ch in key if ch.isdigit())
    return (0, int(digits), key) if digits and key.startswith(digits) else (1, 0, key)


def validate_dir(path: str | Path) -> list[Problem]:
    """Every problem in the *.geojson files under `path`, errors and warnings."""
    docs, problems = read_documents(Path(path))
    return problems + check_documents(docs)[1]


def load_dir(path: str | Path) -> RouteData:
    """Load every *.geojson under `path`, or raise RouteDataError listing every error."""
    docs, problems = read_documents(Path(path))
    features, more = check_documents(docs)
    errors = [p for p in problems + more if p.severity == "error"]
    if errors:
        raise RouteDataError(errors)
    return build(features)


def build(features: list[Feature]) -> RouteData:
    compounds: dict[str, Compound] = {}
    buildings: dict[str, list[Building]] = {}
    entrances: dict[str, list[Entrance]] = {}
    for f in features:
        t = f.tags
        lon, lat = f.point
        notes = {"note_zh": t.get("note:riders"), "note_en": t.get("note:riders:en")}
        if f.kind == "compound":
            compounds[f.id] = Compound(
                f.id,
                t["name"],
                t.get("name:en"),
                lat,
                lon,
                f.polygons,
                sample=t.get("sample") == "yes",
                **notes,
            )
        elif f.kind == "building" and f.compound_id:
            buildings.setdefault(f.compound_id, []).append(
                Building(
                    f.id, f.compound_id, t.get("addr:housenumber"), t.get("name"), lat, lon, **notes
                )
            )
        elif f.kind == "entrance" and f.compound_id:
            entrances.setdefault(f.compound_id, []).append(
                Entrance(
                    f.id,
                    f.compound_id,
                    lat,
                    lon,
                    t.get("entrance", "gate"),
                    t.get("name"),
                    t.get("access"),
                    t.get("bicycle"),
                    t.get("motor_vehicle"),
                    t.get("opening_hours"),
                    **notes,
                )
            )
    return RouteData(
        compounds,
        {k: tuple(v) for k, v in buildings.items()},
        {k: tuple(v) for k, v in entrances.items()},
    )
