"""Distances, polygon helpers and GCJ-02 ("Mars coordinates") conversion.

Coordinates in this package are (lon, lat) pairs as in GeoJSON, except where a function
takes `lat, lon` arguments explicitly, as geopy does.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from geopy.distance import geodesic

Ring = Sequence[Sequence[float]]

# Krasovsky 1940 ellipsoid, as used by the GCJ-02 obfuscation.
_A = 6378245.0
_EE = 0.00669342162296594323


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Geodesic distance in metres (WGS-84 ellipsoid)."""
    return geodesic((lat1, lon1), (lat2, lon2)).meters


def outside_china(lon: float, lat: float) -> bool:
    # GCJ-02 is only applied inside mainland China's rough bounding box.
    return not (72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _delta(lon: float, lat: float) -> tuple[float, float]:
    x, y = lon - 105.0, lat - 35.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    dlat += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2 / 3
    dlat += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2 / 3
    dlat += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2 / 3
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    dlon += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2 / 3
    dlon += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2 / 3
    dlon += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2 / 3
    rad = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad) ** 2
    sqrt_magic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * math.cos(rad) * math.pi)
    return dlon, dlat


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    if outside_china(lon, lat):
        return lon, lat
    dlon, dlat = _delta(lon, lat)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    """Invert GCJ-02 by fixed-point iteration: error well under a centimetre."""
    if outside_china(lon, lat):
        return lon, lat
    wlon, wlat = lon, lat
    for _ in range(10):
        glon, glat = wgs84_to_gcj02(wlon, wlat)
        dlon, dlat = glon - lon, glat - lat
        wlon, wlat = wlon - dlon, wlat - dlat
        if abs(dlon) < 1e-10 and abs(dlat) < 1e-10:
            break
    return wlon, wlat


def ring_area_centroid(ring: Ring) -> tuple[float, float, float]:
    """(signed area in degrees², centroid lon, centroid lat); planar, fine for a compound."""
    area = cx = cy = 0.0
    # Work relative to the first vertex: with raw lon ~120 the cross products cancel
    # catastrophically and a 30 m building's centroid lands tens of metres off.
    ox, oy = ring[0][0], ring[0][1]
    pts = [(p[0] - ox, p[1] - oy) for p in ring]
    for (x0, y0), (x1, y1) in zip(pts, pts[1:] + pts[:1], strict=True):
        cross = x0 * y1 - x1 * y0
        area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    area /= 2
    if abs(area) < 1e-15:  # degenerate ring: fall back to the vertex mean
        n = max(len(pts), 1)
        return 0.0, ox + sum(p[0] for p in pts) / n, oy + sum(p[1] for p in pts) / n
    return area, ox + cx / (6 * area), oy + cy / (6 * area)


def polygon_centroid(rings: Sequence[Ring]) -> tuple[float, float]:
    """Centroid (lon, lat) of a polygon's outer ring (holes are ignored: compounds rarely have
    them and the point is only used for distance and ordering)."""
    _, lon, lat = ring_area_centroid(rings[0])
    return lon, lat


def point_in_ring(lon: float, lat: float, ring: Ring) -> bool:
    inside = False
    pts = list(ring)
    for (x0, y0, *_), (x1, y1, *_) in zip(pts, pts[1:] + pts[:1], strict=True):
        if (y0 > lat) != (y1 > lat) and lon < (x1 - x0) * (lat - y0) / (y1 - y0) + x0:
            inside = not inside
    return inside


def point_in_polygon(lon: float, lat: float, rings: Sequence[Ring]) -> bool:
    return point_in_ring(lon, lat, rings[0]) and not any(
        point_in_ring(lon, lat, hole) for hole in rings[1:]
    )


def distance_to_ring_m(lon: float, lat: float, ring: Ring) -> float:
    """Approximate metres from a point to a ring's edges (local flat projection)."""
    kx = 111_320.0 * math.cos(math.radians(lat))
    ky = 110_540.0
    best = math.inf
    pts = [((p[0] - lon) * kx, (p[1] - lat) * ky) for p in ring]
    for (x0, y0), (x1, y1) in zip(pts, pts[1:] + pts[:1], strict=True):
        dx, dy = x1 - x0, y1 - y0
        seg = dx * dx + dy * dy
        t = 0.0 if seg == 0 else max(0.0, min(1.0, -(x0 * dx + y0 * dy) / seg))
        best = min(best, math.hypot(x0 + t * dx, y0 + t * dy))
    return best
