"""Accident help over the API, through real HTTP: a member reports an accident and reads the
steps of their city; a representative of the zone opens the injury claim and moves it, wrong
moves answered with a problem that says why; the rider follows it and downloads the PDF;
a representative of another zone does not reach it; the operations are in the OpenAPI."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from tests.api.conftest import ApiClient
from tests.api.people import REP_BJ, REP_XH, member, staff

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
async def up(desks: Any) -> AsyncIterator[tuple[Any, ApiClient]]:
    runtime = await desks.start()
    async with aiohttp.ClientSession() as http:
        yield runtime, ApiClient(runtime.url, http)


def report(category: str = "accident") -> aiohttp.FormData:
    data = aiohttp.FormData(default_to_multipart=True)
    body = {"category": category, "description": "路口被电动车撞了，膝盖流血"}
    data.add_field("report", json.dumps(body), content_type="application/json")
    return data


async def test_steps_claim_and_stages_over_http(up, sandbox) -> None:
    runtime, client = up
    rider = await member(runtime, client, sandbox, telegram_id=740001, username="liu")
    status, steps, _ = await client.call("GET", "/accident/steps", token=rider)
    assert status == 200 and steps["city"] == "hangzhou" and steps["name"] == "Hangzhou"
    assert any("Hospital papers" in k for k in steps["keep"])
    assert {"who": "The platform (report in the app or to support)", "within_hours": 24} in (
        steps["tell"]
    )
    status, case, _ = await client.call("POST", "/cases", token=rider, data=report())
    assert status == 201, case
    status, ebike, _ = await client.call("POST", "/cases", token=rider, data=report("ebike"))

    rep = await staff(runtime, client, REP_XH)
    path = f"/staff/cases/{case['id']}/injury-claim"
    status, problem, _ = await client.call(
        "POST", f"/staff/cases/{ebike['id']}/injury-claim", token=rep, json={}
    )
    assert (status, problem["code"]) == (422, "not_an_accident") and problem["detail"]
    status, claim, _ = await client.call(
        "POST", path, token=rep, json={"injury": "膝盖擦伤", "hospital": "西溪医院"}
    )
    assert status == 201, claim
    today = datetime.now(SH).date()
    assert claim["stage"] == "opened" and claim["scheme"] == "occupational"
    assert claim["accident_on"] == today.isoformat() and claim["allowed_moves"] == [
        "reported",
        "withdrawn",
    ]
    assert (claim["next_stage"], claim["next_due"]) == (
        "reported",
        (today + timedelta(days=1)).isoformat(),
    )
    status, problem, _ = await client.call("POST", path, token=rep, json={})
    assert (status, problem["code"]) == (409, "injury_claim_exists")

    move = f"/staff/injury-claims/{claim['id']}/stage"
    status, problem, _ = await client.call("POST", move, token=rep, json={"stage": "decided"})
    assert (status, problem["code"]) == (409, "injury_bad_stage")
    assert "reported, withdrawn" in problem["detail"]  # what it can move to
    tomorrow = (today + timedelta(days=1)).isoformat()
    status, problem, _ = await client.call(
        "POST", move, token=rep, json={"stage": "reported", "on": tomorrow}
    )
    assert (status, problem["code"]) == (422, "date_in_future") and tomorrow in problem["detail"]
    status, moved, _ = await client.call(
        "POST", move, token=rep, json={"stage": "reported", "note": "App 内已报案"}
    )
    assert status == 200, moved
    assert moved["stage"] == "reported" and moved["stage_on"] == today.isoformat()
    reported = next(s for s in moved["stages"] if s["stage"] == "reported")
    assert reported["reached_on"] == today.isoformat() and reported["demo"]

    # The rider follows it; a representative of another zone does not reach it.
    status, mine, _ = await client.call("GET", "/injury-claims", token=rider)
    assert status == 200 and [c["stage"] for c in mine["claims"]] == ["reported"]
    status, one, _ = await client.call("GET", f"/injury-claims/{claim['id']}", token=rider)
    assert status == 200 and one["injury"] == "膝盖擦伤"
    decided = next(s for s in one["stages"] if s["stage"] == "decided")
    assert decided["due_on"] is None and decided["demo"]  # counts from "submitted", not reached
    status, pdf, headers = await client.call(
        "GET", f"/injury-claims/{claim['id']}/summary.pdf", token=rider
    )
    assert status == 200 and headers["Content-Type"] == "application/pdf" and pdf[:4] == b"%PDF"
    other = await staff(runtime, client, REP_BJ)
    status, _, _ = await client.call("GET", f"/injury-claims/{claim['id']}", token=other)
    assert status == 403
    status, _, _ = await client.call("POST", move, token=other, json={"stage": "documents"})
    assert status == 403
    stranger = await member(runtime, client, sandbox, telegram_id=740002, username="ma")
    status, _, _ = await client.call("GET", f"/injury-claims/{claim['id']}", token=stranger)
    assert status == 404
    status, _, _ = await client.call("POST", move, token=rider, json={"stage": "documents"})
    assert status == 403


async def test_the_operations_are_documented(up) -> None:
    _, client = up
    status, doc, _ = await client.call("GET", "/openapi.json")
    assert status == 200
    paths = doc["paths"]
    for path, method in (
        ("/api/v1/accident/steps", "get"),
        ("/api/v1/injury-claims", "get"),
        ("/api/v1/injury-claims/{claim_id}", "get"),
        ("/api/v1/injury-claims/{claim_id}/summary.pdf", "get"),
        ("/api/v1/staff/cases/{case_id}/injury-claim", "post"),
        ("/api/v1/staff/injury-claims/{claim_id}/stage", "post"),
    ):
        key = path if path in paths else path.removeprefix("/api/v1")
        op = paths[key][method]
        assert op["summary"] and op["operationId"], path
    moved = (
        paths.get("/api/v1/staff/injury-claims/{claim_id}/stage")
        or paths["/staff/injury-claims/{claim_id}/stage"]
    )
    assert {"409", "422"} <= set(moved["post"]["responses"])
    assert date  # dates in the bodies are ISO days
