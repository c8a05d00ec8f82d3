"""A representative's invite link, /recruits, rejection with a reason, another zone's
representative refused, a second application by phone, and a bot restart mid-form."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from models import User
from models.db import unit_of_work
from models.membership import Membership, MembershipStatus
from services.errors import Conflict, Forbidden
from services.membership import applications
from tests.chat import Chat, all_data, button, has_button, plain
from tests.membership.helpers import BJ_REP, XH_REP, load_demo
from tests.sandbox_client import SandboxClient

pytestmark = pytest.mark.fast_taps

RIDER, SECOND = 720001, 720002


async def answer_up_to_summary(sandbox: SandboxClient, chat: int, phone: str) -> dict:
    person = Chat(sandbox, chat)
    sent = await sandbox.send(chat, "/join")
    privacy = await person.wait_for(has_button("j:ok"), after=sent)
    await person.press_for(privacy, "j:ok", has_button("j:back"))
    await person.say("Lin")
    sent = await sandbox.send(chat, phone)
    platforms = await person.wait_for(has_button("j:pf"), after=sent)
    await sandbox.callback_answer(
        await sandbox.press(chat, platforms["message_id"], button(platforms, "j:pf:sf"))
    )
    kinds = await person.press_for(platforms, "j:pf_done", has_button("j:wk"))
    await sandbox.callback_answer(
        await sandbox.press(chat, kinds["message_id"], button(kinds, "j:wk:parcels"))
    )
    zones = await person.press_for(kinds, "j:wk_done", has_button("j:zn"))
    # the location button's message
    await person.wait_for(after=zones["message_id"])
    assert await sandbox.keyboard(chat), "the zone step offers the location button"
    # XH, loaded first
    vehicle = await person.press_for(zones, "j:zn:1", has_button("j:vh"))
    assert await sandbox.keyboard(chat) is None, "picking a zone takes the location button off"
    return await person.press_for(vehicle, "j:vh:van", has_button("j:r"))


async def test_invite_link_referral_and_rejection(desk, sandbox: SandboxClient) -> None:
    rider = Chat(sandbox, RIDER)
    rep = Chat(sandbox, XH_REP)
    await load_demo(desk)
    await sandbox.user(XH_REP, "rep", language="zh")
    invite = await rep.say("/invite")
    link = next(w for w in invite["text"].split() if "?start=ref_" in w)
    code = link.rsplit("ref_", 1)[1]
    assert (await rep.wait_for(after=invite["message_id"]))["photo"]

    await sandbox.user(RIDER, "Lin", language="en")
    noted = await rider.say(f"/start ref_{code}")
    assert noted["text"] == plain("en", "membership.referral_noted", name="代表 李强")
    referral = await answer_up_to_summary(sandbox, RIDER, "139 0013 9000")
    assert any(d.startswith("j:rk") for d in all_data(referral)), "the invite's referrer is kept"
    summary = await rider.press_for(referral, "j:rk", has_button("j:sub"))
    assert "代表 李强" in summary["text"]
    # Edit one field from the summary and come straight back to it.
    ask_vehicle = await rider.press_for(summary, "j:ed:vehicle", has_button("j:vh"))
    summary = await rider.press_for(ask_vehicle, "j:vh:car", has_button("j:sub"))
    assert "Car" in summary["text"]
    await rider.press_for(summary, "j:sub", has_button("menu:main"))

    recruits = await rep.say("/recruits")
    assert "1" in recruits["text"] and "待审核：1" in recruits["text"]

    app = await rep.delivered(desk, has_button("md:r"), after=recruits["message_id"])
    await sandbox.press(XH_REP, app["message_id"], button(app, "md:r"))
    # The reject button turns the message's buttons into a list of reasons.
    edited = await rep.wait_for(has_button("mr:"))
    q = await sandbox.press(XH_REP, edited["message_id"], button(edited, "mr:"))
    assert (await sandbox.callback_answer(q))["text"] == "已保存。"
    notice = await rider.delivered(desk, has_button("menu:join"), after=summary["message_id"])
    assert "Not a rider or driver" in notice["text"]

    async with desk.ctx.sessions() as s:
        m = (await s.execute(select(Membership))).scalar_one()
    assert m.status is MembershipStatus.rejected and m.referrer_id is not None


async def test_other_zone_and_second_application(desk, sandbox: SandboxClient) -> None:
    rider = Chat(sandbox, RIDER)
    await load_demo(desk)
    await sandbox.user(RIDER, "Lin", language="zh")
    referral = await answer_up_to_summary(sandbox, RIDER, "13900139000")
    summary = await rider.press_for(referral, "j:rs", has_button("j:sub"))
    await rider.press_for(summary, "j:sub", has_button("menu:main"))
    again = await rider.say("/join")
    assert "已经提交过申请" in again["text"]

    # Another account with the same phone number is told the number is taken.
    await sandbox.user(SECOND, "Lin2", language="en")
    privacy = await Chat(sandbox, SECOND).say("/join")
    await Chat(sandbox, SECOND).press_for(privacy, "j:ok", has_button("j:back"))
    await Chat(sandbox, SECOND).say("Lin")
    taken = await Chat(sandbox, SECOND).say("13900139000")
    assert taken["text"] == plain("en", "error.phone_taken_pending")

    async with unit_of_work(desk.ctx.sessions) as s:
        m = (await s.execute(select(Membership))).scalar_one()
        bj = (await s.execute(select(User).where(User.telegram_id == BJ_REP))).scalar_one()
        with pytest.raises(Forbidden):
            await applications.decide(s, membership_id=m.id, actor=bj, approve=True)


async def test_form_survives_a_restart(desks, sandbox: SandboxClient) -> None:
    rider = Chat(sandbox, RIDER)
    rt = await desks.start()
    await load_demo(rt)
    await sandbox.user(RIDER, "Lin", language="en")
    privacy = await rider.say("/join")
    await rider.press_for(privacy, "j:ok", has_button("j:back"))
    phone_q = await rider.say("Lin Restart")
    await desks.stop(rt)
    await desks.start()
    sent = await sandbox.send(RIDER, "13700137000")
    platforms = await rider.wait_for(has_button("j:pf"), after=sent)
    assert platforms["message_id"] > phone_q["message_id"]
    back = await rider.press_for(platforms, "j:back")
    assert back["reply_keyboard"], "Back from platforms asks for the phone again"


async def test_race_gives_one_decision_and_distinct_numbers(desk) -> None:
    await load_demo(desk)
    async with unit_of_work(desk.ctx.sessions) as s:
        for i in range(2):
            u = User(telegram_id=730000 + i, display_name=f"r{i}")
            s.add(u)
            await s.flush()
            form = applications.Application(
                "n", f"1380000000{i}", ["meituan"], ["food"], 1, "ebike"
            )
            await applications.apply(s, user=u, form=form)

    async def approve(mid: int, tg: int) -> object:
        try:
            async with unit_of_work(desk.ctx.sessions) as s:
                rep = (await s.execute(select(User).where(User.telegram_id == tg))).scalar_one()
                m = await applications.decide(s, membership_id=mid, actor=rep, approve=True)
                return m.member_number
        except Conflict as err:
            return err.code

    results = await asyncio.gather(
        approve(1, XH_REP), approve(1, 900004), approve(2, XH_REP), approve(2, 900004)
    )
    assert sorted(map(str, results)).count("application_decided") == 2
    numbers = {r for r in results if r != "application_decided"}
    assert len(numbers) == 2 and all(str(n).startswith("XH-") for n in numbers)
