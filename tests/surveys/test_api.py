"""Surveys and notices over real HTTP: a representative sees the reach, is refused bad
input with a problem that says why, creates a survey; a member answers and changes it
through /me; results and CSV; closing; a notice's preview and progress; who may see what."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.api.conftest import api  # noqa: F401  (the fixture)
from tests.api.people import ADMIN, REP_BJ, REP_XH, member, staff
from tests.sandbox_client import SandboxClient


@pytest.fixture
def sandbox_limits() -> dict[str, float]:
    return {"per_chat_rate": 50, "per_chat_burst": 50}


def _later(**kw: float) -> str:
    return (datetime.now(UTC) + timedelta(**kw)).isoformat()


async def test_survey_over_the_api(api, sandbox: SandboxClient) -> None:  # noqa: F811
    rt, client = api
    rider = await member(rt, client, sandbox, telegram_id=730001, username="ana")
    rep = await staff(rt, client, REP_XH)
    rep_bj = await staff(rt, client, REP_BJ)
    admin = await staff(rt, client, ADMIN)

    status, found, _ = await client.call("POST", "/surveys/audience/reach", token=rep, json={})
    assert status == 200 and found["members"] == 1 and found["seconds"] == 1
    base = {"question": "维修日选哪天？", "kind": "single", "closes_at": _later(days=1)}
    for extra, code in (
        ({"options": ["周六"]}, "survey_options_missing"),
        ({"options": ["周六", "周日"], "closes_at": _later(hours=-1)}, "survey_closes_past"),
        ({"options": ["周六", "周日"], "audience": {"zones": ["BJ"]}}, "audience_not_your_zone"),
    ):
        status, problem, _ = await client.call(
            "POST", "/surveys", token=rep, json={**base, **extra}
        )
        assert status in (403, 422) and code in problem["type"], problem
        assert problem["detail"]  # a sentence
    status, survey, _ = await client.call(
        "POST", "/surveys", token=rep, json={**base, "options": ["周六", "周日"]}
    )
    assert status == 201, survey
    sat, sun = (o["id"] for o in survey["options"])
    sid = survey["id"]

    status, mine, _ = await client.call("GET", "/me/surveys", token=rider)
    assert (
        status == 200 and mine["surveys"][0]["open"] and mine["surveys"][0]["my_option_ids"] == []
    )
    path = f"/me/surveys/{sid}/answer"
    status, answered, _ = await client.call("PUT", path, token=rider, json={"option_ids": [sat]})
    assert status == 200 and answered["my_option_ids"] == [sat]
    status, problem, _ = await client.call(
        "PUT", path, token=rider, json={"option_ids": [sat, sun]}
    )
    assert status == 422 and "survey_one_option" in problem["type"]
    status, answered, _ = await client.call("PUT", path, token=rider, json={"option_ids": [sun]})
    assert answered["my_option_ids"] == [sun]  # changed

    status, res, _ = await client.call("GET", f"/surveys/{sid}/results", token=rep)
    assert status == 200 and res["answered"] == 1 and res["counts"][1]["percent"] == 100.0
    assert res["by_zone"][0]["name"] == "XH" and res["by_platform"][0]["name"] == "meituan"
    status, _, _ = await client.call("GET", f"/surveys/{sid}/results", token=rep_bj)
    assert status == 403  # another zone's representative
    status, _, _ = await client.call("GET", f"/surveys/{sid}/results", token=rider)
    assert status == 404  # a member, before it closed
    status, data, headers = await client.call("GET", f"/surveys/{sid}/results.csv", token=admin)
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    assert "all,,1,周日,1,100.0" in data.decode("utf-8-sig")

    status, closed, _ = await client.call("POST", f"/surveys/{sid}/close", token=rep)
    assert status == 200 and closed["status"] == "closed"
    status, problem, _ = await client.call("POST", f"/surveys/{sid}/close", token=rep)
    assert status == 409
    status, problem, _ = await client.call("PUT", path, token=rider, json={"option_ids": [sat]})
    assert status == 409 and "survey_closed" in problem["type"]
    status, listed, _ = await client.call("GET", "/surveys", token=admin)
    assert [s["id"] for s in listed["surveys"]] == [sid]


async def test_notice_over_the_api(api, sandbox: SandboxClient) -> None:  # noqa: F811
    rt, client = api
    await member(rt, client, sandbox, telegram_id=730002, username="bo")
    rep = await staff(rt, client, REP_XH)
    status, preview, _ = await client.call("POST", "/notices/audience/preview", token=rep, json={})
    assert status == 200 and preview["reachable"] == 1
    status, problem, _ = await client.call(
        "POST",
        "/notices",
        token=rep,
        json={"body": "周六免费修车", "audience": {"platforms": ["jd"]}},
    )
    assert status == 422 and "notice_audience_empty" in problem["type"]
    status, notice, _ = await client.call(
        "POST", "/notices", token=rep, json={"body": "周六免费修车"}
    )
    assert status == 201 and notice["progress"] == {
        "total": 1,
        "sent": 0,
        "failed": 0,
        "unreachable": 0,
        "pending": 1,
        "done": False,
    }
    status, again, _ = await client.call("GET", f"/notices/{notice['id']}", token=rep)
    assert status == 200 and again["body"] == "周六免费修车"
    rep_bj = await staff(rt, client, REP_BJ)
    status, _, _ = await client.call("GET", f"/notices/{notice['id']}", token=rep_bj)
    assert status == 403
