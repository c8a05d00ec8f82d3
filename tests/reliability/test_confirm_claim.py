"""A wage claim's Submit under send faults: one claim, its number told once, and a press
again shows that claim instead of filing a second."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from app.runtime import Runtime
from models.claims import WageClaim
from tests.chat import Chat, button, deliver
from tests.claims.conftest import RIDER, claims_desk, clock  # noqa: F401  # fixtures used by name
from tests.sandbox_client import SandboxClient

pytestmark = pytest.mark.fast_taps

FILED = "索赔已提交"


async def _to_summary(sandbox: SandboxClient) -> dict:
    rider = Chat(sandbox, RIDER)
    kind = await rider.say("/claim", expect="谁欠你的钱")
    await rider.press_for(kind, "配送站点", "叫什么名字")
    rel = await rider.say("闪送 西溪配送站", expect="怎么给对方干活")
    await rider.press_for(rel, "通过劳务公司", "欠你多少钱")
    await rider.say("1200.50", expect="¥1200.50")
    await rider.wait_for("开始日期")
    await rider.say("5月1日", expect="结束日期")
    await rider.say("5.31", expect="订单号")
    work_q = await rider.say("SS20260501-001", expect="还在给对方干活")
    await rider.press_for(work_q, "已经不干了", "哪天停止干活")
    await rider.say("2026/6/1", expect="第一次知道")
    checklist = await rider.say("6.5", expect="证据清单")
    disc = await rider.press_for(checklist, "➡️", "可以写你的哪些信息")
    return await rider.press_for(disc, "只写姓名", "请核对你的索赔")


async def _texts(sandbox: SandboxClient) -> list[str]:
    return [m["text"] or "" for m in await sandbox.messages(RIDER)]


async def test_claim_submit_under_faults_files_once_and_says_so(
    claims_desk: Runtime,  # noqa: F811
    sandbox: SandboxClient,
) -> None:
    summary = await _to_summary(sandbox)
    submit = button(summary, "✅ 提交索赔")
    # After the claim committed, everything the press sends fails: the spinner's answer,
    # the confirmation, and taking the buttons off the summary (so it can be pressed again).
    for method in ("answerCallbackQuery", "sendMessage", "editMessageReplyMarkup"):
        await sandbox.fault(method, 500)
    first = await sandbox.press(RIDER, summary["message_id"], submit)
    second = await sandbox.press(RIDER, summary["message_id"], submit)  # a double tap
    await sandbox.callback_answer(second)
    assert first
    for _ in range(40):
        await deliver(claims_desk)
        if any(FILED in text for text in await _texts(sandbox)):
            break
        await asyncio.sleep(0.1)
    async with claims_desk.ctx.sessions() as s:
        [claim] = list((await s.execute(select(WageClaim))).scalars())
    texts = await _texts(sandbox)
    assert len([x for x in texts if FILED in x]) == 1, texts[-4:]
    ref = next(x for x in texts if FILED in x).split("编号 ")[1].split("。")[0]
    assert any("已经提交过了" in x and ref in x for x in texts), texts[-4:]

    # Much later, the same button again: the same claim, never a second.
    before = (await sandbox.messages(RIDER))[-1]["message_id"]
    await sandbox.callback_answer(await sandbox.press(RIDER, summary["message_id"], submit))
    again = await Chat(sandbox, RIDER).wait_for("已经提交过了", after=before)
    assert ref in again["text"]
    async with claims_desk.ctx.sessions() as s:
        assert [c.id for c in (await s.execute(select(WageClaim))).scalars()] == [claim.id]
