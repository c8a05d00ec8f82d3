"""`routes validate [DIR]` and `routes import FILE [DIR] [--gcj02]`, for app.cli to mount.

Exit codes: 0 clean (warnings allowed), 1 errors found, 2 usage.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .osm_import import import_geojson
from .routes import RouteDataError, validate_dir

DEFAULT_DIR = "routes_data"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="riderunion routes")
    sub = parser.add_subparsers(dest="cmd", required=True)
    val = sub.add_parser("validate", help="check every *.geojson under DIR")
    val.add_argument("dir", nargs="?", default=DEFAULT_DIR)
    imp = sub.add_parser("import", help="import an OSM GeoJSON export into DIR")
    imp.add_argument("file")
    imp.add_argument("dir", nargs="?", default=DEFAULT_DIR)
    imp.add_argument("--gcj02", action="store_true", help="coordinates are GCJ-02 (Chinese maps)")
    args = parser.parse_args(argv)
    if args.cmd == "validate":
        problems = validate_dir(args.dir)
        for p in problems:
            print(p)
        errors = sum(p.severity == "error" for p in problems)
        print(f"{errors} error(s), {len(problems) - errors} warning(s) in {args.dir}")
        return 1 if errors else 0
    try:
        path = import_geojson(args.file, args.dir, from_crs="gcj02" if args.gcj02 else "wgs84")
    except RouteDataError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"wrote {path}")
    return 0
