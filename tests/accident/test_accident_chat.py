"""Accident help in chat, through the sandbox: an accident report is followed by the steps
(with a button to read them again, and /accident), a representative opens the injury claim
from the case card and moves it, answering the day asked (wrong answers get a sentence), and
the rider is told of each change and can fetch the claim's PDF. The deadline reminder job of
the scheduler is driven with a fixed `now`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.runtime import Runtime
from app.scheduler import injury_deadline_reminders
from bot.accident.callbacks import Ij
from models.injury import InjuryClaim
from services.cases import reporting
from services.cases.reporting import Report
from tests.cases.conftest import (
    REP_XH,
    RIDER,
    button,
    drain,
    notice,
    open_card,
    people,
    press_and_wait,
    user_by_tg,
    wait_for,
)
from tests.sandbox_client import SandboxClient

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def sandbox_limits() -> dict[str, float]:
    return {"per_chat_rate": 50, "per_chat_burst": 50}


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
    _, ref = await accident(rt)
    steps = await notice(rt, sandbox, RIDER, "After an accident (Hangzhou)")
    assert ref in steps["text"] and "Hospital papers" in steps["text"]
    assert "Whom to tell, and by when" in steps["text"] and "within 24 hours" in steps["text"]
    again = await press_and_wait(sandbox, RIDER, steps, button(steps, "ij:s"))
    assert any("What to keep" in (m["text"] or "") for m in again)
    answer = await sandbox.reply_to(RIDER, "/accident")
    assert "What to do now" in answer["text"] and "You have no injury claim" in answer["text"]


async def test_a_representative_moves_the_claim_from_chat_and_the_rider_hears(
    rt: Runtime, sandbox: SandboxClient
):
    case_id, ref = await accident(rt)
    await drain(rt)
    new = await notice(rt, sandbox, REP_XH, ref)
    card = (await open_card(sandbox, REP_XH, new))[-1]
    found = await press_and_wait(sandbox, REP_XH, card, button(card, "ij:o"))
    offer = found[-1]
    assert "还没有工伤索赔" in offer["text"]
    opened = await press_and_wait(
        sandbox, REP_XH, offer, Ij(act="n", id=case_id, st="occupational").pack()
    )
    view = opened[-1]
    assert "新就业形态职业伤害保障" in view["text"] and "已立案" in view["text"]
    told = await notice(rt, sandbox, RIDER, "opened the injury claim")
    assert ref in told["text"] and "Next: “Reported to the platform”" in told["text"]

    # The next stage: the day is asked; wrong answers are answered with what to send.
    asked = await press_and_wait(sandbox, REP_XH, view, button(view, "ij:m"))
    assert "是哪一天" in asked[-1]["text"]
    answer = await sandbox.reply_to(REP_XH, "yesterday-ish")
    assert "没看懂这个日期" in answer["text"]
    today = datetime.now(SH).date()
    answer = await sandbox.reply_to(REP_XH, (today + timedelta(days=1)).isoformat())
    assert "还没到" in answer["text"]
    before = (await sandbox.messages(REP_XH))[-1]["message_id"]
    await sandbox.send(REP_XH, today.isoformat())
    moved = await wait_for(sandbox, REP_XH, after=before, contains="已通知骑手")
    assert "已向平台报案" in moved["text"]
    told = await notice(rt, sandbox, RIDER, "is now “Reported to the platform”")
    assert ref in told["text"] and "Next: “Documents gathered”" in told["text"]

    # A button of the card from before the move (stale now): refused with where it can go.
    asked = await press_and_wait(sandbox, REP_XH, view, button(view, f"ij:m:{case_id}:reported"))
    refused = await press_and_wait(sandbox, REP_XH, asked[-1], button(asked[-1], "ij:t"))
    assert "一次只能前进一个阶段" in refused[-1]["text"]
    assert "材料已备齐、已撤回" in refused[-1]["text"]

    # The rider follows it from /accident and fetches the PDF.
    listing = await sandbox.reply_to(RIDER, "/accident")
    mine = await press_and_wait(sandbox, RIDER, listing, button(listing, "ij:o"))
    assert (
        "Injury claim " + ref in mine[-1]["text"]
        and "✅ Reported to the platform" in mine[-1]["text"]
    )
    assert not [d for d in button_list(mine[-1]) if d.startswith("ij:m")]  # riders do not move it
    got = await press_and_wait(sandbox, RIDER, mine[-1], button(mine[-1], "ij:p"))
    assert any(m.get("document") for m in got)


def button_list(message: dict) -> list[str]:
    return [b["callback_data"] for row in message.get("buttons") or [] for b in row]


async def test_the_scheduler_job_reminds_once_before_a_deadline(
    rt: Runtime, sandbox: SandboxClient
):
    case_id, ref = await accident(rt)
    async with rt.ctx.sessions() as session, session.begin():
        claim_rep = await user_by_tg(session, REP_XH)
        from services.injury import claims

        today = datetime.now(SH).date()
        view = await claims.open_claim(session, case_id=case_id, actor=claim_rep, today=today)
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
    reminded = await notice(rt, sandbox, RIDER, "⏰ Injury claim " + ref)
    assert "“Reported to the platform” is due by" in reminded["text"]
    rider_texts = [m["text"] or "" for m in await sandbox.messages(RIDER)]
    assert sum("⏰" in t for t in rider_texts) == 1
    staff = await notice(rt, sandbox, REP_XH, "⏰ " + ref)
    assert "「已向平台报案」最迟" in staff["text"]
