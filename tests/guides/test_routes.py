import math

import pytest

from services.guides import RouteData

from .conftest import NATIONAL_DAY, at

CENTRE = (30.2800, 120.1300)  # the XH demo zone centre


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(a))


def rect_centre(demo: RouteData, cid: str) -> tuple[float, float]:
    ring = demo.compounds[cid].polygons[0][0][:-1]  # demo polygons are rectangles
    return sum(p[1] for p in ring) / 4, sum(p[0] for p in ring) / 4


def test_demo_area_is_big_enough(demo: RouteData) -> None:
    assert len(demo.compounds) >= 12
    for cid, c in demo.compounds.items():
        assert c.sample
        assert haversine_m(*CENTRE, c.lat, c.lon) < 2000
        assert len(demo.buildings(cid)) >= 3
        assert 2 <= len(demo.entrances(cid)) <= 4


def test_nearest_compounds_match_hand_distances(demo: RouteData) -> None:
    found = demo.nearest_compounds(*CENTRE)
    assert [n.compound.id for n in found] == ["demo/xh-01", "demo/xh-02", "demo/xh-12"]
    # Laid out at 300 m W + 250 m N, 350 m E + 200 m N and 100 m W + 600 m N of the centre.
    for n, expected in zip(
        found, [math.hypot(300, 250), math.hypot(350, 200), math.hypot(100, 600)], strict=True
    ):
        hand = haversine_m(*CENTRE, *rect_centre(demo, n.compound.id))
        assert n.distance_m == pytest.approx(hand, abs=3)  # haversine vs geodesic
        assert n.distance_m == pytest.approx(expected, abs=5)


def test_nearest_respects_limit_and_radius(demo: RouteData) -> None:
    assert len(demo.nearest_compounds(*CENTRE, limit=5)) == 5
    assert demo.nearest_compounds(*CENTRE, limit=50, max_km=0.5)[-1].distance_m <= 500
    assert demo.nearest_compounds(31.23, 121.47) == []  # Shanghai: nothing within 5 km


def test_ebike_gate_open_24_7(demo: RouteData) -> None:
    choice = demo.ebike_entrance_now("demo/xh-01", at(2025, 3, 7, 23, 30))
    assert choice is not None
    assert choice.state == "open" and choice.entrance.bicycle == "designated"
    assert choice.closes_at is None  # open round the clock
    assert choice.entrance.note_zh and choice.entrance.note_en


def test_main_gate_banning_ebikes_is_never_offered(demo: RouteData) -> None:
    for cid in demo.compounds:
        for c in demo.ebike_entrances(cid, at(2025, 3, 7, 12)):
            assert c.entrance.bicycle != "no"
            assert c.entrance.opening_hours != "off"


def test_closed_compound_says_when_a_gate_opens(demo: RouteData) -> None:
    # 青桐里: main gate bans e-bikes; side gate Mo-Fr 07-22, Sa,Su 08-20. Friday 23:30.
    choice = demo.ebike_entrance_now("demo/xh-02", at(2025, 3, 7, 23, 30))
    assert choice is not None and choice.state == "closed"
    assert choice.opens_at == at(2025, 3, 8, 8)


def test_past_midnight_gate(demo: RouteData) -> None:
    # 晓溪公寓: only the 16:00-02:00 night gate takes e-bikes.
    late = demo.ebike_entrance_now("demo/xh-04", at(2025, 3, 8, 1, 0))
    assert late is not None and late.state == "open" and late.closes_at == at(2025, 3, 8, 2)
    morning = demo.ebike_entrance_now("demo/xh-04", at(2025, 3, 8, 10, 0))
    assert morning is not None and morning.opens_at == at(2025, 3, 8, 16)


def test_public_holiday_changes_the_answer(demo: RouteData) -> None:
    # 云杉小筑: west gate shut 11-13 every day, east gate "Mo-Su 06:30-23:00; PH off".
    noon = at(2025, 10, 1, 12)
    normal = demo.ebike_entrance_now("demo/xh-06", noon)
    assert normal is not None and normal.state == "open"
    assert normal.entrance.opening_hours == "Mo-Su 06:30-23:00; PH off"
    holiday = demo.ebike_entrance_now("demo/xh-06", noon, {NATIONAL_DAY})
    assert holiday is not None and holiday.state == "closed"
    assert holiday.opens_at == at(2025, 10, 1, 13)


def test_unreadable_hours_are_unknown_with_raw_text(demo: RouteData) -> None:
    from dataclasses import replace

    broken = replace(demo.entrances("demo/xh-02")[1], opening_hours="Mo-Fr 7-22 ish")
    data = replace(demo, entrances_by_compound={"demo/xh-02": (broken,)})
    choice = data.ebike_entrance_now("demo/xh-02", at(2025, 3, 7, 23))
    assert choice is not None and choice.state == "unknown"
    assert choice.entrance.opening_hours == "Mo-Fr 7-22 ish" and choice.entrance.hours_unreadable


@pytest.mark.parametrize("typed", ["3", "3幢", "3号楼", "3栋", "No. 3", "三幢", "第3栋", "３"])
def test_find_building_tolerates_how_riders_type(demo: RouteData, typed: str) -> None:
    b = demo.find_building("demo/xh-01", typed)
    assert b is not None and b.id == "demo/xh-01-b3"


def test_buildings_sorted_by_number(demo: RouteData) -> None:
    labels = [b.label for b in demo.buildings("demo/xh-05")]
    assert labels == [f"{n}幢" for n in range(1, 7)]
    assert demo.find_building("demo/xh-05", "99") is None


def test_entrance_for_building_picks_nearest_open(demo: RouteData) -> None:
    # 柳岸晓风苑 3幢 sits in the north-east; the east side gate is nearer than the north lane.
    b = demo.find_building("demo/xh-01", "3")
    assert b is not None
    day = demo.entrance_for_building("demo/xh-01", b, at(2025, 3, 7, 12))
    assert day is not None and day.entrance.id == "demo/xh-01-e3" and day.state == "open"
    night = demo.entrance_for_building("demo/xh-01", b, at(2025, 3, 7, 23))
    assert night is not None and night.entrance.id == "demo/xh-01-e1"  # 24/7 e-bike lane
    assert night.distance_m is not None and night.distance_m > day.distance_m  # type: ignore[operator]


def test_point_compound_uses_explicit_membership(demo: RouteData) -> None:
    c = demo.compounds["demo/xh-13"]
    assert not c.polygons
    assert {b.compound_id for b in demo.buildings(c)} == {"demo/xh-13"}
    assert len(demo.entrances(c)) == 2


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("青桐", "demo/xh-02"),
        ("qingtong", "demo/xh-02"),
        ("QINGTONG li", "demo/xh-02"),
        ("ginkgo", "demo/xh-13"),
        ("锦鲤", "demo/xh-07"),
        ("wutong", "demo/xh-14"),
    ],
)
def test_search_compounds(demo: RouteData, query: str, expected: str) -> None:
    assert [c.id for c in demo.search_compounds(query)] == [expected]


def test_search_compounds_several_and_none(demo: RouteData) -> None:
    assert len(demo.search_compounds("苑")) >= 3
    assert demo.search_compounds("nowhere") == []
    assert demo.search_compounds("  ") == []
