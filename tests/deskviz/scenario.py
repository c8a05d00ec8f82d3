"""A fixed desk week for the workload, chart and map tests: the demo people and zones, cases
claimed through the real service at fixed times (time-machine), escalations, wage claims and
members. "Now" is Wednesday 25 November 2026, 15:00 in Shanghai.

Expected, per representative (open, taken today, median first answer, breaches this week):
  代表 李强 (XH)     3, 2, 35 working minutes (60, 20, 40, 30), 1 (case C's next update)
  代表 陈芳 (BJ)     1, 1, 5, 1
  高级代表 赵磊      0, 0, none, 0
Case A was reported Tuesday 17:30 and claimed Wednesday 09:30: 60 minutes of office hours
(16 hours by the clock).
"""

from __future__ import annotations

from datetime import date

import time_machine
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import (
    Case,
    CaseStatus,
    CollectiveIssue,
    Escalation,
    Membership,
    MembershipStatus,
    Role,
    User,
    WageClaim,
    Zone,
)
from models.claims import CounterpartyKind, WorkRelation
from models.db import unit_of_work
from services.cases import triage
from services.demo import load_demo_data
from tests.escalation.shanghai import sh

NOW = sh(2026, 11, 25, 15, 0)
LI, CHEN, ZHAO, ADMIN, RIDER = 900002, 900003, 900004, 900001, 900101
# Inside the demo area (the compound 柳岸晓风苑 lies about here).
XH_SPOT = (30.2745, 120.1284)
BJ_SPOT = (30.2100, 120.2120)


async def person(session: AsyncSession, telegram_id: int) -> User:
    return (await session.execute(select(User).where(User.telegram_id == telegram_id))).scalar_one()


# name, zone, category, severity, reported, first answer due, claimed by (and when), status
CASES = [
    ("A", "XH", "other", "normal", sh(2026, 11, 24, 17, 30), sh(2026, 11, 25, 9, 0),
     (LI, sh(2026, 11, 25, 9, 30)), CaseStatus.acknowledged),
    ("B", "XH", "accident", "urgent", sh(2026, 11, 25, 10, 0), sh(2026, 11, 25, 10, 15),
     (LI, sh(2026, 11, 25, 10, 20)), CaseStatus.resolved),
    ("C", "XH", "other", "normal", sh(2026, 11, 23, 10, 0), sh(2026, 11, 23, 18, 0),
     (LI, sh(2026, 11, 23, 10, 40)), CaseStatus.in_progress),
    ("D", "XH", "other", "normal", sh(2026, 11, 16, 10, 0), sh(2026, 11, 16, 18, 0),
     (LI, sh(2026, 11, 16, 10, 30)), CaseStatus.in_progress),
    ("E", "BJ", "other", "normal", sh(2026, 11, 25, 9, 0), sh(2026, 11, 25, 17, 0),
     (CHEN, sh(2026, 11, 25, 9, 5)), CaseStatus.acknowledged),
    ("F", "BJ", "other", "normal", sh(2026, 11, 25, 9, 30), sh(2026, 11, 25, 12, 0),
     None, CaseStatus.new),
]  # fmt: skip


async def seed(sessions: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    """The week above; returns case ids by name."""
    async with unit_of_work(sessions) as s:
        await load_demo_data(s)
        zones = {z.code: z for z in (await s.execute(select(Zone))).scalars()}
        rider = await person(s, RIDER)
        ids: dict[str, int] = {}
        for name, zone, category, severity, reported, due, _, _ in CASES:
            lat, lon = XH_SPOT if zone == "XH" else BJ_SPOT
            case = Case(
                ref=f"C-2026-90{ord(name)}",
                zone_id=zones[zone].id,
                category=category,
                severity=severity,
                created_at=reported,
                updated_at=reported,
                first_response_due_at=due,
                lat=lat + (ord(name) - 64) * 0.0008,
                lon=lon,
                place=f"{zone} place {name}",
                summary=f"case {name}",
            )
            s.add(case)
            await s.flush()
            ids[name] = case.id  # type: ignore[assignment]
    for name, *_, claimed, status in CASES:
        if claimed is None:
            continue
        who, at = claimed
        with time_machine.travel(at, tick=False):
            async with unit_of_work(sessions) as s:
                await triage.claim(s, case_id=ids[name], actor=await person(s, who))
        async with unit_of_work(sessions) as s:
            case = await s.get(Case, ids[name])
            assert case is not None
            case.status = status
            if status is CaseStatus.resolved:
                case.resolved_at = sh(2026, 11, 25, 11, 0)
    async with unit_of_work(sessions) as s:
        for name, level, due, fired in (
            ("C", 1, sh(2026, 11, 24, 12, 0), sh(2026, 11, 24, 12, 0)),
            ("C", 2, sh(2026, 11, 24, 12, 0), sh(2026, 11, 24, 13, 0)),  # the same deadline
            ("D", 1, sh(2026, 11, 17, 12, 0), sh(2026, 11, 17, 12, 0)),  # last week
            ("E", 1, sh(2026, 11, 25, 11, 0), sh(2026, 11, 25, 11, 0)),
            ("F", 1, sh(2026, 11, 25, 12, 0), sh(2026, 11, 25, 12, 0)),  # nobody's yet
        ):
            s.add(Escalation(case_id=ids[name], level=level, due_at=due, fired_at=fired))
        s.add(
            CollectiveIssue(
                zone_id=zones["XH"].id,
                category="access",
                lat=XH_SPOT[0],
                lon=XH_SPOT[1],
                place="柳岸晓风苑 north gate",
            )
        )
        for amount, filed, recovered, on in (
            (120000, sh(2026, 9, 10, 12, 0), 80000, date(2026, 11, 10)),
            (50050, sh(2026, 11, 2, 12, 0), 0, None),
        ):
            claim_case = Case(
                ref=f"C-2026-95{amount}",
                zone_id=zones["XH"].id,
                category="wage_arrears",
                created_at=filed,
                updated_at=filed,
                status=CaseStatus.in_progress,
            )
            s.add(claim_case)
            await s.flush()
            s.add(
                WageClaim(
                    case_id=claim_case.id,
                    rider_id=rider.id,
                    zone_id=zones["XH"].id,  # type: ignore[arg-type]
                    counterparty_kind=CounterpartyKind.station,
                    counterparty_name="站点",
                    counterparty_key="站点",
                    relation=WorkRelation.crowdsourced,
                    amount_fen=amount,
                    period_start=date(2026, 8, 1),
                    period_end=date(2026, 8, 31),
                    knew_on=date(2026, 9, 1),
                    recovered_fen=recovered,
                    recovered_on=on,
                    created_at=filed,
                    updated_at=filed,
                )
            )
        for i, (zone, joined) in enumerate(
            (
                ("XH", sh(2026, 11, 17, 9, 0)),
                ("XH", sh(2026, 11, 20, 9, 0)),
                ("BJ", sh(2026, 11, 24, 9, 0)),
                ("XH", sh(2026, 9, 30, 9, 0)),  # too long ago for the chart
            )
        ):
            member = User(telegram_id=910000 + i, display_name=f"member {i}", role=Role.rider)
            s.add(member)
            await s.flush()
            s.add(
                Membership(
                    user_id=member.id,
                    zone_id=zones[zone].id,
                    status=MembershipStatus.active,  # type: ignore[arg-type]
                    applied_at=joined,
                    joined_at=joined,
                )
            )
    return ids


def at_now() -> time_machine.travel:
    return time_machine.travel(NOW, tick=False)
