import pytest

from services.guides import geo

# Published eviltransform test vectors: (WGS-84 lat, lon, GCJ-02 lat, lon).
KNOWN = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),  # Shanghai
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),  # Shenzhen
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),  # Beijing
]


@pytest.mark.parametrize(("wlat", "wlon", "glat", "glon"), KNOWN)
def test_gcj02_matches_known_pairs(wlat, wlon, glat, glon) -> None:
    assert geo.wgs84_to_gcj02(wlon, wlat) == pytest.approx((glon, glat), abs=1e-8)
    lon, lat = geo.gcj02_to_wgs84(glon, glat)
    assert geo.distance_m(lat, lon, wlat, wlon) < 0.01


def test_gcj02_offset_in_hangzhou_is_a_few_hundred_metres() -> None:
    lon, lat = geo.gcj02_to_wgs84(120.1361, 30.2772)
    shift = geo.distance_m(lat, lon, 30.2772, 120.1361)
    assert 300 < shift < 700  # the well-known ~500 m "Mars" offset
    assert geo.wgs84_to_gcj02(lon, lat) == pytest.approx((120.1361, 30.2772), abs=1e-9)


def test_outside_china_is_unchanged() -> None:
    assert geo.gcj02_to_wgs84(139.6917, 35.6895) == (139.6917, 35.6895)


def test_centroid_is_precise_for_small_buildings() -> None:
    lon0, lat0, d = 120.13, 30.28, 0.0003
    ring = [(lon0, lat0), (lon0 + d, lat0), (lon0 + d, lat0 + d), (lon0, lat0 + d), (lon0, lat0)]
    lon, lat = geo.polygon_centroid([ring])
    assert geo.distance_m(lat, lon, lat0 + d / 2, lon0 + d / 2) < 0.01
    assert geo.point_in_polygon(lon, lat, [ring])
    assert geo.distance_to_ring_m(lon0 + d + 0.0001, lat, ring) == pytest.approx(9.6, abs=0.2)
