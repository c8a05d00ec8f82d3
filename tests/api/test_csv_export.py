"""The admins' CSV export never hands a spreadsheet a formula, whatever a rider typed."""

from __future__ import annotations

import csv
import io
import json

import aiohttp

from tests.api.people import ADMIN, member, staff

# OWASP's CSV-injection starts (= + - @ TAB CR) and a line feed, each before a formula.
PLACES = ["=1+1", "+1+1", "-1+1", "@SUM(1)", "\t=1+1", "\r=1+1", "\n=1+1"]


def report(place: str) -> aiohttp.FormData:
    data = aiohttp.FormData(default_to_multipart=True)
    body = {"category": "platform", "description": "扣钱", "place": place}
    data.add_field("report", json.dumps(body), content_type="application/json")
    return data


async def test_no_cell_starts_a_formula(api, sandbox) -> None:
    runtime, client = api
    rider = await member(runtime, client, sandbox, telegram_id=771001, username="lu")
    admin = await staff(runtime, client, ADMIN)
    refs = {}
    for place in PLACES:
        status, case, _ = await client.call("POST", "/cases", token=rider, data=report(place))
        assert status == 201, case
        refs[case["ref"]] = place
    status, body, _ = await client.call("GET", "/admin/cases.csv", token=admin)
    assert status == 200
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    got = {r["ref"]: r["place"] for r in rows}
    # Each kept as typed, behind the quote that tells a spreadsheet "this is text".
    assert got == {ref: "'" + place for ref, place in refs.items()}
