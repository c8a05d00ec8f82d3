"""The map: the route data's compounds, the zones, open cases and collective issues as
GeoJSON layers on Leaflet (vendored). No tile server is reachable, so the shapes are the map.
The layers are services.desk.map_points's, zone-scoped there."""

from __future__ import annotations

from aiohttp import web

from services.desk import map_points as desk_map
from web.guard import Desk, staff_only
from web.keys import CTX

routes = web.RouteTableDef()


@routes.get("/map", name="map")
@staff_only
async def map_page(desk: Desk) -> web.StreamResponse:
    routes_data = desk.request.app[CTX].routes
    layers = await desk_map.desk_map(
        desk.session, actor=desk.me, routes=routes_data, lang=desk.lang
    )
    labels, words = map_words(desk)
    for case in layers["cases"]["features"]:  # the popup leads to the case page
        case["properties"]["href"] = desk.url("case", ref=case["properties"]["ref"])
    counts = {key: len(layer["features"]) for key, layer in layers.items()}
    return desk.render(
        "map.html",
        layers=layers,
        labels=labels,
        words=words,
        counts=counts,
        centre=centre(desk.request.query.get("at", "")),
        small=False,
    )


def centre(raw: str) -> list[float] | None:
    """?at=lat,lon (the case page's link): the map opens there; anything else is ignored."""
    try:
        lat, lon = (float(part) for part in raw.split(","))
    except ValueError:
        return None
    return [lat, lon] if -90 <= lat <= 90 and -180 <= lon <= 180 else None


def map_words(desk: Desk) -> tuple[dict[str, str], dict[str, str]]:
    """The layers' names and the statuses' words, for map.js."""
    labels = {
        key: str(desk.t(f"desk.map.layer.{key}"))
        for key in ("compounds", "zones", "cases", "collective", "all")
    }
    statuses = ("new", "acknowledged", "in_progress", "waiting_for_rider", "open", "raised")
    return labels, {s: str(desk.t(f"desk.map.status.{s}")) for s in statuses}
