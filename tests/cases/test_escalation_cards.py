"""Escalation notices stay true: the 🚨 copies the sweep sends (to the ladder's people and the
zone group) are edited in place when someone takes the case, like the new-case notices."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from models import Case, Zone
from models.chat import StaffNotice
from services.escalation.sweep import escalate_due_cases
from tests.cases.conftest import REP_XH, RIDER, SENIOR, open_card, people, report
from tests.chat import Chat, button, deliver, has_button, pace
from tests.sandbox_client import SandboxClient

pytestmark = pytest.mark.fast_taps

GROUP = -100610
REF = re.compile(r"C-\d{4}-\d{5}")


_claimable = has_button("rc:claim")  # the card still offers to take the case


async def test_escalation_notices_show_who_took_the_case(desk, sandbox: SandboxClient):
    rep = Chat(sandbox, REP_XH)
    await people(desk, sandbox)
    await sandbox.group(GROUP, "XH reps", members=[REP_XH, SENIOR], admins=[REP_XH])
    async with desk.ctx.sessions() as s, s.begin():
        zone = (await s.execute(select(Zone).where(Zone.code == "XH"))).scalar_one()
        zone.group_chat_id = GROUP

    done = await report(sandbox, RIDER, text="Gate 3 blocks e-bikes")
    ref = REF.search(done["text"]).group(0)  # type: ignore[union-attr]
    new = await rep.delivered(desk, ref, newest=True)
    async with desk.ctx.sessions() as s:
        case = (await s.execute(select(Case).where(Case.ref == ref))).scalar_one()
    swept = await escalate_due_cases(
        desk.ctx.sessions, now=case.first_response_due_at + timedelta(minutes=1)
    )
    assert swept.escalations, swept
    raised = await rep.delivered(desk, "升级到第 1 级", newest=True)
    in_group = await Chat(sandbox, GROUP).delivered(desk, "升级到第 1 级", newest=True)
    assert ref in raised["text"] and ref in in_group["text"]
    assert _claimable(raised) and _claimable(in_group)

    # 李强 takes the case from his card: every escalation copy follows, in place.
    await pace()
    card = (await open_card(sandbox, REP_XH, new))[-1]
    await pace()
    query = await sandbox.press(REP_XH, card["message_id"], button(card, "rc:claim"))
    assert "你接手了" in (await sandbox.callback_answer(query))["text"]
    for _ in range(50):  # the claim commits just after the bot answered
        await deliver(desk)
        now = await Chat(sandbox, GROUP).message(in_group["message_id"])
        if "李强" in now["text"]:
            break
        await pace()
    for chat, sent in ((REP_XH, raised), (GROUP, in_group)):
        now = await Chat(sandbox, chat).message(sent["message_id"])
        assert "升级到第 1 级" in now["text"] and ref in now["text"], now
        assert "李强" in now["text"] and "已接手" in now["text"], now
        assert not _claimable(now) and button(now, "rc:open"), now
    async with desk.ctx.sessions() as s:
        kinds = (
            await s.execute(
                select(StaffNotice.chat_id).where(
                    StaffNotice.case_id == case.id, StaffNotice.kind == "escalation"
                )
            )
        ).scalars()
        assert {REP_XH, GROUP} <= set(kinds)
