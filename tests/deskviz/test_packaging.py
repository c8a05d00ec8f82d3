"""The vendored browser libraries ship with the package: an installed desk serves its charts,
map and API docs offline too, with each library's licence beside it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = [
    "web/static/vendor/README.md",
    "web/static/vendor/chartjs/chart.umd.min.js",
    "web/static/vendor/chartjs/LICENSE.md",
    "web/static/vendor/leaflet/leaflet.js",
    "web/static/vendor/leaflet/leaflet.css",
    "web/static/vendor/leaflet/LICENSE",
    "web/static/vendor/leaflet/images/layers.png",
    "web/static/vendor/leaflet/images/marker-icon-2x.png",
    "web/static/charts.js",
    "web/static/map.js",
    "web/templates/map.html",
    "api/static/api-docs.html",
    "api/static/swagger-ui/swagger-ui-bundle.js",
    "api/static/swagger-ui/swagger-ui.css",
    "api/static/swagger-ui/LICENSE",
    "api/static/swagger-ui/NOTICE",
]


def test_the_static_files_are_in_the_built_package(tmp_path: Path) -> None:
    # From a clean copy: an old *.egg-info here would list files the rules no longer take.
    source, built = tmp_path / "src", tmp_path / "lib"
    junk = shutil.ignore_patterns(".*", "*.egg-info", "var", "build", "__pycache__", "tests")
    shutil.copytree(ROOT, source, ignore=junk)
    build = ["-c", "from setuptools import setup; setup()", "-q", "build_py", "--build-lib"]
    subprocess.run(
        [sys.executable, *build, str(built)], cwd=source, check=True, capture_output=True
    )
    missing = [name for name in SHIPPED if not (built / name).is_file()]
    assert missing == []
