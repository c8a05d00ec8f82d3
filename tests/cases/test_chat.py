"""Representatives in chat: the zone's group, the claim race between two reps, /queue; and
the bad inputs a rider can send."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from models import Zone
from tests.cases.conftest import ADMIN, REP_XH, RIDER, SENIOR, eventually, people, report
from tests.chat import PNG, Chat, button, pace
from tests.sandbox_client import SandboxClient

pytestmark = pytest.mark.fast_taps

GROUP = -100500


async def test_group_gets_new_cases_and_two_reps_race_to_claim(desk, sandbox: SandboxClient):
    await people(desk, sandbox)
    await sandbox.group(GROUP, "XH reps", members=[ADMIN, REP_XH, SENIOR], admins=[ADMIN])
    refused = await sandbox.send(GROUP, "/bindgroup XH", **{"from": REP_XH})
    [no] = await sandbox.messages(GROUP, after=refused, wait=5)
    assert "管理员" in no["text"]  # a rep is not a union admin
    await pace()
    sent = await sandbox.send(GROUP, "/bindgroup XH", **{"from": ADMIN})
    [ok] = await sandbox.messages(GROUP, after=sent, wait=5)
    assert "西湖" in ok["text"]

    async def bound():
        async with desk.ctx.sessions() as s:
            zone = (await s.execute(select(Zone).where(Zone.code == "XH"))).scalar_one()
            return zone.group_chat_id == GROUP

    await eventually(bound)

    done = await report(sandbox, RIDER, text="Gate 3 blocks e-bikes", anonymous=True)
    ref = done["text"].split("Reported as ")[1].split(".")[0]
    post = await Chat(sandbox, GROUP).delivered(desk, ref, newest=True)
    assert "匿名骑手" in post["text"] and "Rider" not in post["text"]  # anonymous in the group
    data = button(post, "rc:claim")
    first, second = await asyncio.gather(
        sandbox.press_in_group(GROUP, post["message_id"], data, REP_XH),
        sandbox.press_in_group(GROUP, post["message_id"], data, SENIOR),
    )
    answers = [await sandbox.callback_answer(q) for q in (first, second)]
    texts = sorted(a["text"] for a in answers)
    assert sum("你接手了" in t for t in texts) == 1, texts
    loser = next(t for t in texts if "你接手了" not in t)
    assert "来晚了一步" in loser and ("李强" in loser or "赵磊" in loser)

    # /queue shows the open case to a rep of the zone, not to a rider.
    await pace()
    queue = await sandbox.reply_to(REP_XH, "/queue")
    assert ref in queue["text"]
    await pace()
    refused_queue = await sandbox.reply_to(RIDER, "/queue")
    assert "representatives" in refused_queue["text"]


async def test_bad_inputs_get_a_sentence_saying_what_to_send(desk, sandbox: SandboxClient):
    rider = Chat(sandbox, RIDER)
    await people(desk, sandbox, members=())
    await sandbox.user(RIDER, "Liu", language="en")
    not_member = await sandbox.reply_to(RIDER, "/report")
    assert "工会会员" in not_member["text"]  # the demo rider speaks Chinese
    assert button(not_member, "menu:join")

    await people_member(desk)
    menu = await sandbox.reply_to(RIDER, "/report")
    await pace()
    typed = await sandbox.reply_to(RIDER, "hello")
    assert "pick a category" in typed["text"]
    await rider.press(menu, "rp:cat:other")
    await pace()
    photo_first = await sandbox.reply_to(RIDER, photo=PNG)
    assert "in words first" in photo_first["text"]
    await pace()
    too_long = await sandbox.reply_to(RIDER, "很长的描述。" * 1000)  # 6,000 characters
    assert "6000 characters; the limit is 2000" in too_long["text"]
    await pace()
    long_text = "很长的描述。" * 333 + "好"  # 1,999 characters: kept whole
    place = await sandbox.reply_to(RIDER, long_text)
    await pace()
    where = await sandbox.reply_to(RIDER, photo=PNG)
    assert "A place is needed" in where["text"], place
    await pace()
    found = await sandbox.reply_to(RIDER, "qingtong")
    [picked] = await rider.press(found, "rp:cmp")
    assert "Qingtong Li" in picked["text"] or "青桐里" in picked["text"]
    msgs = await sandbox.messages(RIDER, after=picked["message_id"], wait=5)
    photos_q = msgs[-1] if msgs else picked
    await pace()
    await pace()  # choosing a compound took two messages
    text_for_photo = await sandbox.reply_to(RIDER, "here")
    assert "Send photos here" in text_for_photo["text"]
    anon = (await rider.press(photos_q, "rp:done"))[-1]
    summary = await rider.press(anon, "rp:anon:0")
    while not summary[-1].get("buttons"):  # the pieces arrive one by one
        summary += await sandbox.messages(RIDER, after=summary[-1]["message_id"], wait=5)
    assert all(len(m["text"]) <= 4096 for m in summary)
    joined = "".join(m["text"] for m in summary)
    assert joined.count("很长的描述。") == 333
    done = await rider.press(summary[-1], button(summary[-1], "rp:submit"))
    assert "Reported as" in done[-1]["text"]
    # The summary's button pressed again shows that case, and makes no second one.
    again = await rider.press(summary[-1], button(summary[-1], "rp:submit"))
    ref = done[-1]["text"].split("Reported as ", 1)[1].split(".", 1)[0]
    assert "already in" in again[-1]["text"] and ref in again[-1]["text"]


async def people_member(desk) -> None:
    from models import User
    from models.membership import Membership, MembershipStatus

    async with desk.ctx.sessions() as s, s.begin():
        user = (await s.execute(select(User).where(User.telegram_id == RIDER))).scalar_one()
        user.language = "en"
        zone = (await s.execute(select(Zone).where(Zone.code == "XH"))).scalar_one()
        s.add(Membership(user_id=user.id, zone_id=zone.id, status=MembershipStatus.active))
