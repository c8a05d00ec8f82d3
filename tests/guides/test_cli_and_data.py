"""`riderunion routes …`, holiday data in settings, and how answers read (times, distances)."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from app.cli import main as riderunion
from app.settings import ROOT, load_settings
from services.guides import load_dir, load_handbook
from services.guides import present as show
from services.guides.holidays import HolidaysError, load_holidays, parse_holidays
from services.guides.routes import entrance_state

from .conftest import DEMO_DIR, FIXTURES, HANDBOOK_DIR, SH, at


def run(*argv: str) -> int:
    with pytest.raises(SystemExit) as done:
        riderunion(list(argv))
    return int(done.value.code or 0)


def test_routes_validate_good_and_broken(capsys) -> None:  # type: ignore[no-untyped-def]
    assert run("routes", "validate") == 0  # ROUTES_DIR: the demo data
    assert str(DEMO_DIR) in capsys.readouterr().out
    assert run("routes", "validate", str(FIXTURES / "broken")) == 1
    assert "10 error(s), 1 warning(s)" in capsys.readouterr().out


def test_routes_import_gcj02_into_dest(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    dest = tmp_path / "routes"
    shutil.copytree(DEMO_DIR, dest)
    src = FIXTURES / "overpass_export.geojson"
    assert run("routes", "import", str(src), "--dest", str(dest)) == 0
    wgs = load_dir(dest).compounds["way/990001"]
    assert run("routes", "import", str(src), "--from", "gcj02", "--dest", str(tmp_path / "g")) == 0
    gcj = load_dir(tmp_path / "g").compounds["way/990001"]
    # GCJ-02 is offset by a few hundred metres in Hangzhou; converting moves the point back.
    assert 0.001 < abs(gcj.lon - wgs.lon) < 0.01 and 0.001 < abs(gcj.lat - wgs.lat) < 0.01
    assert "wrote" in capsys.readouterr().out


def test_import_of_broken_hours_is_named_and_shown_raw(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    doc = json.loads((FIXTURES / "overpass_export.geojson").read_text(encoding="utf-8"))
    gates = [
        f for f in doc["features"] if "entrance" in (f["properties"].get("tags") or f["properties"])
    ]
    props = gates[0]["properties"].get("tags") or gates[0]["properties"]
    props["opening_hours"] = "Mo-Fr 7点-22点"
    src = tmp_path / "export.geojson"
    src.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    assert run("routes", "import", str(src), "--dest", str(tmp_path / "r")) == 0
    assert run("routes", "validate", str(tmp_path / "r")) == 0  # a warning, not an error
    data = load_dir(tmp_path / "r")
    [broken] = [e for es in data.entrances_by_compound.values() for e in es if e.hours_unreadable]
    choice = entrance_state(broken, at(2025, 3, 7, 12))
    assert choice.state == "unknown"
    assert show.state("zh", choice, at(2025, 3, 7, 12), SH) == (
        "开放时间“Mo-Fr 7点-22点”（看不懂，以门口告示为准）"
    )


def test_validate_names_the_broken_entrance(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    shutil.copytree(DEMO_DIR, tmp_path / "d")
    path = tmp_path / "d" / "xh_entrances.geojson"
    path.write_text(
        path.read_text(encoding="utf-8").replace("Mo-Su 16:00-02:00", "Mo-Su dusk-02:00"),
        encoding="utf-8",
    )
    assert run("routes", "validate", str(tmp_path / "d")) == 0
    out = capsys.readouterr().out
    assert "warning: xh_entrances.geojson#" in out and "Mo-Su dusk-02:00" in out


def test_default_holidays_are_data_for_2026_and_2027() -> None:
    days = load_settings(_env_file=None).holiday_dates
    assert date(2026, 10, 1) in days and date(2026, 2, 17) in days and date(2027, 2, 6) in days
    assert date(2026, 10, 8) not in days
    assert {d.year for d in days} == {2026, 2027}


def test_holidays_as_a_list_or_a_bad_file() -> None:
    listed = load_settings(_env_file=None, holidays="2025-10-01, 2025-10-02").holiday_dates
    assert listed == {date(2025, 10, 1), date(2025, 10, 2)}
    assert load_holidays("", ROOT) == frozenset()
    with pytest.raises(HolidaysError, match="line 2"):
        parse_holidays("2026-01-01 元旦\n2026-13-01 nope")
    with pytest.raises(SystemExit, match="HOLIDAYS"):
        load_settings(_env_file=None, holidays="no/such/file.txt")


def test_holiday_file_changes_the_gate_answer() -> None:
    days = load_settings(_env_file=None).holiday_dates
    demo = load_dir(DEMO_DIR)
    national_day_noon = at(2026, 10, 1, 12)
    choice = demo.ebike_entrance_now("demo/xh-06", national_day_noon, days)
    assert choice is not None and choice.state == "closed"  # "PH off" east gate


@pytest.mark.parametrize(
    ("metres", "zh", "en"),
    [
        (348, "350 米", "350 m"),
        (4, "0 米", "0 m"),
        (1234, "1.2 公里", "1.2 km"),
        (4960, "5.0 公里", "5.0 km"),
    ],
)
def test_distance(metres: float, zh: str, en: str) -> None:
    assert show.distance("zh", metres) == zh and show.distance("en", metres) == en


def test_when_reads_like_a_person_would_say_it() -> None:
    now = at(2025, 3, 7, 23, 30)  # a Friday
    assert show.when("zh", at(2025, 3, 7, 23, 45), now, SH) == "23:45"
    assert show.when("zh", at(2025, 3, 8, 7), now, SH) == "明天 07:00"
    assert show.when("en", at(2025, 3, 8, 7), now, SH) == "tomorrow 07:00"
    assert show.when("zh", at(2025, 3, 10, 8), now, SH) == "周一 08:00"
    assert show.when("en", at(2025, 3, 20, 8), now, SH) == "20/3 08:00"


def test_every_topic_fits_one_message() -> None:
    book = load_handbook(HANDBOOK_DIR)
    for lang in ("zh", "en"):
        for topic in book.topics(lang):
            html = show.topic_html(topic)
            assert len(html) < 4096 and "**" not in html and html.startswith("<b>")
