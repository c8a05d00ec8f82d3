"""Surveys and notices in chat, through the sandbox: a member answers with the buttons,
taps twice, changes the answer, writes a free-text answer (text asked, a photo refused),
is told the survey closed; /settings mutes notices, and a muted member gets no notice while
the surveys they are asked still come."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.runtime import Runtime
from models.db import unit_of_work
from models.surveys import SurveyKind
from models.types import utcnow
from services.demo import load_demo_data
from services.surveys import closing, notices
from services.surveys.audience import Audience
from services.surveys.creation import SurveyDraft, create_survey
from tests.chat import Chat
from tests.sandbox_client import SandboxClient
from tests.surveys.conftest import REP_XH, add_members, button, by_tg, deliver, png

A, B = 810000, 810001


@pytest.fixture
def sandbox_limits() -> dict[str, float]:
    """This folder taps faster than a person: looser per-chat limits."""
    return {"per_chat_rate": 50, "per_chat_burst": 50}


@pytest.fixture
async def chat_desk(desk: Runtime, sandbox: SandboxClient) -> Runtime:
    async with unit_of_work(desk.ctx.sessions) as s:
        await load_demo_data(s)
        await add_members(s, 2, zone="XH")
    for tg in (REP_XH, A, B):
        await sandbox.user(tg, f"user {tg}", language="zh")
    return desk


async def _survey(rt: Runtime, **kw: object) -> int:
    values: dict[str, object] = {
        "question": "维修日选哪天？",
        "kind": SurveyKind.single,
        "options": ["周六", "周日"],
        "closes_at": utcnow() + timedelta(days=1),
    }
    values.update(kw)
    async with unit_of_work(rt.ctx.sessions) as s:
        survey = await create_survey(
            s,
            author=await by_tg(s, REP_XH),
            draft=SurveyDraft(**values),  # type: ignore[arg-type]
        )
    await deliver(rt)
    return survey.id  # type: ignore[return-value]


async def _tap(sandbox: SandboxClient, chat: int, message: dict, label: str) -> str:
    query = await sandbox.press(chat, message["message_id"], button(message, label))
    return (await sandbox.callback_answer(query))["text"]


async def test_answer_change_and_closed(chat_desk: Runtime, sandbox: SandboxClient) -> None:
    rt = chat_desk
    survey_id = await _survey(rt)
    card = await Chat(sandbox, A).wait_for(after=0, match="维修日选哪天")
    assert "截止前可以修改回答" in card["text"]
    assert "已记下：周六" in await _tap(sandbox, A, card, "周六")
    assert "已经选了“周六”" in await _tap(sandbox, A, card, "周六")  # a double tap
    assert "已记下：周日" in await _tap(sandbox, A, card, "周日")  # changed
    async with unit_of_work(rt.ctx.sessions) as s:
        await closing.close_survey(s, survey_id=survey_id, actor=await by_tg(s, REP_XH))
    assert "已经在" in await _tap(sandbox, A, card, "周六")  # after closing
    await deliver(rt)
    summary = await Chat(sandbox, REP_XH).wait_for(after=0, match="你的问卷已截止")
    assert "周日：1 人（100.0%）" in summary["text"] and "1 / 2 人" in summary["text"]


async def test_free_text_answer(chat_desk: Runtime, sandbox: SandboxClient) -> None:
    rt = chat_desk
    await _survey(rt, question="你最需要什么帮助？", kind=SurveyKind.text, options=[])
    card = await Chat(sandbox, B).wait_for(after=0, match="你最需要什么帮助")
    last = (await sandbox.messages(B))[-1]["message_id"]
    await sandbox.press(B, card["message_id"], button(card, "✍️"))
    await Chat(sandbox, B).wait_for(after=last, match="请用一条文字消息回答")
    sent = await sandbox.send(B, photo=png())
    await Chat(sandbox, B).wait_for(after=sent, match="请发一条文字消息")
    sent = await sandbox.send(B, "午间休息的地方")
    await Chat(sandbox, B).wait_for(after=sent, match="回答已保存")


async def test_settings_mute_is_respected(chat_desk: Runtime, sandbox: SandboxClient) -> None:
    rt = chat_desk
    sent = await sandbox.send(A, "/settings")
    shown = await Chat(sandbox, A).wait_for(after=sent, match="工会通知：开")
    query = await sandbox.press(A, shown["message_id"], button(shown, "🔕"))
    assert "已关闭工会通知" in (await sandbox.callback_answer(query))["text"]
    async with unit_of_work(rt.ctx.sessions) as s:
        rep = await by_tg(s, REP_XH)
        preview = await notices.preview_notice(s, actor=rep, audience=Audience())
        assert (preview.reachable, preview.muted) == (1, 1)
        await notices.send_notice(s, author=rep, body="周六免费修车", audience=Audience())
    await deliver(rt)
    await Chat(sandbox, B).wait_for(after=0, match="周六免费修车")
    assert not [m for m in await sandbox.messages(A) if "周六免费修车" in (m["text"] or "")]
    await _survey(rt)  # a survey still comes to the muted member
    await Chat(sandbox, A).wait_for(after=0, match="维修日选哪天")
