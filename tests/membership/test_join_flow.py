"""Joining end to end through the sandbox, in zh and en, on SQLite and PostgreSQL: the menu,
every step with its bad inputs, the representatives' race to decide, the member card and its
verification, /mydata, /leave with erasure, and joining again."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest
from sqlalchemy import select

from models import User
from models.membership import Membership, MembershipEvent, MembershipStatus
from services.membership.member_card import qr_png
from services.texts import text
from tests.chat import Chat, all_data, button, has_button, plain
from tests.membership.helpers import BJ_REP, SENIOR, XH_REP, load_demo
from tests.sandbox_client import SandboxClient

pytestmark = pytest.mark.fast_taps

RIDER = 710001
FAR_AWAY = {"latitude": 39.90, "longitude": 116.40}  # Beijing, ~1,100 km from the demo zones
NEAR_XH = {"latitude": 30.281, "longitude": 120.131}


async def fill_form(sandbox: SandboxClient, lang: str, name: str = "<b>阿强</b> & co") -> dict:
    """From /start to the summary, answering every step (and some of them wrongly first)."""
    rider = Chat(sandbox, RIDER)
    menu = await rider.say("/start")
    menu_data = all_data(menu)
    assert {"menu:join", "menu:report", "menu:guide", "menu:cases", "menu:about"} <= set(menu_data)

    about = await rider.press_for(menu, "menu:about", has_button("menu:join"))
    assert about["text"] == plain(lang, "membership.explainer")

    privacy = await rider.press_for(about, "menu:join", has_button("j:ok"))
    ask_name = await rider.press_for(privacy, "j:ok", has_button("j:back"))
    assert "1/7" in ask_name["text"]

    too_long = await rider.say("x" * 2000)
    assert text(lang, "error.member_name_too_long", length=2000, limit=32) == too_long["text"]
    photo = await rider.say(photo=qr_png("not a name", size=64))
    assert photo["text"] == text(lang, "membership.expect_name")
    ask_phone = await rider.say(name)
    assert ask_phone["reply_keyboard"], "the phone step offers the share-contact button"

    for wrong in ("hello", "12345", "0571-8888 6666"):
        answer = await rider.say(wrong)
        assert answer["text"] == text(lang, "error.phone_invalid")
    other = await rider.say(contact={"phone_number": "13900000000", "user_id": 4242})
    assert other["text"] == text(lang, "membership.contact_not_yours")
    sent = await sandbox.send(
        RIDER, contact={"phone_number": "+86 138 0013 8000", "user_id": RIDER}
    )
    platforms = await rider.wait_for(has_button("j:pf"), after=sent)

    q = await sandbox.press(RIDER, platforms["message_id"], button(platforms, "j:pf_done"))
    assert (await sandbox.callback_answer(q))["text"] == text(lang, "membership.pick_one")
    for p in ("j:pf:meituan", "j:pf:eleme"):
        await sandbox.press(RIDER, platforms["message_id"], p)
    await asyncio.sleep(0.3)
    kinds = await rider.press_for(platforms, "j:pf_done", has_button("j:wk"))
    await sandbox.press(RIDER, kinds["message_id"], button(kinds, "j:wk:food"))
    await asyncio.sleep(0.2)
    zones = await rider.press_for(kinds, "j:wk_done", has_button("j:zn"))

    # the location button's message
    await rider.wait_for(after=zones["message_id"])
    [[share]] = await sandbox.keyboard(RIDER)  # type: ignore[misc]
    assert share["request_location"] and share["text"] == text(lang, "btn.join_share_location")
    far = await rider.say(location=FAR_AWAY)
    assert "j:zn" in " ".join(all_data(far)), "a far location gets the zone list"
    sent = await sandbox.press_label(RIDER, share["text"], location=NEAR_XH)
    vehicle = await rider.wait_for(has_button("j:vh"), after=sent)
    assert zones["message_id"] < vehicle["message_id"]
    assert await sandbox.keyboard(RIDER) is None, "the location button goes with the step"

    referral = await rider.press_for(vehicle, "j:vh:ebike", has_button("j:rs"))
    unknown = await rider.say("nosuchcode")
    assert unknown["text"] == text(lang, "error.referral_unknown", code="nosuchcode")
    summary = await rider.press_for(referral, "j:rs", has_button("j:sub"))
    return summary


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_join_decide_card_verify_leave_rejoin(desk, sandbox: SandboxClient, lang) -> None:
    rider = Chat(sandbox, RIDER)
    await load_demo(desk)
    await sandbox.user(RIDER, "Rider", language=lang)
    for rep in (XH_REP, BJ_REP, SENIOR):
        await sandbox.user(rep, f"rep{rep}", language="zh")

    summary = await fill_form(sandbox, lang)
    assert "<b>阿强</b> & co" in summary["text"], "markup in names is shown as typed"
    assert "13800138000" in summary["text"]
    submitted = await rider.press_for(summary, "j:sub", has_button("menu:main"))
    assert "代表 李强" in submitted["text"] and "高级代表 赵磊" in submitted["text"]

    xh = await Chat(sandbox, XH_REP).delivered(desk, has_button("md:a"))
    senior = await Chat(sandbox, SENIOR).wait_for(has_button("md:a"))
    assert "13800138000" in xh["text"], "the zone's representatives see the full number"
    assert "<b>阿强</b> & co" in xh["text"]
    assert not await sandbox.messages(BJ_REP), "another zone's representative is not asked"

    # Both representatives press Approve at once: exactly one decision wins.
    approve = button(xh, "md:a")
    q1, q2 = await asyncio.gather(
        sandbox.press(XH_REP, xh["message_id"], approve),
        sandbox.press(SENIOR, senior["message_id"], approve),
    )
    answers = [(await sandbox.callback_answer(q))["text"] for q in (q1, q2)]
    assert sorted(a.startswith("已保存") for a in answers) == [False, True], answers
    loser = next(a for a in answers if not a.startswith("已保存"))
    assert "已经处理过" in loser and ("李强" in loser or "赵磊" in loser)

    async with desk.ctx.sessions() as s:
        m = (await s.execute(select(Membership))).scalar_one()
        kinds = [e.kind for e in (await s.execute(select(MembershipEvent))).scalars()]
    assert m.status is MembershipStatus.active and kinds == ["applied", "approved"]
    assert m.member_number is not None and m.member_number.startswith("XH-")
    assert m.member_number.endswith("-000001")

    notice = await rider.delivered(desk, has_button("menu:card"))
    assert m.member_number in notice["text"]
    last = (await sandbox.messages(RIDER))[-1]["message_id"]
    await sandbox.press(RIDER, notice["message_id"], "menu:card")
    card = await rider.wait_for(lambda x: m.member_number in (x["text"] or ""), after=last)
    photo = await rider.wait_for(lambda x: bool(x.get("photo")), after=card["message_id"])
    assert photo["photo"]
    url = card["text"].rsplit(" ", 1)[-1].rsplit("：", 1)[-1]
    token = url.rsplit("/verify/", 1)[1]

    base = f"http://127.0.0.1:{desk.port}"
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base}/verify/{token}", headers={"Accept": "application/json"}) as r:
            body = await r.json()
        assert body == {
            "valid": True,
            "member_number": m.member_number,
            "name_initial": "<",
            "zone": "XH",
            "status": "active",
        }
        async with http.get(f"{base}/verify/{token[:-2]}xx") as r:
            assert r.status == 404 and "无法核验" in await r.text()
        async with http.get(f"{base}/verify/{token}?lang=en") as r:
            page = await r.text()
            assert "13800138000" not in page and "Genuine card" in page

    again = await rider.say("/join")
    assert again["text"] == text(lang, "error.already_member", number=m.member_number)

    export = await rider.say("/mydata")
    raw = await (
        await sandbox.http.get(f"{sandbox.base}/sandbox/api/files/{export['document']['file_id']}")
    ).read()
    data = json.loads(raw)
    assert data["memberships"][0]["phone"] == "13800138000"

    confirm = await rider.say("/leave")
    done = await rider.press_for(confirm, "lv:1")
    assert done["text"] == plain(lang, "erasure.left")
    async with desk.ctx.sessions() as s:
        m = (await s.execute(select(Membership))).scalar_one()
        old = await s.get(User, m.user_id)
    assert m.status is MembershipStatus.left and m.name is None and m.phone is None
    assert old is not None and old.telegram_id is None
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base}/verify/{token}", headers={"Accept": "application/json"}) as r:
            assert (await r.json())["status"] == "left"

    # Re-joining later works, with the same phone number.
    privacy = await rider.say("/join")
    assert "j:ok:" in all_data(privacy)
