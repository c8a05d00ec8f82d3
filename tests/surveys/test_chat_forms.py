"""A representative creates a survey (/survey) and sends a notice (/notice) in chat, on the
form engine, through the sandbox: every wrong input answered with what to send instead (a
text where a button is asked, one option, a past or unreadable closing time, an audience
that reaches nobody), the summary saying how many it reaches and how long sending takes,
and members getting it; a rider may not start either."""

from __future__ import annotations

import pytest

from app.runtime import Runtime
from models.db import unit_of_work
from services.demo import load_demo_data
from tests.chat import Chat
from tests.sandbox_client import SandboxClient
from tests.surveys.conftest import FIRST_MEMBER, REP_XH, add_members, button, deliver

A, B = FIRST_MEMBER, FIRST_MEMBER + 1


@pytest.fixture
def sandbox_limits() -> dict[str, float]:
    return {"per_chat_rate": 50, "per_chat_burst": 50}


@pytest.fixture
async def chat_desk(desk: Runtime, sandbox: SandboxClient) -> Runtime:
    async with unit_of_work(desk.ctx.sessions) as s:
        await load_demo_data(s)
        await add_members(s, 2, zone="XH")
    for tg in (REP_XH, A, B):
        await sandbox.user(tg, f"user {tg}", language="zh")
    return desk


async def say(sandbox: SandboxClient, chat: int, text: str, needle: str) -> dict:
    sent = await sandbox.send(chat, text)
    return await Chat(sandbox, chat).wait_for(after=sent, match=needle)


async def tap(sandbox: SandboxClient, chat: int, message: dict, label: str, needle: str) -> dict:
    last = (await sandbox.messages(chat))[-1]["message_id"]
    await sandbox.press(chat, message["message_id"], button(message, label))
    return await Chat(sandbox, chat).wait_for(after=last, match=needle)


async def test_survey_form(chat_desk: Runtime, sandbox: SandboxClient) -> None:
    r = REP_XH
    await say(sandbox, r, "/survey", "要问会员什么")
    kind = await say(sandbox, r, "周六的维修日你来吗？", "会员怎么回答")
    await say(sandbox, r, "单选", "请点一个按钮")  # text where a button is asked
    await tap(sandbox, r, kind, "单选", "每行一个")
    await say(sandbox, r, "来", "至少要有 2 个不同的选项")
    closes = await say(sandbox, r, "来\n不来", "什么时候截止")
    await say(sandbox, r, "2020-01-01 10:00", "已经过去了")
    await say(sandbox, r, "下周五", "看不懂这个时间")
    audience = await tap(sandbox, r, closes, "3 天后", "发给谁")
    jd = await tap(sandbox, r, audience, "京东", "发给谁")
    assert "✅ 京东" in str(jd["buttons"])
    await tap(sandbox, r, jd, "✔️", "没有能收到的会员（共 0 人）")
    again = (await sandbox.messages(r))[-1]
    off = await tap(sandbox, r, again, "✅ 京东", "发给谁")
    public = await tap(sandbox, r, off, "✔️", "会员能看到结果吗")
    summary = await tap(sandbox, r, public, "只给我看", "请确认问卷")
    assert "会发给 2 人" in summary["text"] and "大约 1 秒" in summary["text"]
    await tap(sandbox, r, summary, "✅ 提交", "问卷已发出")
    await deliver(chat_desk)
    card = await Chat(sandbox, A).wait_for(after=0, match="周六的维修日你来吗")
    assert {b["text"] for row in card["buttons"] for b in row} == {"来", "不来"}


async def test_notice_form_and_a_rider_may_not(chat_desk: Runtime, sandbox: SandboxClient) -> None:
    r = REP_XH
    await say(sandbox, A, "/notice", "代表")  # a rider: not for them
    await say(sandbox, r, "/notice", "请写通知内容")
    audience = await say(sandbox, r, "明天高温 39°C，午间注意休息。", "发给谁")
    # Only the activists among them: there are none in XH yet, so it reaches nobody.
    only = await tap(sandbox, r, audience, "只发给其中的积极分子", "发给谁")
    assert "✅ 只发给其中的积极分子" in str(only["buttons"])
    await tap(sandbox, r, only, "✔️", "没有能收到的会员（共 0 人）")
    again = (await sandbox.messages(r))[-1]
    audience = await tap(sandbox, r, again, "✅ 只发给其中的积极分子", "发给谁")
    summary = await tap(sandbox, r, audience, "✔️", "请确认通知")
    assert "会发给 2 人" in summary["text"]
    await tap(sandbox, r, summary, "✅ 提交", "已排队发送")
    await deliver(chat_desk)
    await Chat(sandbox, B).wait_for(after=0, match="明天高温")
    await Chat(sandbox, r).wait_for(after=0, match="正在发送")
