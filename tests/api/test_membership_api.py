"""My membership over the API: apply, status, card, data export, leave."""

from __future__ import annotations

from models.db import unit_of_work
from models.membership import Membership
from services.membership import own_view
from services.users import find_by_telegram_id
from tests.api.conftest import sign_in_by_chat
from tests.api.people import REP_XH, staff, zone_id

FORM = {
    "name": "Zhang San",
    "phone": "+86 13812345678".replace(" ", ""),
    "platforms": ["meituan", "eleme"],
    "work_kinds": ["food"],
    "vehicle": "ebike",
}


async def test_apply_status_card_export_and_leave(api, sandbox) -> None:
    runtime, client = api
    token = (await sign_in_by_chat(runtime, client, sandbox, telegram_id=760001, username="zhang"))[
        "access_token"
    ]
    assert (await client.call("GET", "/me/membership", token=token))[0] == 404
    xh = await zone_id(runtime, "XH")
    status, applied, _ = await client.call(
        "POST", "/me/membership", token=token, json={**FORM, "zone_id": xh}
    )
    assert (status, applied["status"], applied["member_number"]) == (201, "pending", None)
    twice = await client.call("POST", "/me/membership", token=token, json={**FORM, "zone_id": xh})
    assert (twice[0], twice[1]["code"]) == (409, "already_applied")
    status, problem, _ = await client.call("GET", "/me/membership/card", token=token)
    assert (status, problem["code"]) == (403, "not_member")

    rep = await staff(runtime, client, REP_XH)
    await client.call("POST", f"/staff/applications/{applied['id']}/approve", token=rep)
    status, mine, _ = await client.call("GET", "/me/membership", token=token)
    assert (status, mine["status"]) == (200, "active") and mine["member_number"]
    status, card, _ = await client.call(
        "GET", "/me/membership/card", token=token, headers={"Accept-Language": "en"}
    )
    assert status == 200 and card["number"] == mine["member_number"]
    assert card["name"] == "Zhang San" and card["zone_code"] == "XH"
    assert card["verify_url"].startswith("http")
    status, png, headers = await client.call("GET", "/me/membership/card.png", token=token)
    assert status == 200 and headers["Content-Type"] == "image/png"
    assert png.startswith(b"\x89PNG")

    status, data, headers = await client.call("GET", "/me/data", token=token)
    assert status == 200 and "attachment" in headers["Content-Disposition"]
    assert [m["phone"] for m in data["memberships"]] == ["13812345678"]
    async with unit_of_work(runtime.ctx.sessions) as session:
        user = await find_by_telegram_id(session, telegram_id=760001)
        kept = await own_view.export_data(session, user=user)
    assert set(data) == set(kept)  # the app's download holds all the chat's file holds

    status, left, _ = await client.call("DELETE", "/me/membership", token=token)
    assert (status, left["status"]) == (200, "left")
    # Erased, and the person is signed out: the account no longer points at anyone.
    assert (await client.call("GET", "/me/membership", token=token))[0] == 401
    async with unit_of_work(runtime.ctx.sessions) as session:
        row = await session.get(Membership, applied["id"])
        assert (row.name, row.phone) == (None, None)


async def test_bad_applications_and_staff_cannot_leave(api, sandbox) -> None:
    runtime, client = api
    token = (await sign_in_by_chat(runtime, client, sandbox, telegram_id=760001, username="zhang"))[
        "access_token"
    ]
    xh = await zone_id(runtime, "XH")
    for bad in (
        {**FORM, "zone_id": xh, "phone": "12345"},
        {**FORM, "zone_id": xh, "platforms": []},
        {**FORM, "zone_id": xh, "vehicle": "rocket"},
        {**FORM, "zone_id": xh, "name": "   "},
    ):
        assert (await client.call("POST", "/me/membership", token=token, json=bad))[0] == 422
    nowhere = await client.call(
        "POST", "/me/membership", token=token, json={**FORM, "zone_id": 9999}
    )
    assert nowhere[0] == 404
    rep = await staff(runtime, client, REP_XH)
    status, problem, _ = await client.call("DELETE", "/me/membership", token=rep)
    assert (status, problem["code"]) == (403, "staff_cannot_leave")
