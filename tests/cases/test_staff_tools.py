"""Staff find their tools: /help and the command menu by role; /overdue and /escalated for
senior representatives and admins (zone filter, most overdue first); /stats for today and
this week."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from aiogram.types import BotCommandScopeChat
from sqlalchemy import select

from bot.setup import publish_commands
from models import Case, CaseStatus, Escalation, Zone
from models.types import utcnow
from tests.cases.conftest import ADMIN, REP_XH, RIDER, SENIOR, people
from tests.chat import pace
from tests.sandbox_client import SandboxClient

pytestmark = pytest.mark.fast_taps


async def test_help_and_the_command_menu_follow_the_role(desk, sandbox: SandboxClient):
    await people(desk, sandbox)
    rider = (await sandbox.reply_to(RIDER, "/help"))["text"]
    rep = (await sandbox.reply_to(REP_XH, "/help"))["text"]
    senior = (await sandbox.reply_to(SENIOR, "/help"))["text"]
    assert "/queue" not in rider and "/overdue" not in rider
    assert "代表的工具" in rep and "/queue" in rep and "/stats" in rep and "/overdue" not in rep
    assert "/overdue" in senior and "/escalated" in senior and "/queue" in senior
    # A representative's free text is not offered to the representatives: a pointer instead.
    await pace()
    hint = (await sandbox.reply_to(REP_XH, "test"))["text"]
    assert "/queue" in hint and "/help" in hint

    await publish_commands(desk.ctx.bot, desk.ctx.sessions)  # the staff exist now

    async def menu(chat: int) -> set[str]:
        found = await desk.ctx.bot.get_my_commands(scope=BotCommandScopeChat(chat_id=chat))
        return {c.command for c in found}

    assert {"queue", "stats"} <= await menu(REP_XH)
    assert not {"overdue", "escalated"} & await menu(REP_XH)
    assert {"queue", "stats", "overdue", "escalated"} <= await menu(SENIOR)
    assert {"overdue", "escalated"} <= await menu(ADMIN)


# A Wednesday noon in Shanghai: "today" and "this week" (from Monday) hold all the cases.
NOON = datetime(2026, 12, 2, 4, 0, tzinfo=UTC)


async def test_overdue_escalated_and_stats(desk, sandbox: SandboxClient):
    with time_machine.travel(NOON, tick=True):
        await _overdue_escalated_and_stats(desk, sandbox)


async def _overdue_escalated_and_stats(desk, sandbox: SandboxClient) -> None:
    await people(desk, sandbox)
    now = utcnow()
    async with desk.ctx.sessions() as s, s.begin():
        zones = {z.code: z.id for z in (await s.execute(select(Zone))).scalars()}
        rows = [
            # ref, zone, minutes its first answer is late (negative: not due yet), status
            ("C-2026-00101", "XH", 30, CaseStatus.new),
            ("C-2026-00102", "XH", 300, CaseStatus.new),
            ("C-2026-00103", "BJ", 120, CaseStatus.acknowledged),
            ("C-2026-00104", "XH", -60, CaseStatus.new),
        ]
        ids = {}
        for ref, zone, late, status in rows:
            case = Case(
                ref=ref,
                zone_id=zones[zone],
                category="other",
                status=status,
                created_at=now - timedelta(minutes=400),
                updated_at=now,
                first_response_due_at=now - timedelta(minutes=late),
            )
            s.add(case)
            await s.flush()
            ids[ref] = case.id
        # One answered and resolved today, in time; one merged away (not open).
        s.add(
            Case(
                ref="C-2026-00105",
                zone_id=zones["XH"],
                category="other",
                status=CaseStatus.resolved,
                created_at=now - timedelta(minutes=90),
                updated_at=now,
                first_response_due_at=now - timedelta(minutes=10),
                first_response_at=now - timedelta(minutes=80),
                resolved_at=now,
            )
        )
        s.add(Escalation(case_id=ids["C-2026-00102"], level=2, due_at=now - timedelta(minutes=300)))
        s.add(Escalation(case_id=ids["C-2026-00103"], level=1, due_at=now - timedelta(minutes=120)))

    overdue = (await sandbox.reply_to(SENIOR, "/overdue"))["text"]
    assert "3 件" in overdue, overdue  # XH and BJ are his zones; the one not due is not listed
    order = [overdue.index(r) for r in ("C-2026-00102", "C-2026-00103", "C-2026-00101")]
    assert order == sorted(order), overdue  # most overdue first
    assert "C-2026-00104" not in overdue and "5 小时" in overdue
    await pace()
    xh = (await sandbox.reply_to(SENIOR, "/overdue xh"))["text"]
    assert "C-2026-00102" in xh and "C-2026-00103" not in xh
    await pace()
    assert "高级代表和管理员" in (await sandbox.reply_to(REP_XH, "/overdue"))["text"]
    await pace()
    assert "ZZ" in (await sandbox.reply_to(ADMIN, "/overdue ZZ"))["text"]

    await pace()
    escalated = await sandbox.reply_to(ADMIN, "/escalated")
    assert "2 件" in escalated["text"] and "第 2 级" in escalated["text"]
    assert escalated["text"].index("C-2026-00102") < escalated["text"].index("C-2026-00103")
    assert "C-2026-00101" not in escalated["text"]
    assert {b["callback_data"] for row in escalated["buttons"] for b in row} == {
        f"rc:open:{ids['C-2026-00102']}",
        f"rc:open:{ids['C-2026-00103']}",
    }

    await pace()
    stats = (await sandbox.reply_to(REP_XH, "/stats"))["text"]
    # XH only (his zone): 4 opened today, 1 resolved, 2 late first answers (not yet due: no).
    assert "新提交 4 · 已解决 1 · 超时 2" in stats, stats
