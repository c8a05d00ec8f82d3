"""Shared by the benchmarks: open cases in bulk (N open, D of them due) and the timed sweep."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import Case, CaseEvent, Outbox, Zone
from models.chat import StaffNotice
from models.db import unit_of_work
from models.escalation import CaseClock, Escalation, EscalationMark
from services.escalation.sweep import SweepReport, escalate_due_cases

NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)  # a Wednesday, 11:00 in Shanghai
Sessions = async_sessionmaker[AsyncSession]


async def fill(
    sessions: Sessions,
    *,
    open_cases: int,
    due: int,
    tag: str,
    due_age: timedelta = timedelta(hours=2),
    spread: timedelta = timedelta(minutes=50),
) -> None:
    """`open_cases` urgent accident cases, unanswered; the first `due` were created `due_age`
    (plus up to `spread`) before NOW and are due, the others are not due for 30 days.
    Inserted with executemany, not through the services: filling is not what is measured."""
    async with unit_of_work(sessions) as s:
        zone_id = (await s.execute(select(Zone.id).where(Zone.code == "XH"))).scalar_one()
        rows = []
        for i in range(open_cases):
            is_due = i < due
            created = NOW - (due_age if is_due else timedelta(0)) - spread * (i % 50) / 50
            rows.append(
                {
                    "ref": f"B-{tag}-{i:06d}",
                    "zone_id": zone_id,
                    "category": "accident",
                    "severity": "urgent",
                    "status": "new",
                    "summary": "bench",
                    "created_at": created,
                    "updated_at": created,
                    "first_response_due_at": created + timedelta(minutes=15),
                    "next_escalation_at": NOW - timedelta(minutes=1)
                    if is_due
                    else NOW + timedelta(days=30),
                }
            )
        for start in range(0, len(rows), 5000):
            await s.execute(insert(Case), rows[start : start + 5000])


async def reset(sessions: Sessions) -> None:
    async with unit_of_work(sessions) as s:
        # staff_notice first: the sweep's escalation notices point at their cases.
        for table in (StaffNotice, Outbox, Escalation, EscalationMark, CaseClock, CaseEvent, Case):
            await s.execute(delete(table))


async def timed_sweep(sessions: Sessions, due: int) -> tuple[float, SweepReport]:
    """The real sweep, as the scheduler runs it (500 cases a call), until the due are done."""
    report = SweepReport()
    start = time.perf_counter()
    while report.cases < due:
        done = await escalate_due_cases(sessions, now=NOW, limit=500)
        if not done.cases:
            break
        report.add(done)
    elapsed = time.perf_counter() - start
    assert report.cases == due and not report.failed, f"swept {report.cases} of {due}"
    return elapsed, report
