"""What the sandbox chat page draws as its clickable location map: the route guide's compounds
(outlines, names) and their gates (e-bike or not) as GeoJSON, in a box fitted around them, so
a person picks a place at a real compound; without route data, a box around both demo zones."""

from __future__ import annotations

from typing import Any

from services.guides import RouteData

DEMO_MAP = {"south": 30.19, "west": 120.10, "north": 30.31, "east": 120.24}
MARGIN = 0.004  # degrees around the compounds (about 400 m)


def demo_map(routes: RouteData | None) -> dict[str, Any]:
    if routes is None or not routes.compounds:
        return dict(DEMO_MAP)
    features: list[dict[str, Any]] = []
    points: list[tuple[float, float]] = []
    for c in routes.compounds.values():
        names = {"name": c.name, "name_en": c.name_en or c.name, "kind": "compound"}
        if c.polygons:
            rings = [[[p[0], p[1]] for p in ring] for ring in c.polygons[0]]
            geometry: dict[str, Any] = {"type": "Polygon", "coordinates": rings}
            points += [(p[1], p[0]) for p in rings[0]]
        else:
            geometry = {"type": "Point", "coordinates": [c.lon, c.lat]}
            points.append((c.lat, c.lon))
        features.append({"type": "Feature", "geometry": geometry, "properties": names})
        for gate in routes.entrances(c):
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [gate.lon, gate.lat]},
                    "properties": {"kind": "gate", "ebike": gate.ebike_ok, "name": gate.name},
                }
            )
            points.append((gate.lat, gate.lon))
    lats, lons = [p[0] for p in points], [p[1] for p in points]
    return {
        "south": round(min(lats) - MARGIN, 5),
        "west": round(min(lons) - MARGIN, 5),
        "north": round(max(lats) + MARGIN, 5),
        "east": round(max(lons) + MARGIN, 5),
        "geojson": {"type": "FeatureCollection", "features": features},
    }
