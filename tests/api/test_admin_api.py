"""Admins over the API: unresolved and overdue cases in every zone, stats, CSV export."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import aiohttp

from models import Case
from models.db import unit_of_work
from models.types import utcnow
from tests.api.people import ADMIN, REP_XH, member, staff, zone_id


def report(description: str, lat: float, lon: float, place: str = "") -> aiohttp.FormData:
    data = aiohttp.FormData(default_to_multipart=True)
    body = {"category": "platform", "description": description, "lat": lat, "lon": lon}
    data.add_field("report", json.dumps(body | {"place": place}), content_type="application/json")
    return data


async def test_unresolved_overdue_stats_and_csv(api, sandbox) -> None:
    runtime, client = api
    rider = await member(runtime, client, sandbox, telegram_id=770001, username="ma")
    admin = await staff(runtime, client, ADMIN)
    rep = await staff(runtime, client, REP_XH)
    xh, bj = await zone_id(runtime, "XH"), await zone_id(runtime, "BJ")
    old = (await client.call("POST", "/cases", token=rider, data=report("旧", 30.28, 120.13)))[1]
    async with unit_of_work(runtime.ctx.sessions) as session:  # promised an answer yesterday
        row = await session.get(Case, old["id"])
        row.first_response_due_at = utcnow() - timedelta(days=1)
    new = (
        await client.call(
            "POST", "/cases", token=rider, data=report("新", 30.21, 120.212, "=HYPERLINK(1)")
        )
    )[1]
    status, listed, _ = await client.call("GET", "/admin/cases", token=admin)
    assert status == 200 and [c["id"] for c in listed["cases"]] == [old["id"], new["id"]]
    overdue = (await client.call("GET", "/admin/cases?overdue=true", token=admin))[1]
    assert [c["id"] for c in overdue["cases"]] == [old["id"]] and overdue["total"] == 1
    in_bj = (await client.call("GET", f"/admin/cases?zone_id={bj}", token=admin))[1]
    assert [c["zone_id"] for c in in_bj["cases"]] == [bj]
    status, stats, _ = await client.call("GET", "/admin/stats", token=admin)
    assert stats["open"] == {"total": 2, "overdue": 1}
    assert stats["by_zone"] == {"XH": 1, "BJ": 1} and stats["by_status"]["new"] == 2
    status, body, headers = await client.call("GET", "/admin/cases.csv", token=admin)
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert [(r["ref"], r["overdue"]) for r in rows] == [(old["ref"], "yes"), (new["ref"], "no")]
    assert rows[1]["place"] == "'=HYPERLINK(1)"  # never a formula in a spreadsheet
    assert xh != bj
    for path in ("/admin/cases", "/admin/stats", "/admin/cases.csv"):
        for token in (rep, rider):
            status, problem, _ = await client.call("GET", path, token=token)
            assert (status, problem["code"]) == (403, "not_admin"), path
