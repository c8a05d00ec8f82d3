"""Nobody reaches someone else's records by changing an id: rider A vs rider B, and a
representative of zone X vs one of zone Y."""

from __future__ import annotations

import json

import aiohttp

from tests.api.people import member

REPORT = {"category": "platform", "description": "站长扣钱", "lat": 30.28, "lon": 120.13}


def report_form() -> aiohttp.FormData:
    data = aiohttp.FormData(default_to_multipart=True)
    data.add_field("report", json.dumps(REPORT), content_type="application/json")
    return data


async def test_rider_b_cannot_reach_rider_a_case(api, sandbox) -> None:
    runtime, client = api
    a = await member(runtime, client, sandbox, telegram_id=740001, username="anna")
    b = await member(runtime, client, sandbox, telegram_id=740002, username="bo")
    status, case, _ = await client.call("POST", "/cases", token=a, data=report_form())
    assert status == 201
    cid = case["id"]
    attempts = [
        ("GET", f"/cases/{cid}", None),
        ("POST", f"/cases/{cid}/info", {"text": "我也来"}),
        ("POST", f"/cases/{cid}/confirm", None),
        ("POST", f"/cases/{cid}/reopen", {"reason": "x"}),
        ("POST", f"/cases/{cid}/rating", {"stars": 1}),
    ]
    for method, path, body in attempts:
        status, problem, _ = await client.call(method, path, token=b, json=body)
        # "Not found", not "forbidden": B does not even learn the case exists.
        assert (status, problem["code"]) == (404, "case_not_found"), (path, problem)
    assert (await client.call("GET", "/cases", token=b))[1]["cases"] == []
    status, detail, _ = await client.call("GET", f"/cases/{cid}", token=a)
    assert status == 200 and [e["kind"] for e in detail["history"]] == ["reported"]
