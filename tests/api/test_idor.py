"""Nobody reaches someone else's records by changing an id: rider A vs rider B, and a
representative of zone X vs one of zone Y."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest

from bot.outbox_sender import OutboxSender
from models.db import unit_of_work
from tests.api.people import REP_BJ, REP_XH, applicant, by_telegram, member, staff

# The merged-case test reads every notice sent at API speed.
pytestmark = pytest.mark.fast_taps

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


# A case a rider follows through a merge: the fields that are theirs (from their own report)
# and those the desk tells every follower (from the case followed). Every field of the answer
# is one or the other: a new field must be placed here before it can pass.
THEIRS = {"summary", "place", "lat", "lon", "category", "anonymous", "created_at", "rating",
          "rating_comment"}  # fmt: skip
DESKS = {"id", "ref", "status", "severity", "updated_at", "first_response_due_at",
         "resolved_at", "merged_into_id"}  # fmt: skip
# What rider A wrote, where A was, who A is: none of it may reach rider B anywhere.
A_REPORT = {"category": "platform", "description": "站长扣我三百块", "lat": 30.2811,
            "lon": 120.1371, "place": "文三路口麦当劳"}  # fmt: skip
A_WORDS = ["站长扣我三百块", "文三路口麦当劳", "30.2811", "120.1371", "13800001111",
           "态度差评", "Anna"]  # fmt: skip
B_REPORT = {"category": "safety", "description": "路灯坏了", "lat": 30.2702, "lon": 120.1503,
            "place": "B的路口"}  # fmt: skip


def form(report: dict[str, Any], photo: bytes | None = None) -> aiohttp.FormData:
    data = aiohttp.FormData(default_to_multipart=True)
    data.add_field("report", json.dumps(report), content_type="application/json")
    if photo is not None:
        data.add_field("photo", photo, filename="p.png", content_type="image/png")
    return data


def leaked(found: Any) -> list[str]:
    flat = json.dumps(found, ensure_ascii=False)
    return [w for w in A_WORDS if w in flat]


async def test_merged_case_shows_a_follower_only_what_is_theirs(api, sandbox) -> None:
    runtime, client = api
    a = await member(runtime, client, sandbox, telegram_id=740001, username="anna")
    b = await member(runtime, client, sandbox, telegram_id=740002, username="bo")
    rep = await staff(runtime, client, REP_XH)
    a_case = (await client.call("POST", "/cases", token=a, data=form(A_REPORT, PNG)))[1]
    b_case = (await client.call("POST", "/cases", token=b, data=form(B_REPORT, PNG)))[1]
    sender = OutboxSender(runtime.ctx.bot, runtime.ctx.sessions, per_chat_per_second=50)
    await sender.drain_until_empty()
    b_seen = (await sandbox.messages(740002))[-1]["message_id"]
    status, _, _ = await client.call(
        "POST", f"/staff/cases/{b_case['id']}/merge", token=rep, json={"into_ref": a_case["ref"]}
    )
    assert status == 200
    # The case goes on: A adds words, the desk answers and resolves, A confirms and rates.
    aid = a_case["id"]
    await client.call("POST", f"/cases/{aid}/info", token=a, json={"text": "电话13800001111"})
    await client.call("POST", f"/staff/cases/{aid}/reply", token=rep, json={"text": "在处理"})
    await client.call("POST", f"/staff/cases/{aid}/resolve", token=rep, json={"text": "已追回"})
    assert (await client.call("POST", f"/cases/{aid}/confirm", token=a))[0] == 200
    rated = {"stars": 2, "comment": "态度差评"}
    assert (await client.call("POST", f"/cases/{aid}/rating", token=a, json=rated))[0] == 200

    status, seen, _ = await client.call("GET", f"/cases/{aid}", token=b)
    assert status == 200
    mine = (await client.call("GET", f"/cases/{b_case['id']}", token=b))[1]["case"]
    desks = (await client.call("GET", f"/cases/{aid}", token=a))[1]["case"]
    assert set(seen["case"]) == THEIRS | DESKS
    assert {k: seen["case"][k] for k in THEIRS} == {k: mine[k] for k in THEIRS}
    assert {k: seen["case"][k] for k in DESKS} == {k: desks[k] for k in DESKS}
    assert seen["case"]["status"] == "closed" and seen["case"]["rating"] is None
    assert [e["kind"] for e in seen["history"]] == ["claimed", "reply", "resolved"]
    assert seen["attachments"] == []
    assert leaked(seen) == [], seen
    # Nor through the list or B's own merged case.
    listed = (await client.call("GET", "/cases", token=b))[1]
    assert [c["id"] for c in listed["cases"]] == [b_case["id"]] and leaked(listed) == []
    assert mine["status"] == "merged" and mine["merged_into_id"] == aid

    # In chat: the notices B was sent since the merge, and the case card B opens from them.
    await sender.drain_until_empty()
    notices = await sandbox.messages(740002, after=b_seen, wait=2)
    texts = [m["text"] for m in notices]
    assert any("closed" in t for t in texts), texts  # B still learns the case was closed
    assert leaked(texts) == [], texts
    last = notices[-1]["message_id"]
    await sandbox.callback_answer(
        await sandbox.press(740002, notices[-1]["message_id"], f"mc:open:{aid}")
    )
    card = await sandbox.messages(740002, after=last, wait=5)
    assert card and a_case["ref"] in card[0]["text"], card
    assert leaked([m["text"] for m in card]) == [], card
    assert "Safety" in card[0]["text"] or "safety" in card[0]["text"].lower(), card[0]["text"]
    buttons = [b["callback_data"] for m in card for row in m.get("buttons") or [] for b in row]
    assert not any(d.startswith(("mc:confirm", "mc:reopen", "mc:rate", "mc:add")) for d in buttons)
