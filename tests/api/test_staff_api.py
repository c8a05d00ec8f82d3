"""Representatives over the API: their zones' queue, actions on a case, applications."""

from __future__ import annotations

import json

import aiohttp

from models.db import unit_of_work
from models.escalation import CaseClock
from tests.api.people import (
    REP_BJ,
    REP_XH,
    SENIOR,
    applicant,
    by_telegram,
    member,
    staff,
    zone_id,
)


def report(description: str, lat: float = 30.28, lon: float = 120.13) -> aiohttp.FormData:
    data = aiohttp.FormData(default_to_multipart=True)
    body = {"category": "platform", "description": description, "lat": lat, "lon": lon}
    data.add_field("report", json.dumps(body), content_type="application/json")
    return data


async def test_queue_claim_reply_note_question_severity_resolve(api, sandbox) -> None:
    runtime, client = api
    rider = await member(runtime, client, sandbox, telegram_id=750001, username="qian")
    rep = await staff(runtime, client, REP_XH)
    senior = await staff(runtime, client, SENIOR)
    first = (await client.call("POST", "/cases", token=rider, data=report("一")))[1]
    second = (await client.call("POST", "/cases", token=rider, data=report("二")))[1]

    status, queue, _ = await client.call("GET", "/staff/cases?size=1", token=rep)
    assert status == 200 and (queue["total"], queue["pages"]) == (2, 2)
    assert len(queue["cases"]) == 1 and queue["cases"][0]["overdue"] is False
    status, claimed, _ = await client.call("POST", f"/staff/cases/{first['id']}/claim", token=rep)
    assert status == 200 and claimed["case"]["status"] == "acknowledged"
    lost = await client.call("POST", f"/staff/cases/{first['id']}/claim", token=senior)
    assert (lost[0], lost[1]["code"]) == (409, "already_claimed")
    status, queue, _ = await client.call("GET", "/staff/cases?status=new", token=rep)
    assert [c["id"] for c in queue["cases"]] == [second["id"]]

    path = f"/staff/cases/{first['id']}"
    assert (await client.call("POST", f"{path}/reply", token=rep, json={"text": "在处理"}))[
        0
    ] == 200
    await client.call("POST", f"{path}/note", token=rep, json={"text": "内部备注"})
    status, detail, _ = await client.call(
        "POST", f"{path}/question", token=rep, json={"text": "哪天?"}
    )
    assert detail["case"]["status"] == "waiting_for_rider"
    assert detail["reporter"] == "Qian"
    kinds = [e["kind"] for e in detail["history"]]
    assert {"claimed", "reply", "note", "question"} <= set(kinds)
    assert [e["public"] for e in detail["history"] if e["kind"] == "note"] == [False]
    rider_view = (await client.call("GET", f"/cases/{first['id']}", token=rider))[1]
    assert "note" not in [e["kind"] for e in rider_view["history"]]
    status, detail, _ = await client.call(
        "POST", f"{path}/severity", token=rep, json={"severity": "urgent"}
    )
    assert detail["case"]["severity"] == "urgent"
    status, detail, _ = await client.call(
        "POST", f"{path}/resolve", token=rep, json={"text": "好了"}
    )
    assert (status, detail["case"]["status"]) == (200, "resolved")

    # Resolved cases leave the queue of open work.
    status, queue, _ = await client.call("GET", "/staff/cases", token=rep)
    assert [c["id"] for c in queue["cases"]] == [second["id"]]


async def test_merge_into_open_case_and_empty_text_refused(api, sandbox) -> None:
    runtime, client = api
    rider = await member(runtime, client, sandbox, telegram_id=750001, username="qian")
    rep = await staff(runtime, client, REP_XH)
    first = (await client.call("POST", "/cases", token=rider, data=report("一")))[1]
    second = (await client.call("POST", "/cases", token=rider, data=report("二")))[1]
    status, detail, _ = await client.call(
        "POST", f"/staff/cases/{second['id']}/merge", token=rep, json={"into_ref": first["ref"]}
    )
    assert (status, detail["case"]["status"]) == (200, "merged")
    assert detail["case"]["merged_into_id"] == first["id"]
    unknown = await client.call(
        "POST", f"/staff/cases/{first['id']}/merge", token=rep, json={"into_ref": "C-1999-00001"}
    )
    assert (unknown[0], unknown[1]["code"]) == (404, "case_ref_not_found")
    blank = await client.call(
        "POST", f"/staff/cases/{first['id']}/reply", token=rep, json={"text": "   "}
    )
    assert blank[0] == 422


async def test_applications_listed_and_decided_by_zone_reps(api, sandbox) -> None:
    runtime, client = api
    await applicant(runtime, client, sandbox, telegram_id=750002, username="sun", zone="XH")
    await applicant(runtime, client, sandbox, telegram_id=750003, username="li", zone="XH")
    rep = await staff(runtime, client, REP_XH)
    status, listed, _ = await client.call("GET", "/staff/applications", token=rep)
    assert status == 200 and [a["name"] for a in listed["applications"]] == ["Sun", "Li"]
    sun, li = (a["id"] for a in listed["applications"])
    status, approved, _ = await client.call("POST", f"/staff/applications/{sun}/approve", token=rep)
    assert (status, approved["status"]) == (200, "active") and approved["member_number"]
    again = await client.call("POST", f"/staff/applications/{sun}/approve", token=rep)
    assert (again[0], again[1]["code"]) == (409, "application_decided")
    status, rejected, _ = await client.call(
        "POST", f"/staff/applications/{li}/reject", token=rep, json={"reason": "不是骑手"}
    )
    assert (status, rejected["status"], rejected["reject_reason"]) == (200, "rejected", "不是骑手")
    assert (await client.call("POST", f"/staff/applications/{li}/reject", token=rep, json={}))[
        0
    ] == 422
    assert (await client.call("POST", "/staff/applications/999999/approve", token=rep))[0] == 404
    assert (await client.call("GET", "/staff/applications", token=rep))[1]["applications"] == []


async def test_nobody_approves_their_own_application(api, sandbox) -> None:
    runtime, client = api
    rep = await staff(runtime, client, REP_XH)
    xh = await zone_id(runtime, "XH")
    form = {
        "name": "Li Qiang",
        "phone": "13912345678",
        "platforms": ["meituan"],
        "work_kinds": ["food"],
        "zone_id": xh,
        "vehicle": "ebike",
    }
    status, mine, _ = await client.call("POST", "/me/membership", token=rep, json=form)
    assert status == 201
    status, problem, _ = await client.call(
        "POST", f"/staff/applications/{mine['id']}/approve", token=rep
    )
    assert (status, problem["code"]) == (403, "own_application")
    senior = await staff(runtime, client, SENIOR)
    assert (await client.call("POST", f"/staff/applications/{mine['id']}/approve", token=senior))[
        0
    ] == 200


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def with_photo(description: str) -> aiohttp.FormData:
    data = report(description)
    data.add_field("photo", PNG, filename="door.png", content_type="image/png")
    return data


async def test_staff_see_and_download_a_case_photo(api, sandbox) -> None:
    runtime, client = api
    rider = await member(runtime, client, sandbox, telegram_id=750001, username="qian")
    rep = await staff(runtime, client, REP_XH)
    case = (await client.call("POST", "/cases", token=rider, data=with_photo("门禁坏了")))[1]
    queue = (await client.call("GET", "/staff/cases", token=rep))[1]
    assert queue["cases"][0]["id"] == case["id"]  # the queue's ids lead to the detail
    status, detail, _ = await client.call("GET", f"/staff/cases/{case['id']}", token=rep)
    [photo] = detail["attachments"]
    assert (photo["kind"], photo["size"], photo["mime_type"], photo["stored"]) == (
        "photo",
        len(PNG),
        "image/png",
        True,
    )
    status, body, headers = await client.call(
        "GET", f"/staff/cases/{case['id']}/attachments/{photo['id']}", token=rep
    )
    assert (status, body, headers["Content-Type"]) == (200, PNG, "image/png")
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in headers["Content-Disposition"]
    # The id of another case's attachment is not found under this case.
    other = (await client.call("POST", "/cases", token=rider, data=report("二")))[1]
    status, problem, _ = await client.call(
        "GET", f"/staff/cases/{other['id']}/attachments/{photo['id']}", token=rep
    )
    assert (status, problem["code"]) == (404, "attachment_not_found")


async def test_reassign_to_a_colleague_of_the_zone_only(api, sandbox) -> None:
    runtime, client = api
    rider = await member(runtime, client, sandbox, telegram_id=750001, username="qian")
    rep = await staff(runtime, client, REP_XH)
    senior = await staff(runtime, client, SENIOR)
    case = (await client.call("POST", "/cases", token=rider, data=report("一")))[1]
    path = f"/staff/cases/{case['id']}"
    status, listed, _ = await client.call("GET", f"{path}/colleagues", token=rep)
    assert status == 200
    async with unit_of_work(runtime.ctx.sessions) as session:
        ids = {t: (await by_telegram(session, t)).id for t in (REP_BJ, REP_XH, SENIOR, 750001)}
    by_role = {c["role"]: c["id"] for c in listed["colleagues"]}
    assert by_role == {"rep": ids[REP_XH], "senior": ids[SENIOR], "admin": by_role["admin"]}
    assert len(listed["colleagues"]) == 3  # the Binjiang rep is not offered

    for to, code in (
        (ids[REP_BJ], "not_a_rep_here"),
        (ids[750001], "not_a_rep_here"),
        (2**31 - 1, "not_a_rep_here"),
    ):
        status, problem, _ = await client.call(
            "POST", f"{path}/reassign", token=rep, json={"to_user_id": to}
        )
        assert (status, problem["code"]) == (422, code), to
    assert (await client.call("POST", f"{path}/reassign", token=rep, json={}))[0] == 422
    assert (await client.call("POST", f"{path}/reassign", token=rep, json={"to_user_id": 0}))[
        0
    ] == 422

    status, detail, _ = await client.call(
        "POST", f"{path}/reassign", token=rep, json={"to_user_id": by_role["senior"]}
    )
    assert status == 200, detail
    assert detail["case"]["assignee_id"] == by_role["senior"]
    assert detail["case"]["status"] == "acknowledged"
    assert detail["history"][-1]["kind"] == "assigned"
    again = await client.call(
        "POST", f"{path}/reassign", token=senior, json={"to_user_id": by_role["senior"]}
    )
    assert (again[0], again[1]["code"]) == (409, "already_assigned")
    await client.call("POST", f"{path}/resolve", token=senior, json={"text": "好了"})
    late = await client.call(
        "POST", f"{path}/reassign", token=senior, json={"to_user_id": by_role["rep"]}
    )
    assert (late[0], late[1]["code"]) == (409, "case_not_open")


async def test_status_back_in_progress_without_asking_or_answering(api, sandbox) -> None:
    runtime, client = api
    rider = await member(runtime, client, sandbox, telegram_id=750001, username="qian")
    rep = await staff(runtime, client, REP_XH)
    case = (await client.call("POST", "/cases", token=rider, data=report("一")))[1]
    path = f"/staff/cases/{case['id']}"
    back = {"status": "in_progress"}
    # An unclaimed case: taken on the way, and work starts.
    status, detail, _ = await client.call("POST", f"{path}/status", token=rep, json=back)
    assert (status, detail["case"]["status"]) == (200, "in_progress")
    assert detail["case"]["assignee_id"] is not None
    # Waiting for the rider, who then answers by phone: the wait (and its clock pause) ends.
    await client.call("POST", f"{path}/question", token=rep, json={"text": "哪天?"})
    status, detail, _ = await client.call("POST", f"{path}/status", token=rep, json=back)
    assert (status, detail["case"]["status"]) == (200, "in_progress")
    async with unit_of_work(runtime.ctx.sessions) as session:
        clock = await session.get(CaseClock, case["id"])
        assert clock.paused_at is None and clock.last_status == "in_progress"
    # A resolution taken back.
    await client.call("POST", f"{path}/resolve", token=rep, json={"text": "好了"})
    status, detail, _ = await client.call("POST", f"{path}/status", token=rep, json=back)
    assert (status, detail["case"]["status"], detail["case"]["resolved_at"]) == (
        200,
        "in_progress",
        None,
    )
    moves = [e["details"].get("status") for e in detail["history"] if e["kind"] == "status"]
    assert moves[-3:] == ["in_progress", "resolved", "in_progress"]
    # Other statuses have their own actions; a closed case stays closed.
    for wrong in ({"status": "closed"}, {"status": "waiting_for_rider"}, {}):
        assert (await client.call("POST", f"{path}/status", token=rep, json=wrong))[0] == 422
    await client.call("POST", f"{path}/resolve", token=rep, json={"text": "好了"})
    assert (await client.call("POST", f"/cases/{case['id']}/confirm", token=rider))[0] == 200
    status, problem, _ = await client.call("POST", f"{path}/status", token=rep, json=back)
    assert (status, problem["code"]) == (409, "case_closed")
