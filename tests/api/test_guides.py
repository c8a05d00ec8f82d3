"""Guides over the API: handbook, nearby compounds with the gate to use now, tips."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine
from geopy.distance import geodesic

from models import Role
from models.db import unit_of_work
from services.users import create_staff
from tests.api.conftest import sign_in_by_chat

SH = ZoneInfo("Asia/Shanghai")
CENTRE = (30.2800, 120.1300)


async def test_handbook_topics_and_search(api) -> None:
    _, client = api
    status, body, _ = await client.call("GET", "/guides/topics?lang=en")
    assert status == 200 and len(body["topics"]) >= 5
    slug = body["topics"][0]["slug"]
    status, topic, _ = await client.call("GET", f"/guides/topics/{slug}?lang=zh")
    assert status == 200 and topic["text"]
    assert (await client.call("GET", "/guides/topics/no-such-topic"))[0] == 404
    status, found, _ = await client.call("GET", "/guides/topics?lang=zh&q=超时")
    assert status == 200 and found["topics"]


async def test_nearby_compounds_match_hand_computed_distances(api) -> None:
    _, client = api
    friday_noon = datetime(2026, 11, 27, 12, 0, tzinfo=SH)
    with time_machine.travel(friday_noon, tick=False):
        status, body, _ = await client.call(
            "GET", f"/guides/compounds/nearby?lat={CENTRE[0]}&lon={CENTRE[1]}"
        )
    assert status == 200 and len(body["compounds"]) == 3
    distances = [c["distance_m"] for c in body["compounds"]]
    assert distances == sorted(distances)
    for c in body["compounds"]:
        expected = geodesic(CENTRE, (c["lat"], c["lon"])).meters
        assert abs(c["distance_m"] - expected) <= 1
        assert c["sample"] is True
        if c["ebike_entrance"]:
            assert c["ebike_entrance"]["state"] in ("open", "closed", "unknown")
    far = await client.call("GET", "/guides/compounds/nearby?lat=39.9&lon=116.4")
    assert far[1] == {"compounds": []}
    assert (await client.call("GET", "/guides/compounds/nearby?lat=200&lon=0"))[0] == 422


async def test_compound_detail_and_a_tip_through_moderation(api, sandbox) -> None:
    runtime, client = api
    status, found, _ = await client.call("GET", "/guides/compounds/nearby?lat=30.28&lon=120.13")
    compound_id = found["compounds"][0]["id"]
    assert "/" in compound_id  # OSM-style ids ("way/123") work as path segments too
    status, detail, _ = await client.call("GET", f"/guides/compounds/{compound_id}?lang=en")
    assert status == 200 and detail["buildings"] and detail["entrances"]
    assert detail["tips"] == []
    assert (await client.call("GET", "/guides/compounds/nope"))[0] == 404

    async with unit_of_work(runtime.ctx.sessions) as session:
        await create_staff(session, telegram_id=None, display_name="Z", role=Role.admin)
    tokens = await sign_in_by_chat(runtime, client, sandbox, telegram_id=720001, username="li")
    status, tip, _ = await client.call(
        "POST",
        "/guides/tips",
        token=tokens["access_token"],
        json={"target_id": compound_id, "text": "北门晚上十点后电动车不能进"},
    )
    assert (status, tip["status"]) == (201, "pending")
    # Not shown before a representative approves it.
    assert (await client.call("GET", f"/guides/compounds/{compound_id}"))[1]["tips"] == []
    unknown = await client.call(
        "POST", "/guides/tips", token=tokens["access_token"], json={"target_id": "x", "text": "y"}
    )
    assert unknown[0] == 404
    assert (await client.call("POST", "/guides/tips", json={"target_id": "x", "text": "y"}))[
        0
    ] == 401
