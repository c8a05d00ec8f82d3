"""Bring an OpenStreetMap GeoJSON export (e.g. overpass-turbo) into routes_data.

The new file is validated together with what is already in the destination, and written
(temp file + rename) only when there is no error: a bad export never half-loads.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, Literal

from . import geo
from .routes import RouteDataError
from .validate import Problem, check_documents, feature_kind, read_documents


def _convert(coords: Any, fn: Any) -> Any:
    """Apply fn(lon, lat) to every position of a GeoJSON coordinates array."""
    if isinstance(coords, list | tuple) and coords and isinstance(coords[0], int | float):
        lon, lat = fn(float(coords[0]), float(coords[1]))
        return [round(lon, 7), round(lat, 7), *coords[2:]]
    if isinstance(coords, list | tuple):
        return [_convert(c, fn) for c in coords]
    return coords


def normalize_feature(feature: dict[str, Any], from_crs: str) -> dict[str, Any] | None:
    """Flatten tags, settle the id, convert coordinates; None for features we do not keep."""
    raw = feature.get("properties") or {}
    tags = dict(raw.get("tags") or {}) if isinstance(raw.get("tags"), dict) else {}
    tags.update({k: v for k, v in raw.items() if k != "tags" and not k.startswith("@")})
    fid = raw.get("@id") or raw.get("id") or feature.get("id")
    if isinstance(raw.get("type"), str) and isinstance(raw.get("id"), int):
        fid = f"{raw['type']}/{raw['id']}"  # old overpass-turbo: {"type": "way", "id": 123}
        tags.pop("type", None)
    if fid is not None:
        tags["id"] = str(fid)
    if feature_kind({k: str(v) for k, v in tags.items()}) is None:
        return None
    geom = feature.get("geometry")
    if from_crs == "gcj02" and isinstance(geom, dict):
        geom = {**geom, "coordinates": _convert(geom.get("coordinates"), geo.gcj02_to_wgs84)}
    return {"type": "Feature", "properties": tags, "geometry": geom}


def import_geojson(
    src_file: str | Path,
    dest_dir: str | Path,
    *,
    from_crs: Literal["wgs84", "gcj02"] = "wgs84",
) -> Path:
    """Write the export as a new `<stem>.geojson` in dest_dir and return its path, or raise
    RouteDataError (every problem, new and existing files together) and write nothing."""
    if from_crs not in ("wgs84", "gcj02"):
        raise ValueError(f"from_crs must be 'wgs84' or 'gcj02', not {from_crs!r}")
    src, dest = Path(src_file), Path(dest_dir)
    doc = json.loads(src.read_text(encoding="utf-8"))
    if not isinstance(doc, dict) or not isinstance(doc.get("features"), list):
        raise RouteDataError([Problem(src.name, None, None, "not a GeoJSON FeatureCollection")])
    feats = [
        f
        for f in (normalize_feature(f, from_crs) for f in doc["features"] if isinstance(f, dict))
        if f
    ]
    out = {
        "type": "FeatureCollection",
        "source": src.name,
        "crs_converted_from": from_crs,
        "features": feats,
    }
    dest.mkdir(parents=True, exist_ok=True)
    target = _free_name(dest, src.stem)
    docs, problems = read_documents(dest)
    problems += check_documents([*docs, (target.name, out)])[1]
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise RouteDataError(errors)
    fd, tmp = tempfile.mkstemp(dir=dest, prefix=".import-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(out, fh, ensure_ascii=False, indent=1)
            fh.write("\n")
        os.replace(tmp, target)  # atomic on one filesystem: readers see all or nothing
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def _free_name(dest: Path, stem: str) -> Path:
    target, n = dest / f"{stem}.geojson", 2
    while target.exists():
        target, n = dest / f"{stem}-{n}.geojson", n + 1
    return target
