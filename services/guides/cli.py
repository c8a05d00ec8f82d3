"""`routes validate [DIR]` and `routes import FILE [--from gcj02] [--dest DIR]` (also the older
`import FILE [DIR] [--gcj02]`), mounted by app.cli as `riderunion routes …`.

Exit codes: 0 clean (warnings allowed), 1 errors found, 2 usage.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .osm_import import import_geojson
from .routes import RouteDataError, validate_dir

DEFAULT_DIR = "routes_data"


def main(argv: Sequence[str] | None = None, default_dir: str = DEFAULT_DIR) -> int:
    parser = argparse.ArgumentParser(prog="riderunion routes")
    sub = parser.add_subparsers(dest="cmd", required=True)
    val = sub.add_parser("validate", help="check every *.geojson under DIR")
    val.add_argument("dir", nargs="?", default=default_dir)
    imp = sub.add_parser("import", help="import an OSM GeoJSON export into DIR")
    imp.add_argument("file")
    imp.add_argument("dir", nargs="?", default=None)
    imp.add_argument("--dest", help=f"directory to write into (default {default_dir})")
    imp.add_argument(
        "--from",
        dest="crs",
        choices=("wgs84", "gcj02"),
        default="wgs84",
        help="coordinate system of FILE: gcj02 for coordinates copied from Chinese maps",
    )
    imp.add_argument("--gcj02", action="store_true", help="same as --from gcj02")
    args = parser.parse_args(argv)
    if args.cmd == "validate":
        problems = validate_dir(args.dir)
        for p in problems:
            print(p)
        errors = sum(p.severity == "error" for p in problems)
        print(f"{errors} error(s), {len(problems) - errors} warning(s) in {args.dir}")
        return 1 if errors else 0
    dest = args.dest or args.dir or default_dir
    crs = "gcj02" if args.gcj02 else args.crs
    try:
        path = import_geojson(args.file, dest, from_crs=crs)
    except RouteDataError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"wrote {path}")
    return 0
