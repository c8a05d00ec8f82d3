"""Accident help in chat, through the sandbox: an accident reported with the /report form is
followed by the steps (with a button to read them again, and /accident), a representative
opens the injury claim from the case card and moves it, answering the day asked (wrong
answers get a sentence), and the rider is told of each change and can fetch the claim's PDF.
The scheduler's reminder job is driven with a fixed `now`."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.runtime import Runtime
from app.scheduler import injury_deadline_reminders
from models.injury import InjuryClaim
from services.cases import reporting
from services.cases.reporting import Report
from services.injury import claims
from tests.cases.conftest import REP_XH, RIDER, open_card, people, report, user_by_tg
from tests.chat import Chat, all_data, has_document
from tests.sandbox_client import SandboxClient

SH = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.fast_taps


@pytest.fixture
async def rt(desk: Runtime, sandbox: SandboxClient) -> Runtime:
    await people(desk, sandbox)
    return desk


async def accident(rt: Runtime) -> tuple[int, str]:
    async with rt.ctx.sessions() as session, session.begin():
        rider = await user_by_tg(session, RIDER)
        case = await reporting.report_case(
            session, user=rider, report=Report(category="accident", description="Hit by a car")
        )
        return case.id, case.ref  # type: ignore[return-value]


async def test_steps_after_a_report_and_again_on_request(rt: Runtime, sandbox: SandboxClient):
    rider = Chat(sandbox, RIDER)
    submitted = await report(sandbox, RIDER, category="accident", text="Hit by a car")
    ref = re.search(r"C-\d{4}-\d{5}", submitted["text"]).group(0)  # type: ignore[union-attr]
    steps = await rider.delivered(rt, "After an accident (Hangzhou)")
    assert ref in steps["text"] and "Hospital papers" in steps["text"]
    assert "Whom to tell, and by when" in steps["text"] and "within 24 hours" in steps["text"]
    again = await rider.press(steps, "ij:s")
    assert any("What to keep" in (m["text"] or "") for m in again)
    answer = await rider.say("/accident")
    assert "What to do now" in answer["text"] and "You have no injury claim" in answer["text"]


async def test_a_representative_moves_the_claim_from_chat_and_the_rider_hears(
    rt: Runtime, sandbox: SandboxClient
):
    rider, rep = Chat(sandbox, RIDER), Chat(sandbox, REP_XH)
    _, ref = await accident(rt)
    new = await rep.delivered(rt, ref)
    card = (await open_card(sandbox, REP_XH, new))[-1]
    offer = (await rep.press(card, "ij:o"))[-1]
    assert "还没有工伤索赔" in offer["text"]
    view = (await rep.press(offer, "新就业形态职业伤害保障"))[-1]
    assert "新就业形态职业伤害保障" in view["text"] and "已立案" in view["text"]
    told = await rider.delivered(rt, "opened the injury claim")
    assert ref in told["text"] and "Next: “Reported to the platform”" in told["text"]

    # The next stage: the day is asked; wrong answers are answered with what to send.
    asked = (await rep.press(view, "ij:m"))[-1]
    assert "是哪一天" in asked["text"]
    assert "没看懂这个日期" in (await rep.say("yesterday-ish"))["text"]
    today = datetime.now(SH).date()
    assert "还没到" in (await rep.say((today + timedelta(days=1)).isoformat()))["text"]
    moved = await rep.say(today.isoformat(), expect="已通知骑手")
    assert "已向平台报案" in moved["text"]
    told = await rider.delivered(rt, "is now “Reported to the platform”")
    assert ref in told["text"] and "Next: “Documents gathered”" in told["text"]

    # A button of the card from before the move (stale now): refused with where it can go.
    asked = (await rep.press(view, "ij:m"))[-1]
    refused = (await rep.press(asked, "ij:t"))[-1]
    assert "一次只能前进一个阶段" in refused["text"]
    assert "材料已备齐、已撤回" in refused["text"]

    # The rider follows it from /accident and fetches the PDF.
    listing = await rider.say("/accident")
    mine = (await rider.press(listing, "ij:o"))[-1]
    assert f"Injury claim {ref}" in mine["text"]
    assert "✅ Reported to the platform" in mine["text"]
    assert not [d for d in all_data(mine) if d.startswith("ij:m")]  # riders do not move it
    await rider.press(mine, "ij:p")
    assert await rider.wait_for(has_document)


async def test_the_scheduler_job_reminds_once_before_a_deadline(
    rt: Runtime, sandbox: SandboxClient
):
    rider, rep = Chat(sandbox, RIDER), Chat(sandbox, REP_XH)
    case_id, ref = await accident(rt)
    today = datetime.now(SH).date()
    async with rt.ctx.sessions() as session, session.begin():
        actor = await user_by_tg(session, REP_XH)
        view = await claims.open_claim(session, case_id=case_id, actor=actor, today=today)
        claim_id = view.claim.id
    async with rt.ctx.sessions() as session:
        claim = (
            await session.execute(select(InjuryClaim).where(InjuryClaim.id == claim_id))
        ).scalar_one()
        assert claim.due_stage == "reported" and claim.due_on == today + timedelta(days=1)
    # 10:00 in Hangzhou on the day before the deadline: the one-day reminder, once.
    now = datetime.combine(today, datetime.min.time(), SH).replace(hour=10).astimezone(UTC)
    await injury_deadline_reminders(rt.ctx, now=now)
    await injury_deadline_reminders(rt.ctx, now=now)
    reminded = await rider.delivered(rt, "⏰ Injury claim " + ref)
    assert "“Reported to the platform” is due by" in reminded["text"]
    assert sum("⏰" in (m["text"] or "") for m in await rider.messages()) == 1
    staff = await rep.delivered(rt, "⏰ " + ref)
    assert "「已向平台报案」最迟" in staff["text"]
