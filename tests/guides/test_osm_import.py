import hashlib
import json
import shutil
from pathlib import Path

import pytest

from services.guides import RouteDataError, geo, import_geojson, load_dir

from .conftest import DEMO_DIR, FIXTURES

EXPORT = FIXTURES / "overpass_export.geojson"


def snapshot(d: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(d.iterdir())}


@pytest.fixture
def dest(tmp_path: Path) -> Path:
    shutil.copytree(DEMO_DIR, tmp_path / "routes")
    return tmp_path / "routes"


def test_import_overpass_export(dest: Path) -> None:
    path = import_geojson(EXPORT, dest)
    assert path == dest / "overpass_export.geojson"
    data = load_dir(dest)
    c = data.compounds["way/990001"]
    assert c.name_en == "Import Test Court"
    (e,) = data.entrances(c)
    assert e.id == "node/990002" and e.opening_hours.startswith("Mo-Fr")  # tags flattened
    assert [b.id for b in data.buildings(c)] == ["way/990003"]
    written = json.loads(path.read_text(encoding="utf-8"))
    assert len(written["features"]) == 3  # the road is dropped
    assert not any(k.startswith("@") for f in written["features"] for k in f["properties"])


def test_import_converts_gcj02(tmp_path: Path) -> None:
    # Shanghai eviltransform vector: GCJ-02 (121.531541859215, 31.17530398364597) is
    # WGS-84 (121.5272106, 31.1774276).
    g_lon, g_lat = 121.531541859215, 31.17530398364597
    d = 0.001
    ring = [
        [g_lon - d, g_lat],
        [g_lon + d, g_lat],
        [g_lon + d, g_lat + 2 * d],
        [g_lon - d, g_lat + 2 * d],
        [g_lon - d, g_lat],
    ]
    src = tmp_path / "amap.geojson"
    src.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"@id": "way/1", "place": "neighbourhood", "name": "火星苑"},
                        "geometry": {"type": "Polygon", "coordinates": [ring]},
                    },
                    {
                        "type": "Feature",
                        "properties": {"@id": "node/2", "entrance": "main"},
                        "geometry": {"type": "Point", "coordinates": [g_lon, g_lat]},
                    },
                ],
            }
        ),
        encoding="utf-8",
    )
    import_geojson(src, tmp_path / "out", from_crs="gcj02")
    (e,) = load_dir(tmp_path / "out").entrances("way/1")
    assert geo.distance_m(e.lat, e.lon, 31.1774276, 121.5272106) < 1.0


def test_bad_import_leaves_dest_unchanged(dest: Path, tmp_path: Path) -> None:
    before = snapshot(dest)
    doc = json.loads(EXPORT.read_text(encoding="utf-8"))
    doc["features"][1]["geometry"]["coordinates"] = [30.2950, 120.1510]  # [lat, lon]
    bad = tmp_path / "bad.geojson"
    bad.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(RouteDataError) as err:
        import_geojson(bad, dest)
    assert any("looks like [lat, lon]" in p.reason for p in err.value.problems)
    assert snapshot(dest) == before


def test_reimport_is_refused_as_duplicate(dest: Path) -> None:
    import_geojson(EXPORT, dest)
    before = snapshot(dest)
    with pytest.raises(RouteDataError) as err:
        import_geojson(EXPORT, dest)
    assert {p.reason.split(",")[0] for p in err.value.problems} == {"duplicate id"}
    assert snapshot(dest) == before


def test_import_rejects_unknown_crs(dest: Path) -> None:
    with pytest.raises(ValueError):
        import_geojson(EXPORT, dest, from_crs="bd09")  # type: ignore[arg-type]
