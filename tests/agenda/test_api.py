"""The agenda over real HTTP: a representative puts a collective issue on the agenda, a member
supports it and proposes one, a meeting is scheduled and answered, outcomes move the item,
the solved count; wrong input and wrong moves answered with a problem saying why."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from models import Case, User
from models.cases import CollectiveIssue
from models.db import unit_of_work
from tests.api.conftest import api  # noqa: F401  (the fixture)
from tests.api.people import REP_BJ, REP_XH, member, staff, zone_id


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    """Over HTTP on SQLite; the services' tests run on both databases."""
    return sqlite_url


async def _collective(runtime, telegram_id: int) -> int:  # type: ignore[no-untyped-def]
    """A collective issue in XH made of the member's report."""
    xh = await zone_id(runtime, "XH")
    async with unit_of_work(runtime.ctx.sessions) as s:
        rider = (await s.execute(select(User).where(User.telegram_id == telegram_id))).scalar_one()
        issue = CollectiveIssue(
            zone_id=xh, category="access", lat=30.28, lon=120.13, place="Gate 3"
        )
        s.add(issue)
        await s.flush()
        s.add(
            Case(
                ref="C-API-1",
                rider_id=rider.id,
                zone_id=xh,
                category="access",
                lat=30.28,
                lon=120.13,
                collective_id=issue.id,
            )
        )
        await s.flush()
        assert issue.id is not None
        return issue.id


async def test_agenda_support_meeting_outcome_and_solved_count(api, sandbox) -> None:  # noqa: F811
    runtime, client = api
    alice = await member(runtime, client, sandbox, telegram_id=770001, username="alice")
    rep = await staff(runtime, client, REP_XH)
    collective_id = await _collective(runtime, 770001)

    status, item, _ = await client.call(
        "POST", "/agenda/items", token=rep, json={"collective_id": collective_id, "level": "park"}
    )
    assert status == 201, item
    assert (item["status"], item["collective_id"], item["supporters"]) == (
        "proposed",
        collective_id,
        0,
    )
    again = await client.call(
        "POST", "/agenda/items", token=rep, json={"collective_id": collective_id, "level": "park"}
    )
    assert (again[0], again[1]["code"]) == (409, "agenda_collective_taken")
    item_id = item["id"]

    # The member reads the agenda and supports the item; one support each.
    status, listed, _ = await client.call("GET", "/agenda", token=alice)
    assert status == 200 and [i["id"] for i in listed["items"]] == [item_id]
    for _ in range(2):
        status, supported, _ = await client.call(
            "PUT", f"/agenda/items/{item_id}/support", token=alice
        )
    assert (status, supported["supporters"], supported["supported"]) == (200, 1, True)

    # A proposal with wrong input: a problem saying what is wrong.
    status, problem, _ = await client.call(
        "POST", "/agenda/proposals", token=alice, json={"level": "galaxy", "title": "Routes"}
    )
    assert status == 422 and problem["errors"][0]["loc"] == ["level"]
    status, proposal, _ = await client.call(
        "POST",
        "/agenda/proposals",
        token=alice,
        json={"level": "station", "title": "Newcomers cannot find merchants"},
    )
    assert (status, proposal["status"], proposal["level"]) == (201, "proposed", "station")

    # Scheduling: the past is refused with a sentence; another zone's representative too.
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    body = {
        "item_ids": [item_id],
        "kind": "property_manager",
        "starts_at": past,
        "place_id": "demo/xh-01",
    }
    status, problem, _ = await client.call(
        "POST", "/agenda/meetings", token=rep, json=body, headers={"Accept-Language": "en"}
    )
    assert (status, problem["code"]) == (422, "meeting_in_past")
    assert "future" in problem["detail"]
    body["starts_at"] = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    other = await staff(runtime, client, REP_BJ)
    assert (await client.call("POST", "/agenda/meetings", token=other, json=body))[0] == 403
    status, meeting, _ = await client.call("POST", "/agenda/meetings", token=rep, json=body)
    assert status == 201, meeting
    assert meeting["place"] == "柳岸晓风苑" and meeting["item_ids"] == [item_id]
    assert meeting["invited"] >= 1

    # The member answers, and changes the answer.
    path = f"/agenda/meetings/{meeting['id']}/rsvp"
    status, seen, _ = await client.call("PUT", path, token=alice, json={"answer": "yes"})
    assert (status, seen["yes"], seen["my_answer"]) == (200, 1, "yes")
    status, seen, _ = await client.call("PUT", path, token=alice, json={"answer": "no"})
    assert (seen["yes"], seen["no"], seen["my_answer"]) == (0, 1, "no")
    status, mine, _ = await client.call("GET", "/agenda/meetings", token=alice)
    assert [m["id"] for m in mine["meetings"]] == [meeting["id"]]

    # Outcomes: a wrong move, a missing decision, then agreed and done.
    outcome = f"/agenda/items/{item_id}/outcome"
    status, problem, _ = await client.call(
        "POST",
        outcome,
        token=rep,
        json={"status": "done", "decision": "open"},
        headers={"Accept-Language": "en"},
    )
    assert (status, problem["code"]) == (409, "agenda_not_done")
    assert "must be agreed" in problem["detail"]
    status, problem, _ = await client.call("POST", outcome, token=rep, json={"status": "agreed"})
    assert (status, problem["code"]) == (422, "agenda_decision_missing")
    assert (
        await client.call("POST", outcome, token=alice, json={"status": "agreed", "decision": "x"})
    )[0] == 403
    status, agreed, _ = await client.call(
        "POST",
        outcome,
        token=rep,
        json={"status": "agreed", "minutes": "The manager came.", "decision": "Gate 3 opens"},
    )
    assert (status, agreed["status"]) == (200, "agreed")
    status, done, _ = await client.call(
        "POST", outcome, token=rep, json={"status": "done", "decision": "Open since Monday"}
    )
    assert (status, done["status"]) == (200, "done") and done["closed_at"]

    status, detail, _ = await client.call("GET", f"/agenda/items/{item_id}", token=alice)
    assert [m["to_status"] for m in detail["moves"]] == ["proposed", "scheduled", "agreed", "done"]
    assert detail["moves"][2]["minutes"] == "The manager came."
    assert detail["moves"][2]["meeting_id"] == meeting["id"]

    status, solved, _ = await client.call("GET", "/agenda/solved", token=rep)
    assert status == 200 and solved["total"] == 1
    here = datetime.now(ZoneInfo(runtime.ctx.settings.timezone)).strftime("%Y-%m")
    assert [(m["month"], m["count"]) for m in solved["months"]] == [(here, 1)]
    assert (await client.call("GET", "/agenda/solved", token=alice))[0] == 403
    # The closed item leaves the open agenda; asked for, it is there.
    status, listed, _ = await client.call("GET", "/agenda", token=alice)
    assert [i["id"] for i in listed["items"]] == [proposal["id"]]
    status, listed, _ = await client.call("GET", "/agenda?include_closed=true", token=alice)
    assert {i["id"] for i in listed["items"]} == {item_id, proposal["id"]}
