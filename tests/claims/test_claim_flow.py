"""A wage claim end to end through the sandbox: the rider's form with evidence, the
representative's stage moves, a restarting event moving the deadline, a partial recovery,
the summary PDF read back with pypdf, and the lock after the claim ended."""

from __future__ import annotations

import asyncio
import base64
import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.runtime import Runtime
from bot.errors import explain
from models import CaseEvent, User
from models.claims import ClaimEvidence, WageClaim
from services.claims import progress
from services.errors import Conflict
from services.texts import Translator
from tests.chat import Chat, button, deliver, has_document
from tests.claims.conftest import REP_BJ, REP_XH, RIDER, file_bytes, png
from tests.sandbox_client import SandboxClient

pytestmark = pytest.mark.fast_taps

PDF = base64.b64encode(b"%PDF-1.4\n% a scanned contract\n").decode()


async def test_full_claim(claims_desk: Runtime, sandbox: SandboxClient) -> None:
    rep = Chat(sandbox, REP_XH)
    rt, r = claims_desk, RIDER
    me = Chat(sandbox, r)
    kind = await me.say("/claim", expect="谁欠你的钱")
    name_q = await me.press_for(kind, "配送站点", "叫什么名字")
    assert "配送站点或劳务公司" in name_q["text"]
    rel = await me.say("闪送 西溪配送站", expect="怎么给对方干活")
    amount_q = await me.press_for(rel, "通过劳务公司", "欠你多少钱")
    assert amount_q

    for bad, needle in (
        ("abc", "不是金额"),
        ("-40", "要大于0"),
        ("40.555", "两位小数"),
        ("4e5", "不是金额"),
        ("一千二", "阿拉伯数字"),
        ("900000", "上限"),
    ):
        await me.say(bad, expect=needle)
    await me.say("1,200.50元", expect="¥1200.50")
    await me.wait_for("开始日期")
    await me.say("2026-02-30", expect="不存在")
    end_q = await me.say("5月1日", expect="结束日期")
    assert "2026-05-01" in end_q["text"]
    await me.say("4月1日", expect="早于开始日期")
    await me.say("2026-07-01", expect="还没到")
    orders_q = await me.say("5.31", expect="订单号")
    work_q = await me.say("SS20260501-001, SS20260502-017", expect="还在给对方干活")
    assert orders_q
    ended_q = await me.press_for(work_q, "已经不干了", "哪天停止干活")
    assert ended_q
    await me.say("2026/6/1", expect="第一次知道")
    checklist = await me.say("6.5", expect="证据清单")
    assert "一年时效" in (await me.wait_for("一年时效"))["text"]
    assert "▫️ 劳动合同" in checklist["text"]

    await me.say("随便写点", expect="按钮")
    item = await me.press_for(checklist, "劳动合同", "发照片或文件")
    await me.say("这是合同", expect="照片或文件")
    sent = await sandbox.send(r, document=PDF, file_name="合同.pdf")
    await me.wait_for("这一项共 1 个", after=sent)
    exe = "application/x-msdownload"
    sent = await sandbox.send(r, document=PDF, file_name="tool.exe", mime_type=exe)
    await me.wait_for("打不开", after=sent)
    sent = await sandbox.send(r, photo=png())
    await me.wait_for("这一项共 2 个", after=sent)
    checklist = await me.press_for(item, "✅ 这一项", "证据清单")
    assert "✅ 劳动合同、劳务协议或派遣协议：2 个文件" in checklist["text"]
    item = await me.press_for(checklist, "工资条", "发照片或文件")
    checklist = await me.press_for(item, "跳过", "证据清单")
    assert "⏭ 工资条或工资单" in checklist["text"]
    disc = await me.press_for(checklist, "➡️", "可以写你的哪些信息")
    summary = await me.press_for(disc, "只写姓名", "请核对你的索赔")
    assert "¥1200.50" in summary["text"] and "闪送 西溪配送站" in summary["text"]
    assert "2027-06-05" in summary["text"]  # a year from when they knew (after the work ended)
    assert "<b>" not in summary["text"] and "2027-06-05" in bold(summary)  # bold, not tags
    filed = await me.press_for(summary, "✅ 提交索赔", "索赔已提交")
    assert "<b>" not in filed["text"] and "2027-06-05" in bold(filed)
    ref = filed["text"].split("编号 ")[1].split("。")[0]
    assert ref.startswith("C-2026-")

    async with rt.ctx.sessions() as s:
        claim = (await s.execute(select(WageClaim))).scalar_one()
        ev = list((await s.execute(select(ClaimEvidence))).scalars())
    assert claim.amount_fen == 120050 and claim.deadline_on.isoformat() == "2027-06-05"
    assert [e.item for e in ev] == ["contract", "contract"]
    assert claim.evidence_skipped == ["pay_slips"]

    # The XH representative hears of it; the BJ one neither hears nor may act.
    await deliver(rt)
    notice = await rep.wait_for("新欠薪索赔")
    assert ref in notice["text"] and "¥1200.50" in notice["text"]
    assert not [m for m in await sandbox.messages(REP_BJ) if ref in (m["text"] or "")]
    await Chat(sandbox, REP_BJ).say("/claims", expect="还没有欠薪索赔")

    card = await rep.press_for(notice, "📂", "欠薪索赔 " + ref)
    card = await rep.press_for(card, "➡️ 协商", "欠薪索赔 " + ref)
    assert "协商" in card["text"]
    reasons = await rep.press_for(card, "⏱", "重新计算")
    date_q = await rep.press_for(reasons, "我向对方讨要", "是哪天")
    assert date_q
    saved = await rep.say("2026-06-10", expect="新的最迟日期")
    assert "2027-06-10" in saved["text"]
    card = await rep.say("/claims", expect="欠薪索赔（1 个）")
    card = await rep.press_for(card, ref, "欠薪索赔 " + ref)
    card = await rep.press_for(card, "➡️ 调解", "欠薪索赔 " + ref)
    await rep.press_for(card, "💰", "追回了多少钱")
    await rep.say("1300", expect="不能超过")  # checked on the date step
    await rep.say("800", expect="哪天收到")
    done = await rep.say("6月14日", expect="部分追回")
    assert done

    # The last answer can reach the representative a moment before its update is done with:
    # drain until the rider's notices are all there (bounded), as a running sender would.
    for _ in range(50):
        await deliver(rt)
        rider_msgs = " | ".join(m["text"] or "" for m in await sandbox.messages(r))
        if "还差 ¥400.50" in rider_msgs:
            break
        await asyncio.sleep(0.1)
    assert "进入新阶段：<b>协商</b>" in rider_msgs or "进入新阶段：协商" in rider_msgs
    assert "2027-06-10" in rider_msgs and "还差 ¥400.50" in rider_msgs

    # The PDF, as the rider asks for it, read back.
    last = (await sandbox.messages(r))[-1]
    card = await me.press_for(last, "📂", "欠薪索赔 " + ref)
    assert "部分追回" in card["text"] and "📎 补充证据" not in str(card["buttons"])
    doc_msg = await me.press_for(card, "📄", has_document)
    assert doc_msg["document"]["file_name"] == f"{ref}.pdf"
    pdf = PdfReader(io.BytesIO(await file_bytes(sandbox, doc_msg["document"]["file_id"])))
    body = "".join(page.extract_text() for page in pdf.pages).replace("\n", "")
    for expected in (
        "欠薪索赔摘要",
        ref,
        "王师傅",
        "闪送 西溪配送站",
        "通过劳务公司、外包或派遣",
        "¥1200.50",
        "¥800.00",
        "2026-05-01 – 2026-05-31",
        "SS20260501-001",
        "劳动合同",
        "合同.pdf",
        "尚缺",
        "工资条或工资单",
        "调解",
        "部分追回",
        "2027-06-10",
        "我向对方讨要了工钱",
        "劳动争议调解仲裁法",
        "12351",
    ):
        assert expected in body, expected
    assert "13800001234" not in body  # the rider allowed their name only

    # Finished: the claim stands as it was; changing it is refused with the reason.
    async with rt.ctx.sessions() as s:
        rider = (await s.execute(select(User).where(User.telegram_id == r))).scalar_one()
        with pytest.raises(Conflict) as err:
            await progress.edit_amount(s, claim_id=claim.id, user=rider, amount_fen=100)
        assert err.value.code == "claim_locked"
        assert "不能再修改" in explain(Translator("zh"), err.value)
    async with rt.ctx.sessions() as s:
        kinds = [
            e.kind
            for e in (
                await s.execute(
                    select(CaseEvent)
                    .where(CaseEvent.case_id == claim.case_id)
                    .order_by(CaseEvent.id)
                )
            ).scalars()
        ]
    assert kinds.count("claim_stage") == 3 and "claim_restart" in kinds and "claim_filed" in kinds


async def test_non_member_is_offered_to_join(claims_desk: Runtime, sandbox: SandboxClient) -> None:
    await sandbox.user(700602, "路人", language="en")
    told = await Chat(sandbox, 700602).say("/claim", expect="member service")
    assert button(told, "") == "menu:join"


def bold(message: dict) -> list[str]:
    """The parts of a message shown in bold (entity offsets count UTF-16 units)."""
    units = message["text"].encode("utf-16-le")
    return [
        units[2 * e["offset"] : 2 * (e["offset"] + e["length"])].decode("utf-16-le")
        for e in message.get("entities") or []
        if e["type"] == "bold"
    ]
