"""The desk's map as GeoJSON: the route data's compounds, the zones, and the open cases and
collective issues the actor may see (a representative their zones', an admin all).

No tile server is reachable from where the desk runs, so these shapes are the whole map.
Zones have a centre, not a boundary, in the data: they are points.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, CollectiveIssue, User, Zone
from models.cases import CollectiveStatus
from services.cases import states
from services.cases.access import staff_zone_ids
from services.cases.formatting import category_name
from services.guides.routes import RouteData

GeoJSON = dict[str, Any]


def _collection(features: list[GeoJSON]) -> GeoJSON:
    return {"type": "FeatureCollection", "features": features}


def _point(lon: float, lat: float, **properties: Any) -> GeoJSON:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": properties,
    }


def compounds(routes: RouteData | None, *, lang: str) -> GeoJSON:
    """Each compound as its polygons (a MultiPolygon), or a point where the data has only one."""
    features: list[GeoJSON] = []
    for c in routes.compounds.values() if routes else ():
        name = (c.name_en or c.name) if lang == "en" else c.name
        props = {"id": c.id, "name": name, "sample": c.sample}
        if c.polygons:
            rings = [[[list(p) for p in ring] for ring in poly] for poly in c.polygons]
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "MultiPolygon", "coordinates": rings},
                    "properties": props,
                }
            )
        else:
            features.append(_point(c.lon, c.lat, **props))
    return _collection(features)


async def desk_map(
    session: AsyncSession, *, actor: User, routes: RouteData | None, lang: str
) -> dict[str, GeoJSON]:
    """The map's layers: compounds, zones, open cases (with a place), collective issues."""
    zones = await staff_zone_ids(session, user=actor)
    zone_rows = select(Zone)
    open_cases = select(Case).where(
        Case.status.in_(states.OPEN), Case.lat.is_not(None), Case.lon.is_not(None)
    )
    issues = select(CollectiveIssue).where(
        CollectiveIssue.status.in_((CollectiveStatus.open, CollectiveStatus.raised))
    )
    if zones is not None:
        zone_rows = zone_rows.where(Zone.id.in_(zones))
        open_cases = open_cases.where(Case.zone_id.in_(zones))
        issues = issues.where(CollectiveIssue.zone_id.in_(zones))
    zone_list = list((await session.execute(zone_rows.order_by(Zone.code))).scalars())
    codes = {z.id: z.code for z in zone_list}
    case_list = (await session.execute(open_cases.order_by(Case.id))).scalars()
    issue_list = (await session.execute(issues.order_by(CollectiveIssue.id))).scalars()
    case_points = [
        _point(
            c.lon,
            c.lat,
            id=c.id,
            ref=c.ref,
            category=category_name(lang, c.category),
            severity=c.severity.value,
            status=c.status.value,
            place=c.place or "",
            zone=codes.get(c.zone_id, ""),
        )
        for c in case_list
        if c.lon is not None and c.lat is not None
    ]
    issue_points = [
        _point(
            i.lon,
            i.lat,
            id=i.id,
            category=category_name(lang, i.category),
            status=i.status.value,
            place=i.place,
            zone=codes.get(i.zone_id, ""),
        )
        for i in issue_list
    ]
    zone_points = [
        _point(z.lon, z.lat, code=z.code, name=z.name_en if lang == "en" else z.name_zh)
        for z in zone_list
    ]
    return {
        "compounds": compounds(routes, lang=lang),
        "zones": _collection(zone_points),
        "cases": _collection(case_points),
        "collective": _collection(issue_points),
    }


def case_place(case: Case, *, routes: RouteData | None, lang: str) -> dict[str, GeoJSON] | None:
    """The map of one case's page: the compounds around it and the case's own point (the
    caller has already checked the case may be seen); None when the case has no place."""
    if case.lat is None or case.lon is None:
        return None
    point = _point(
        case.lon,
        case.lat,
        id=case.id,
        ref=case.ref,
        category=category_name(lang, case.category),
        severity=case.severity.value,
        status=case.status.value,
        place=case.place or "",
        zone="",
    )
    return {
        "compounds": compounds(routes, lang=lang),
        "zones": _collection([]),
        "cases": _collection([point]),
        "collective": _collection([]),
    }
