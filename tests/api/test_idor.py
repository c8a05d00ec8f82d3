"""Nobody reaches someone else's records by changing an id: rider A vs rider B, and a
representative of zone X vs one of zone Y."""

from __future__ import annotations

import json

import aiohttp

from models.db import unit_of_work
from tests.api.people import REP_BJ, REP_XH, applicant, by_telegram, member, staff

REPORT = {"category": "platform", "description": "站长扣钱", "lat": 30.28, "lon": 120.13}


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def report_form(photo: bytes | None = None) -> aiohttp.FormData:
    data = aiohttp.FormData(default_to_multipart=True)
    data.add_field("report", json.dumps(REPORT), content_type="application/json")
    if photo is not None:
        data.add_field("photo", photo, filename="p.png", content_type="image/png")
    return data


def photo_form() -> aiohttp.FormData:
    data = aiohttp.FormData(default_to_multipart=True)
    data.add_field("photo", PNG, filename="mine.png", content_type="image/png")
    return data


async def test_rider_b_cannot_reach_rider_a_case(api, sandbox) -> None:
    runtime, client = api
    a = await member(runtime, client, sandbox, telegram_id=740001, username="anna")
    b = await member(runtime, client, sandbox, telegram_id=740002, username="bo")
    status, case, _ = await client.call("POST", "/cases", token=a, data=report_form(PNG))
    assert status == 201
    cid = case["id"]
    [photo] = (await client.call("GET", f"/cases/{cid}", token=a))[1]["attachments"]
    attempts = [
        ("GET", f"/cases/{cid}/attachments/{photo['id']}", None),
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
    status, problem, _ = await client.call(
        "POST", f"/cases/{cid}/photos", token=b, data=photo_form()
    )
    assert (status, problem["code"]) == (404, "case_not_found")
    # B's own case id does not open A's attachment either.
    own = (await client.call("POST", "/cases", token=b, data=report_form()))[1]
    status, problem, _ = await client.call(
        "GET", f"/cases/{own['id']}/attachments/{photo['id']}", token=b
    )
    assert (status, problem["code"]) == (404, "attachment_not_found")
    assert [c["id"] for c in (await client.call("GET", "/cases", token=b))[1]["cases"]] == [
        own["id"]
    ]
    status, detail, _ = await client.call("GET", f"/cases/{cid}", token=a)
    assert status == 200 and [e["kind"] for e in detail["history"]] == ["reported"]
    assert len(detail["attachments"]) == 1


async def test_rep_of_another_zone_cannot_act_and_riders_are_not_staff(api, sandbox) -> None:
    runtime, client = api
    a = await member(runtime, client, sandbox, telegram_id=740001, username="anna")
    await applicant(runtime, client, sandbox, telegram_id=740003, username="cai", zone="XH")
    xh, bj = await staff(runtime, client, REP_XH), await staff(runtime, client, REP_BJ)
    status, case, _ = await client.call("POST", "/cases", token=a, data=report_form(PNG))
    cid = case["id"]  # reported in Xihu
    [photo] = (await client.call("GET", f"/cases/{cid}", token=a))[1]["attachments"]
    async with unit_of_work(runtime.ctx.sessions) as session:
        bj_id = (await by_telegram(session, REP_BJ)).id
    assert [c["id"] for c in (await client.call("GET", "/staff/cases", token=xh))[1]["cases"]] == [
        cid
    ]
    assert (await client.call("GET", "/staff/cases", token=bj))[1]["cases"] == []
    attempts = [
        ("GET", f"/staff/cases/{cid}", None),
        ("POST", f"/staff/cases/{cid}/claim", None),
        ("POST", f"/staff/cases/{cid}/reply", {"text": "x"}),
        ("POST", f"/staff/cases/{cid}/note", {"text": "x"}),
        ("POST", f"/staff/cases/{cid}/question", {"text": "x"}),
        ("POST", f"/staff/cases/{cid}/resolve", {"text": "x"}),
        ("POST", f"/staff/cases/{cid}/severity", {"severity": "low"}),
        ("POST", f"/staff/cases/{cid}/merge", {"into_ref": case["ref"]}),
        ("GET", f"/staff/cases/{cid}/attachments/{photo['id']}", None),
        ("GET", f"/staff/cases/{cid}/colleagues", None),
        ("POST", f"/staff/cases/{cid}/reassign", {"to_user_id": bj_id}),
        ("POST", f"/staff/cases/{cid}/status", {"status": "in_progress"}),
    ]
    for method, path, body in attempts:
        status, problem, _ = await client.call(method, path, token=bj, json=body)
        assert (status, problem["code"]) == (403, "case_not_your_zone"), (path, problem)
        status, problem, _ = await client.call(method, path, token=a, json=body)
        assert (status, problem["code"]) == (403, "not_staff"), (path, problem)
    assert (await client.call("GET", "/staff/applications", token=bj))[1]["applications"] == []
    pending = (await client.call("GET", "/staff/applications", token=xh))[1]["applications"]
    mid = pending[0]["id"]
    status, problem, _ = await client.call("POST", f"/staff/applications/{mid}/approve", token=bj)
    assert (status, problem["code"]) == (403, "not_your_zone")
    assert (await client.call("GET", "/staff/applications", token=a))[0] == 403
    # Nothing changed by the refused attempts.
    status, detail, _ = await client.call("GET", f"/staff/cases/{cid}", token=xh)
    assert detail["case"]["status"] == "new" and detail["case"]["assignee_id"] is None
