"""Activists and stories over real HTTP: volunteer, one decision wins, the zone's agenda in
counts, relaying, a story refused until the rider agrees, /me/data, ending the role."""

from __future__ import annotations

import pytest

from tests.api.conftest import api  # noqa: F401  (the fixture)
from tests.api.people import REP_XH, SENIOR, member, staff
from tests.chat import Chat
from tests.sandbox_client import SandboxClient

ANA = 700601
pytestmark = pytest.mark.fast_taps


async def test_activist_and_story_api(api, sandbox: SandboxClient) -> None:  # noqa: F811
    runtime, client = api
    ana = await member(runtime, client, sandbox, telegram_id=ANA, username="ana")
    rep, senior = await staff(runtime, client, REP_XH), await staff(runtime, client, SENIOR)

    status, body, _ = await client.call(
        "POST",
        "/me/activist",
        token=ana,
        json={"motivation": "I help", "groups": "Xihu riders", "availability": ["sunday"]},
    )
    assert status == 422
    status, offer, _ = await client.call(
        "POST",
        "/me/activist",
        token=ana,
        json={"motivation": "I help", "groups": "Xihu riders", "availability": ["evenings"]},
    )
    assert status == 201 and offer["status"] == "pending", offer
    status, body, _ = await client.call("GET", "/me/activist/zone-issues", token=ana)
    assert status == 403 and body["code"] == "not_activist"

    path = f"/staff/activists/{offer['id']}"
    status, done, _ = await client.call("POST", f"{path}/confirm", token=rep)
    assert status == 200 and done["status"] == "active" and done["decided_by"] == "代表 李强"
    status, late, _ = await client.call(
        "POST", f"{path}/decline", token=senior, headers={"Accept-Language": "en"}
    )
    assert status == 409 and late["code"] == "activist_decided_active"
    assert "代表 李强 confirmed" in late["detail"]

    status, agenda, _ = await client.call("GET", "/me/activist/zone-issues", token=ana)
    assert status == 200 and agenda["issues"] == [] and agenda["open_by_category"] == {}
    status, listing, _ = await client.call("GET", "/staff/activists", token=rep)
    assert status == 200 and listing["per_zone"] == {"XH": 1}
    assert listing["per_representative"] == {"代表 李强": 1}
    assert [a["groups"] for a in listing["activists"]] == ["Xihu riders"]
    status, relayed, _ = await client.call(
        "POST", "/staff/activists/relay", token=rep, json={"text": "Meeting on Friday"}
    )
    assert status == 200 and relayed == {"queued": 1}

    _, mine, _ = await client.call("GET", "/me/membership", token=ana)
    status, story, _ = await client.call(
        "POST",
        "/staff/stories",
        token=rep,
        json={
            "text": "840.00 yuan of fares recovered",
            "rider_by": "member_number",
            "rider": mine["member_number"],
        },
    )
    assert status == 201 and story["status"] == "awaiting_consent" and story["anonymous"]
    status, refused, _ = await client.call(
        "POST",
        f"/staff/stories/{story['id']}/publish",
        token=rep,
        headers={"Accept-Language": "en"},
    )
    assert status == 409 and refused["code"] == "story_no_consent"
    assert "has not agreed" in refused["detail"]
    # The rider was asked in chat, with the buttons.
    asked = await Chat(sandbox, ANA).delivered(runtime, "840.00 yuan")
    assert [b["callback_data"] for b in asked["buttons"][0]] == [
        f"st:y:{story['id']}",
        f"st:n:{story['id']}",
    ]
    status, agreed, _ = await client.call(
        "POST", f"/me/stories/{story['id']}/consent", token=ana, json={"agree": True}
    )
    assert status == 200 and agreed["status"] == "consented"
    status, published, _ = await client.call(
        "POST", f"/staff/stories/{story['id']}/publish", token=rep
    )
    assert status == 200 and published["status"] == "published"

    status, latest, _ = await client.call(
        "GET", "/stories/latest", token=ana, headers={"Accept-Language": "en"}
    )
    assert status == 200 and [(s["text"], s["credit"]) for s in latest["stories"]] == [
        ("840.00 yuan of fares recovered", "— a rider in Xihu demo zone")
    ]
    status, about, _ = await client.call("GET", "/me/stories", token=ana)
    assert status == 200 and [s["status"] for s in about["stories"]] == ["published"]
    status, data, _ = await client.call("GET", "/me/data", token=ana)
    assert status == 200 and data["activist"][0]["groups"] == "Xihu riders"
    assert data["stories"][0]["status"] == "published"

    status, ended, _ = await client.call("POST", f"{path}/end", token=rep, json={"note": " "})
    assert status == 422
    status, ended, _ = await client.call(
        "POST", f"{path}/end", token=rep, json={"note": "Thanks for a great year"}
    )
    assert status == 200 and ended["status"] == "ended"
    assert ended["end_note"] == "Thanks for a great year"
    status, withdrawn, _ = await client.call(
        "DELETE", f"/me/stories/{story['id']}/consent", token=ana
    )
    assert status == 200 and withdrawn["status"] == "withdrawn"
