import shutil

import pytest

from services.guides import RouteDataError, load_dir, validate_dir
from services.guides.cli import main as cli_main

from .conftest import DEMO_DIR, FIXTURES, ROOT

BROKEN = FIXTURES / "broken"


def test_demo_data_has_no_problems() -> None:
    assert validate_dir(DEMO_DIR) == []
    assert validate_dir(ROOT / "routes_data") == []  # handbook .md files are not GeoJSON


def test_every_problem_is_named_with_file_and_index() -> None:
    found = {(p.file, p.index, p.severity): p.reason for p in validate_dir(BROKEN)}
    expected = [
        ("c_truncated.geojson", None, "error", "cannot read JSON"),
        ("a_features.geojson", 1, "error", "geometry must be Point or Polygon"),
        ("a_features.geojson", 2, "error", "looks like [lat, lon]"),
        ("a_features.geojson", 3, "error", "neither addr:housenumber nor name"),
        ("a_features.geojson", 4, "error", "bicycle='maybe' is not an OSM access value"),
        ("a_features.geojson", 5, "warning", "opening_hours 'sunrise-sunset'"),
        ("a_features.geojson", 6, "error", "belongs to no compound"),
        ("a_features.geojson", 7, "error", 'missing "id"'),
        ("a_features.geojson", 8, "error", "compound 't/nowhere' does not exist"),
        ("a_features.geojson", 9, "error", "must be closed"),
        ("b_dup.geojson", 0, "error", "duplicate id, first at a_features.geojson#0"),
    ]
    for file, index, severity, reason in expected:
        assert reason in found.get((file, index, severity), ""), (file, index, reason)
    assert len(found) == len(expected)  # the road (#10) and the gate on the fence (#5) pass


def test_load_refuses_broken_data_listing_every_error() -> None:
    with pytest.raises(RouteDataError) as err:
        load_dir(BROKEN)
    assert len(err.value.problems) == 10  # the opening_hours warning does not block
    assert "a_features.geojson#2 (t/e1)" in str(err.value)


def test_unreadable_hours_only_warn_and_still_load(tmp_path) -> None:
    shutil.copytree(DEMO_DIR, tmp_path / "d")
    path = tmp_path / "d" / "xh_entrances.geojson"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            '"opening_hours": "Mo-Su 16:00-02:00"', '"opening_hours": "Mo-Su dusk-02:00"'
        ),
        encoding="utf-8",
    )
    problems = validate_dir(tmp_path / "d")
    assert problems and {p.severity for p in problems} == {"warning"}
    data = load_dir(tmp_path / "d")
    assert any(e.hours_unreadable for e in data.entrances("demo/xh-04"))


def test_missing_dir_is_a_problem(tmp_path) -> None:
    assert validate_dir(tmp_path / "nope")[0].reason == "not a directory"


def test_cli_validate(capsys) -> None:
    assert cli_main(["validate", str(DEMO_DIR)]) == 0
    assert cli_main(["validate", str(BROKEN)]) == 1
    out = capsys.readouterr().out
    assert "10 error(s), 1 warning(s)" in out and "a_features.geojson#4 (t/e2)" in out
