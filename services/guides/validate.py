"""Checks for route GeoJSON: every problem is collected, none stops the scan.

Files are checked one by one (structure, geometry, tags), then across files (duplicate ids,
which compound each building and entrance belongs to). `routes.load_dir` refuses to load
when any problem has severity "error"; an unreadable `opening_hours` is only a "warning",
because real OSM data carries forms we do not evaluate and the bot then shows the raw text.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from services.stations.ids import STATION_ID_MAX, is_station_id

from . import geo
from .opening_hours import check as check_hours

Kind = Literal["compound", "building", "entrance", "station"]
# A polygon is a tuple of rings (outer first), a ring a tuple of (lon, lat).
Polygon = tuple[tuple[tuple[float, float], ...], ...]

# OSM's documented values for access-type keys (wiki Key:access).
ACCESS_VALUES = frozenset(
    "yes no private permissive destination delivery customers designated permit unknown "
    "discouraged dismount use_sidepath agricultural forestry".split()
)
ACCESS_KEYS = ("access", "bicycle", "motor_vehicle", "foot")
GATE_BARRIERS = frozenset({"gate", "lift_gate", "swing_gate", "sliding_gate", "entrance"})
# A rider station (services/stations/): a place tagged `rider_station=yes` beside its
# `amenity=*`; it belongs to no compound.
STATION_TAG = "rider_station"
# An entrance this far outside its compound's polygon still belongs to it: gates sit on the
# fence line and mapped points wobble by a few metres.
EDGE_TOLERANCE_M = 25.0


@dataclass(frozen=True)
class Problem:
    file: str
    index: int | None  # feature index in the file's "features"; None for the whole file
    id: str | None
    reason: str
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        where = self.file if self.index is None else f"{self.file}#{self.index}"
        who = f" ({self.id})" if self.id else ""
        return f"{self.severity}: {where}{who}: {self.reason}"


@dataclass
class Feature:
    """A feature that passed its own checks, with tags flattened to strings."""

    file: str
    index: int
    id: str
    kind: Kind
    tags: dict[str, str]
    point: tuple[float, float]  # lon, lat: the Point, or the centroid of the polygon
    polygons: tuple[Polygon, ...] = ()
    compound_id: str | None = field(default=None)  # filled by check_documents


def feature_kind(tags: dict[str, str]) -> Kind | None:
    if tags.get(STATION_TAG) == "yes":
        return "station"
    if tags.get("place") == "neighbourhood" or tags.get("landuse") == "residential":
        return "compound"
    if tags.get("building") not in (None, "no"):
        return "building"
    if "entrance" in tags or tags.get("barrier") in GATE_BARRIERS:
        return "entrance"
    return None


def read_documents(root: Path) -> tuple[list[tuple[str, Any]], list[Problem]]:
    """Every *.geojson under root (sorted, recursive), parsed; labels are relative paths."""
    docs: list[tuple[str, Any]] = []
    problems: list[Problem] = []
    if not root.is_dir():
        return docs, [Problem(str(root), None, None, "not a directory")]
    for path in sorted(root.rglob("*.geojson")):
        label = path.relative_to(root).as_posix()
        try:
            docs.append((label, json.loads(path.read_text(encoding="utf-8"))))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            problems.append(Problem(label, None, None, f"cannot read JSON: {exc}"))
    return docs, problems


def check_documents(docs: Iterable[tuple[str, Any]]) -> tuple[list[Feature], list[Problem]]:
    features: list[Feature] = []
    problems: list[Problem] = []
    for label, doc in docs:
        f, p = _check_collection(label, doc)
        features += f
        problems += p
    problems += _check_ids(features)
    problems += _assign_compounds(features)
    return features, problems


def _check_collection(label: str, doc: Any) -> tuple[list[Feature], list[Problem]]:
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        return [], [Problem(label, None, None, "not a GeoJSON FeatureCollection")]
    raw = doc.get("features")
    if not isinstance(raw, list):
        return [], [Problem(label, None, None, '"features" is not a list')]
    features, problems = [], []
    for i, item in enumerate(raw):
        feat, probs = _check_feature(label, i, item)
        problems += probs
        if feat and not any(p.severity == "error" for p in probs):
            features.append(feat)
    return features, problems


def _check_feature(label: str, i: int, item: Any) -> tuple[Feature | None, list[Problem]]:
    if not isinstance(item, dict) or item.get("type") != "Feature":
        return None, [Problem(label, i, None, "not a GeoJSON Feature")]
    props = item.get("properties") or {}
    if not isinstance(props, dict):
        return None, [Problem(label, i, None, '"properties" is not an object')]
    tags = {str(k): str(v) for k, v in props.items() if isinstance(v, str | int | float)}
    fid = tags.get("id") or (str(item["id"]) if isinstance(item.get("id"), str | int) else None)
    kind = feature_kind(tags)
    if kind is None:
        return None, []  # roads, shops...: not ours, silently skipped
    problems: list[Problem] = []

    def bad(reason: str, severity: Literal["error", "warning"] = "error") -> None:
        problems.append(Problem(label, i, fid, reason, severity))

    if not fid:
        bad('missing "id" (e.g. "way/123", "node/456" or "demo/xh-01")')
    point, polygons = _check_geometry(kind, item.get("geometry"), bad)
    if kind == "compound" and not tags.get("name"):
        bad("compound has no name")
    if kind == "station" and not tags.get("name"):
        bad("station has no name")
    if kind == "station" and fid and not is_station_id(fid):
        bad(f"station id must be 1-{STATION_ID_MAX} ASCII letters, digits or _./:@- characters")
    if kind == "building" and not (tags.get("addr:housenumber") or tags.get("name")):
        bad("building has neither addr:housenumber nor name")
    for key in ACCESS_KEYS:
        if key in tags and tags[key] not in ACCESS_VALUES:
            bad(f"{key}={tags[key]!r} is not an OSM access value")
    if "opening_hours" in tags and (reason := check_hours(tags["opening_hours"])):
        bad(f"opening_hours {tags['opening_hours']!r}: {reason}", "warning")
    if point is None or not fid:
        return None, problems
    return Feature(label, i, fid, kind, tags, point, polygons), problems


def _check_geometry(kind: Kind, geom: Any, bad: Any) -> tuple[tuple[float, float] | None, tuple]:
    allowed = {"entrance": ("Point",)}.get(kind, ("Point", "Polygon", "MultiPolygon"))
    if not isinstance(geom, dict) or geom.get("type") not in allowed:
        got = geom.get("type") if isinstance(geom, dict) else None
        bad(f"{kind} geometry must be {' or '.join(allowed)}, got {got}")
        return None, ()
    coords = geom.get("coordinates")
    try:
        if geom["type"] == "Point":
            pos = _position(coords, bad)
            return (pos, ()) if pos else (None, ())
        raw_polys = [coords] if geom["type"] == "Polygon" else list(coords)
        polygons = tuple(_polygon(p, bad) for p in raw_polys)
    except (TypeError, ValueError, IndexError):
        bad("malformed coordinates")
        return None, ()
    if not polygons or any(p is None for p in polygons):
        return None, ()
    main = max(polygons, key=lambda p: abs(geo.ring_area_centroid(p[0])[0]))
    return geo.polygon_centroid(main), polygons


def _polygon(rings: Any, bad: Any) -> Polygon | None:
    out = []
    for ring in rings:
        pts = [_position(p, bad) for p in ring]
        if any(p is None for p in pts):
            return None
        if len(pts) < 4 or pts[0] != pts[-1]:
            bad("polygon ring must be closed and have at least 4 positions")
            return None
        out.append(tuple(p for p in pts if p))
    if not out:
        bad("polygon has no rings")
        return None
    return tuple(out)


def _position(pos: Any, bad: Any) -> tuple[float, float] | None:
    if (
        not isinstance(pos, list | tuple)
        or len(pos) < 2
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in pos[:2])
    ):
        bad(f"bad position {pos!r}")
        return None
    lon, lat = float(pos[0]), float(pos[1])
    if -180 <= lon <= 180 and -90 <= lat <= 90:
        return lon, lat
    if -90 <= lon <= 90 and -180 <= lat <= 180:
        bad(f"position {[lon, lat]} looks like [lat, lon]; GeoJSON wants [lon, lat]")
    else:
        bad(f"position {[lon, lat]} is out of range")
    return None


def _check_ids(features: list[Feature]) -> list[Problem]:
    seen: dict[str, Feature] = {}
    problems = []
    for f in features:
        if f.id in seen:
            first = seen[f.id]
            problems.append(
                Problem(f.file, f.index, f.id, f"duplicate id, first at {first.file}#{first.index}")
            )
        else:
            seen[f.id] = f
    return problems


def _assign_compounds(features: list[Feature]) -> list[Problem]:
    """Explicit `compound` tag first, then inside a polygon, then near its fence."""
    compounds: dict[str, Feature] = {}
    for f in features:  # on a duplicate id the first one counts, as _check_ids reports
        if f.kind == "compound":
            compounds.setdefault(f.id, f)
    shaped = [c for c in compounds.values() if c.polygons]
    problems = []
    for f in features:
        if f.kind in ("compound", "station"):
            continue
        ref = f.tags.get("compound")
        if ref:
            if ref in compounds:
                f.compound_id = ref
            else:
                problems.append(Problem(f.file, f.index, f.id, f"compound {ref!r} does not exist"))
            continue
        lon, lat = f.point
        inside = [c for c in shaped if any(geo.point_in_polygon(lon, lat, p) for p in c.polygons)]
        if inside:  # nested compounds: the smallest one that holds the point
            f.compound_id = min(inside, key=_area).id
            continue
        if f.kind == "entrance":
            near = [
                (min(geo.distance_to_ring_m(lon, lat, p[0]) for p in c.polygons), c.id)
                for c in shaped
            ]
            best = min(near, default=None)
            if best and best[0] <= EDGE_TOLERANCE_M:
                f.compound_id = best[1]
                continue
        problems.append(
            Problem(
                f.file,
                f.index,
                f.id,
                f"{f.kind} belongs to no compound "
                '(not inside a compound polygon and no "compound" tag)',
            )
        )
    return problems


def _area(c: Feature) -> float:
    return sum(abs(geo.ring_area_centroid(p[0])[0]) for p in c.polygons)
