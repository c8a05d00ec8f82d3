"""The desk's numbers on both databases over a fixed week (tests/deskviz/scenario.py): each
representative's workload, the charts' series, who may see which, and the map's layers."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from models.db import make_engine, make_sessionmaker
from services.desk import map_points, stats
from services.errors import Forbidden
from services.guides.routes import load_dir
from tests.deskviz.scenario import ADMIN, CHEN, LI, NOW, RIDER, ZHAO, person, seed

pytestmark = pytest.mark.usefixtures("shipped_policy")


@pytest.fixture
async def sessions(db_url: str) -> AsyncIterator:
    engine = make_engine(db_url)
    maker = make_sessionmaker(engine)
    await seed(maker)
    yield maker
    await engine.dispose()


async def _as(sessions, telegram_id: int, fn, **kw):  # type: ignore[no-untyped-def]
    async with sessions() as s:
        return await fn(s, actor=await person(s, telegram_id), now=NOW, **kw)


async def test_workload_per_representative(sessions) -> None:
    rows = await _as(sessions, ADMIN, stats.workload)
    got = {
        r.name: (r.open_cases, r.taken_today, r.median_first_answer, r.breaches_this_week)
        for r in rows
    }
    # 35 working minutes: the median of 60 (Tuesday 17:30 → Wednesday 09:30 in office
    # hours), 20, 40 and 30; by the clock it would be 50.
    assert got == {
        "代表 李强": (3, 2, 35.0, 1),
        "代表 陈芳": (1, 1, 5.0, 1),
        "高级代表 赵磊": (0, 0, None, 0),
    }
    assert rows[0].name == "代表 李强"  # busiest first


async def test_a_representative_sees_the_people_of_their_zones_only(sessions) -> None:
    rows = await _as(sessions, CHEN, stats.workload)
    assert {r.name for r in rows} == {"代表 陈芳", "高级代表 赵磊"}
    rows = await _as(sessions, ZHAO, stats.workload)  # a senior of both zones
    assert len(rows) == 3


async def test_riders_see_no_numbers(sessions) -> None:
    for fn in (stats.workload, stats.cases_per_day, stats.members_per_week):
        with pytest.raises(Forbidden):
            await _as(sessions, RIDER, fn)


async def test_new_and_resolved_per_day(sessions) -> None:
    series = await _as(sessions, ADMIN, stats.cases_per_day)
    assert series.labels[0] == "2026-11-12" and series.labels[-1] == "2026-11-25"
    new = dict(zip(series.labels, series.datasets["new"], strict=True))
    assert {d: n for d, n in new.items() if n} == {
        "2026-11-16": 1,
        "2026-11-23": 1,
        "2026-11-24": 1,
        "2026-11-25": 3,
    }
    assert series.datasets["resolved"][-1] == 1 and sum(series.datasets["resolved"]) == 1
    bj = await _as(sessions, CHEN, stats.cases_per_day)
    assert bj.datasets["new"][-1] == 2 and sum(bj.datasets["new"]) == 2


async def test_median_first_answer_and_breach_rate_per_week(sessions) -> None:
    series = await _as(sessions, ADMIN, stats.answers_per_week)
    assert series.labels[-2:] == ["2026-W47", "2026-W48"] and len(series.labels) == 8
    # W48: 60, 20, 40 and 5 minutes; A and B answered late, F past due unanswered: 3 of 5.
    assert series.datasets["median_first_answer"][-2:] == [30.0, 30.0]
    assert series.datasets["breach_rate"][-2:] == [0.0, 60.0]
    assert series.datasets["breach_rate"][0] is None  # no promise that week


async def test_wages_claimed_and_recovered_per_month(sessions) -> None:
    series = await _as(sessions, ADMIN, stats.wages_per_month)
    assert series.labels == ["2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11"]
    assert series.datasets["claimed"] == [0, 0, 0, 1200.0, 0, 500.5]
    assert series.datasets["recovered"] == [0, 0, 0, 0, 0, 800.0]
    bj = await _as(sessions, CHEN, stats.wages_per_month)
    assert sum(bj.datasets["claimed"]) == 0


async def test_members_joined_per_week(sessions) -> None:
    series = await _as(sessions, ADMIN, stats.members_per_week)
    assert series.labels[0] == "2026-W41"
    assert series.datasets["joined"][-2:] == [2, 1] and sum(series.datasets["joined"]) == 3
    xh = await _as(sessions, LI, stats.members_per_week)
    assert xh.datasets["joined"][-2:] == [2, 0]


async def test_the_map_has_the_compounds_and_the_open_cases(sessions) -> None:
    routes = load_dir("routes_data")
    async with sessions() as s:
        admin = await map_points.desk_map(s, actor=await person(s, ADMIN), routes=routes, lang="en")
        bj = await map_points.desk_map(s, actor=await person(s, CHEN), routes=routes, lang="zh")
    shapes = [f["geometry"]["type"] for f in admin["compounds"]["features"]]
    assert shapes.count("MultiPolygon") == 12 and shapes.count("Point") == 2
    names = {f["properties"]["name"] for f in admin["compounds"]["features"]}
    assert "Liu'an Xiaofeng Court" in names and len(names) == 14
    refs = {f["properties"]["ref"] for f in admin["cases"]["features"]}
    assert len(refs) == 5  # A, C, D, E, F open with a place; B resolved; claims have none
    assert {f["properties"]["zone"] for f in bj["cases"]["features"]} == {"BJ"}
    assert len(admin["collective"]["features"]) == 1 and bj["collective"]["features"] == []
    assert [f["properties"]["code"] for f in bj["zones"]["features"]] == ["BJ"]
