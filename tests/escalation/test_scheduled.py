"""The escalation job in the running desk: the scheduler carries it at ESCALATION_INTERVAL,
the notice reaches the representative's chat through the outbox, and its Claim button is the
triage router's own."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.outbox_sender import OutboxSender
from models import Case, User, Zone
from models.db import unit_of_work
from models.types import utcnow
from services.demo import load_demo_data

REP = 900002


async def test_scheduled_sweep_reaches_the_rep_whose_claim_button_works(desks, sandbox) -> None:
    from app.scheduler import escalate

    rt = await desks.start(scheduler=True, escalation_interval=5)
    jobs = {job.id: job for job in rt.scheduler.get_jobs()}
    assert jobs["escalation"].trigger.interval == timedelta(seconds=5)
    assert jobs["claim_reminders"].trigger.interval == timedelta(hours=1)
    await sandbox.user(REP, "Li", "zh")
    now = utcnow()
    async with unit_of_work(rt.ctx.sessions) as s:
        await load_demo_data(s)
        zone = (await s.execute(select(Zone).where(Zone.code == "XH"))).scalar_one()
        case = Case(
            ref="C-2026-07777",
            zone_id=zone.id,
            category="accident",
            severity="urgent",
            summary="knee hurt at the north gate",
            created_at=now - timedelta(minutes=20),
            updated_at=now,
            next_escalation_at=now - timedelta(minutes=5),
        )
        s.add(case)
    await escalate(rt.ctx)  # what the job runs; its interval is 5 s, the test need not wait
    await OutboxSender(rt.ctx.bot, rt.ctx.sessions, per_chat_per_second=50).drain_until_empty()
    raised = [m for m in await sandbox.messages(REP) if "C-2026-07777" in (m["text"] or "")]
    assert len(raised) == 1 and "第 1 级" in raised[0]["text"]
    assert "已超时 5 分钟" in raised[0]["text"]
    data = [b["callback_data"] for row in raised[0]["buttons"] for b in row]
    assert data == [f"rc:claim:{case.id}", f"rc:open:{case.id}"]
    await sandbox.press(REP, raised[0]["message_id"], data[0])
    for _ in range(50):
        async with rt.ctx.sessions() as s:
            claimed = await s.get(Case, case.id)
            rep = (await s.execute(select(User).where(User.telegram_id == REP))).scalar_one()
        if claimed.assignee_id is not None:
            break
        await sandbox.messages(REP, after=raised[0]["message_id"], wait=0.1)
    assert claimed.assignee_id == rep.id and claimed.first_response_at is not None
