"""Stations over the API, real HTTP against a running desk: nearby stations, a
representative publishing slots (and the refusals), riders booking, a full slot naming the
next free one, cancelling, the day's bookings, marking done, the counts."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.api.conftest import sign_in_by_chat
from tests.api.people import REP_XH, staff

SH = ZoneInfo("Asia/Shanghai")
REPAIR = "demo/st-4"


def tomorrow(hour: int, minute: int = 0) -> datetime:
    day = datetime.now(SH).date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SH)


async def test_publish_book_full_cancel_done_and_count(api, sandbox) -> None:
    runtime, client = api
    status, near, _ = await client.call("GET", "/stations/nearby?lat=30.28&lon=120.13")
    assert status == 200
    ids = [s["id"] for s in near["stations"]]
    assert ids == ["demo/st-1", "demo/st-4", "demo/st-2", "demo/st-3"]
    assert [s["distance_m"] for s in near["stations"]] == sorted(
        s["distance_m"] for s in near["stations"]
    )
    assert near["stations"][3]["state"] == "open"  # 24/7
    assert "repair" in near["stations"][1]["offers"]
    assert (await client.call("GET", "/stations/nearby?lat=39.9&lon=116.4"))[1] == {"stations": []}

    rep = await staff(runtime, client, REP_XH)
    slot = {"station_id": REPAIR, "kind": "puncture", "minutes": 30, "capacity": 1}
    past = await client.call(
        "POST",
        "/stations/slots",
        token=rep,
        json=slot | {"starts_at": (datetime.now(SH) - timedelta(hours=1)).isoformat()},
    )
    assert past[0] == 422 and past[1]["type"].endswith("/slot_in_past")
    closed = await client.call(
        "POST", "/stations/slots", token=rep, json=slot | {"starts_at": tomorrow(21).isoformat()}
    )
    assert closed[0] == 422 and "09:00-21:00" in closed[1]["detail"]
    status, first, _ = await client.call(
        "POST", "/stations/slots", token=rep, json=slot | {"starts_at": tomorrow(14).isoformat()}
    )
    assert status == 201 and first["free"] == 1
    # Without an offset the time is the desk's zone.
    naive = tomorrow(15).replace(tzinfo=None).isoformat()
    status, second, _ = await client.call(
        "POST", "/stations/slots", token=rep, json=slot | {"starts_at": naive}
    )
    assert status == 201 and datetime.fromisoformat(second["starts_at"]) == tomorrow(15)

    a = (await sign_in_by_chat(runtime, client, sandbox, telegram_id=700631, username="ana"))[
        "access_token"
    ]
    b = (await sign_in_by_chat(runtime, client, sandbox, telegram_id=700632, username="bo"))[
        "access_token"
    ]
    refused = await client.call(
        "POST", "/stations/slots", token=a, json=slot | {"starts_at": tomorrow(16).isoformat()}
    )
    assert refused[0] == 403
    # A representative puts rider a on the repair corner's volunteer list: now a may publish.
    a_id = (await client.call("GET", "/me", token=a))[1]["id"]
    not_rep = await client.call(
        "POST", "/stations/volunteers", token=b, json={"station_id": REPAIR, "user_id": a_id}
    )
    assert not_rep[0] == 403
    status, added, _ = await client.call(
        "POST", "/stations/volunteers", token=rep, json={"station_id": REPAIR, "user_id": a_id}
    )
    assert status == 201 and added == {"station_id": REPAIR, "user_id": a_id}
    status, own, _ = await client.call(
        "POST",
        "/stations/slots",
        token=a,
        json=slot | {"starts_at": tomorrow(17).isoformat(), "kind": "brake_adjust"},
    )
    assert status == 201, own
    status, booked, _ = await client.call(
        "POST", f"/stations/slots/{first['id']}/bookings", token=a
    )
    assert status == 201 and booked["status"] == "booked" and booked["seat"] == 1
    status, full, _ = await client.call("POST", f"/stations/slots/{first['id']}/bookings", token=b)
    assert status == 409 and full["params"]["next_id"] == second["id"]
    status, listed, _ = await client.call("GET", f"/stations/slots?station_id={REPAIR}")
    assert [(s["id"], s["free"]) for s in listed["slots"]] == [
        (first["id"], 0),
        (second["id"], 1),
        (own["id"], 1),
    ]

    status, cancelled, _ = await client.call(
        "POST", f"/stations/bookings/{booked['id']}/cancel", token=a
    )
    assert status == 200 and cancelled["status"] == "cancelled"
    assert (await client.call("GET", "/stations/bookings/mine", token=a))[1] == {"bookings": []}
    status, b_booked, _ = await client.call(
        "POST", f"/stations/slots/{first['id']}/bookings", token=b
    )
    assert status == 201
    mine = await client.call("GET", "/stations/bookings/mine", token=b)
    assert [x["id"] for x in mine[1]["bookings"]] == [b_booked["id"]]

    day = tomorrow(0).date().isoformat()
    assert (await client.call("GET", f"/stations/bookings/day?day={day}", token=b))[0] == 403
    status, listing, _ = await client.call("GET", f"/stations/bookings/day?day={day}", token=rep)
    assert status == 200 and [(x["id"], x["rider"]) for x in listing["bookings"]] == [
        (b_booked["id"], "Bo")
    ]
    assert (await client.call("POST", f"/stations/bookings/{b_booked['id']}/done", token=b))[
        0
    ] == 403
    status, done, _ = await client.call(
        "POST", f"/stations/bookings/{b_booked['id']}/done", token=rep
    )
    assert status == 200 and done["status"] == "done"
    status, served, _ = await client.call("GET", "/stations/served")
    assert status == 200 and served["served"] == [
        {"month": day[:7], "station_id": REPAIR, "kind": "puncture", "served": 1}
    ]
    gone = await client.call("POST", "/stations/bookings/999999/cancel", token=a)
    assert gone[0] == 404
    # The app's data export holds what /mydata's file holds: a's cancelled booking and
    # their place on the repair corner's volunteer list; b's done booking.
    status, a_data, _ = await client.call("GET", "/me/data", token=a)
    assert status == 200
    assert [(x["id"], x["status"]) for x in a_data["station_bookings"]] == [
        (booked["id"], "cancelled")
    ]
    assert [v["station_id"] for v in a_data["station_volunteering"]] == [REPAIR]
    b_data = (await client.call("GET", "/me/data", token=b))[1]
    assert [(x["id"], x["station_id"], x["status"]) for x in b_data["station_bookings"]] == [
        (b_booked["id"], REPAIR, "done")
    ]


async def test_a_station_id_must_be_ascii(api) -> None:
    """The services' rule (services/stations/ids.py) is the contract's pattern: a non-ASCII id
    is refused as every request that does not match the schema is, 422 naming the field."""
    runtime, client = api
    rep = await staff(runtime, client, REP_XH)
    slot = {"kind": "puncture", "minutes": 30, "capacity": 1, "starts_at": tomorrow(14).isoformat()}
    for bad in ("demo/st-4\x85", "驿站/4", "demo/st-4\n", "n/" + "1" * 119):
        for path, body in (
            ("/stations/slots", slot | {"station_id": bad}),
            ("/stations/volunteers", {"station_id": bad, "user_id": 1}),
        ):
            status, problem, _ = await client.call("POST", path, token=rep, json=body)
            assert (status, problem["type"].rsplit("/", 1)[-1]) == (422, "invalid_request"), bad
            assert [e["loc"] for e in problem["errors"]] == [["station_id"]]
        status, problem, _ = await client.call("GET", "/stations/slots", params={"station_id": bad})
        assert (status, [e["loc"] for e in problem["errors"]]) == (422, [["station_id"]])
    assert (await client.call("GET", "/stations/slots", params={"station_id": REPAIR}))[0] == 200
