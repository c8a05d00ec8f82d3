"""The admins' weekly summary on both databases, with the clock passed in (never slept): sent on
Monday at the digest time and not before, once per week however many senders race or restart,
caught up after downtime, with the week's numbers right."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date, datetime

import pytest
from sqlalchemy import select

from models import Case, CaseStatus, Escalation, Outbox, Role, User, Zone
from models.db import make_engine, make_sessionmaker, unit_of_work
from models.escalation import EscalationWeekly
from services.demo import load_demo_data
from services.escalation.weekly import send_weekly_summary, summarise_week
from tests.escalation.shanghai import sh

pytestmark = pytest.mark.usefixtures("shipped_policy")

ADMIN, ADMIN_EN, REP = 900001, 900099, 900002
WEEK = date(2026, 11, 16)  # ISO week 2026-W47, Monday 16 to Sunday 22 November


MONDAY_0900 = sh(2026, 11, 23, 9, 0)


@pytest.fixture
async def sessions(db_url: str) -> AsyncIterator:
    engine = make_engine(db_url)
    maker = make_sessionmaker(engine)
    async with unit_of_work(maker) as s:
        await load_demo_data(s)
        s.add(User(telegram_id=ADMIN_EN, display_name="Ann", role=Role.admin, language="en"))
        in_use(s)
    yield maker
    await engine.dispose()


def in_use(s) -> None:
    """A desk in use: one case long ago, closed (a first start with no case sends nothing)."""
    s.add(
        Case(
            ref="C-2026-00001",
            category="other",
            status=CaseStatus.closed,
            created_at=sh(2026, 10, 9, 10, 0),
            updated_at=sh(2026, 10, 9, 10, 0),
            first_response_at=sh(2026, 10, 9, 10, 5),
            resolved_at=sh(2026, 10, 9, 11, 0),
        )
    )


async def _send(sessions, at: datetime) -> bool:
    async with unit_of_work(sessions) as s:
        return await send_weekly_summary(s, now=at, tz="Asia/Shanghai")


async def _summaries(sessions, chat_id: int) -> list[str]:
    async with sessions() as s:
        rows = await s.execute(select(Outbox).where(Outbox.chat_id == chat_id).order_by(Outbox.id))
        return [o.payload["text"] for o in rows.scalars() if "📈" in o.payload["text"]]


async def test_sent_on_monday_at_the_digest_time_once_a_week(sessions) -> None:
    assert not await _send(sessions, sh(2026, 11, 23, 8, 59))  # Monday, before 09:00
    assert await _send(sessions, MONDAY_0900)
    assert not await _send(sessions, MONDAY_0900)
    for later in (sh(2026, 11, 24, 9, 0), sh(2026, 11, 29, 23, 59)):  # the rest of the week
        assert not await _send(sessions, later)
    (summary,) = await _summaries(sessions, ADMIN)
    assert "2026-W47" in summary and "2026-11-16 至 2026-11-22" in summary
    assert await _summaries(sessions, REP) == []  # admins only
    # The next Monday: the next week, and only from 09:00 again.
    assert not await _send(sessions, sh(2026, 11, 30, 8, 59))
    assert await _send(sessions, sh(2026, 11, 30, 9, 0))
    assert "2026-W48" in (await _summaries(sessions, ADMIN))[-1]
    async with sessions() as s:
        weeks = (await s.execute(select(EscalationWeekly.week).order_by("week"))).scalars()
        assert list(weeks) == [WEEK, date(2026, 11, 23)]


async def test_caught_up_once_after_downtime_over_monday(sessions) -> None:
    # Down from Sunday to Wednesday afternoon: the first run after the start sends it.
    assert await _send(sessions, sh(2026, 11, 25, 14, 0))
    assert not await _send(sessions, sh(2026, 11, 25, 14, 1))
    (summary,) = await _summaries(sessions, ADMIN)
    assert "2026-W47" in summary


async def test_two_senders_racing_send_one_summary(db_url, sessions) -> None:
    engines = [make_engine(db_url) for _ in range(3)]
    try:
        makers = [make_sessionmaker(e) for e in engines]
        results = await asyncio.gather(*[_send(m, MONDAY_0900) for m in makers])
    finally:
        for e in engines:
            await e.dispose()
    assert sorted(results) == [False, False, True]
    assert len(await _summaries(sessions, ADMIN)) == len(await _summaries(sessions, ADMIN_EN)) == 1


async def test_the_scheduler_sends_it_once_across_a_restart(desks) -> None:
    from app.scheduler import send_digests

    first = await desks.start(scheduler=True, escalation_interval=3600)
    async with unit_of_work(first.ctx.sessions) as s:
        await load_demo_data(s)
        in_use(s)
    await send_digests(first.ctx, now=sh(2026, 11, 23, 9, 1))
    await desks.stop(first)
    again = await desks.start(scheduler=True, escalation_interval=3600)
    await send_digests(again.ctx, now=sh(2026, 11, 23, 9, 2))
    (summary,) = await _summaries(again.ctx.sessions, ADMIN)
    assert "2026-W47" in summary


async def _week_of_cases(sessions) -> None:
    async with unit_of_work(sessions) as s:
        zones = {z.code: z.id for z in (await s.execute(select(Zone))).scalars()}
        o = CaseStatus
        rows = [
            # XH: reported Friday 17:30 (office hours), answered Saturday 10:00: 30 working
            # minutes (990 by the clock). Still open.
            (
                "A",
                "XH",
                "access",
                "normal",
                sh(2026, 11, 20, 17, 30),
                o.acknowledged,
                sh(2026, 11, 21, 10, 0),
                None,
                None,
            ),
            # XH: an accident (24/7) answered in 20 minutes, resolved on Thursday.
            (
                "B",
                "XH",
                "accident",
                "urgent",
                sh(2026, 11, 18, 10, 0),
                o.resolved,
                sh(2026, 11, 18, 10, 20),
                sh(2026, 11, 19, 11, 0),
                None,
            ),
            # BJ: never answered, overdue since Tuesday 18:00, escalated twice in the week.
            (
                "C",
                "BJ",
                "other",
                "normal",
                sh(2026, 11, 17, 10, 0),
                o.new,
                None,
                None,
                sh(2026, 11, 17, 18, 0),
            ),
            # XH: from the week before, resolved on this week's Monday.
            (
                "D",
                "XH",
                "other",
                "normal",
                sh(2026, 11, 10, 10, 0),
                o.closed,
                sh(2026, 11, 10, 10, 5),
                sh(2026, 11, 16, 12, 0),
                None,
            ),
            # XH: this Monday morning, after the week: not counted, not overdue yet.
            (
                "E",
                "XH",
                "other",
                "normal",
                sh(2026, 11, 23, 8, 0),
                o.new,
                None,
                None,
                sh(2026, 11, 23, 17, 0),
            ),
        ]
        ids = {}
        for name, zone, category, severity, created, status, answered, resolved, due in rows:
            case = Case(
                ref=f"C-2026-0{ord(name)}",
                zone_id=zones[zone],
                category=category,
                severity=severity,
                status=status,
                created_at=created,
                updated_at=created,
                first_response_at=answered,
                resolved_at=resolved,
                first_response_due_at=due,
            )
            s.add(case)
            await s.flush()
            ids[name] = case.id
        for name, level, fired in (
            ("C", 1, sh(2026, 11, 17, 18, 0)),
            ("C", 2, sh(2026, 11, 17, 19, 0)),
            ("D", 1, sh(2026, 11, 10, 12, 0)),  # the week before
            ("C", 3, sh(2026, 11, 23, 8, 30)),  # after the week
        ):
            s.add(Escalation(case_id=ids[name], level=level, due_at=fired, fired_at=fired))


async def test_the_weeks_numbers_overall_and_by_zone(sessions) -> None:
    await _week_of_cases(sessions)
    async with sessions() as s:
        week = await summarise_week(s, week=WEEK, now=MONDAY_0900)
        zones = {z.id: z.code for z in (await s.execute(select(Zone))).scalars()}
    total = week.total
    assert (total.opened, total.resolved, total.still_open, total.overdue) == (3, 2, 2, 1)
    assert total.escalated == 2 and dict(week.levels) == {1: 1, 2: 1}
    assert total.median_minutes == 25  # working minutes: 30 and 20 (by the clock: 505)
    by_zone = {zones[z]: t for z, t in week.zones.items()}
    xh, bj = by_zone["XH"], by_zone["BJ"]
    assert (xh.opened, xh.resolved, xh.still_open, xh.overdue, xh.escalated) == (2, 2, 1, 0, 0)
    assert (bj.opened, bj.resolved, bj.still_open, bj.overdue, bj.escalated) == (1, 0, 1, 1, 2)
    assert xh.median_minutes == 25 and bj.median_minutes is None

    assert await _send(sessions, MONDAY_0900)
    (zh,) = await _summaries(sessions, ADMIN)
    assert "新开：3 · 已解决：2 · 本周新开仍未结：2" in zh
    assert "升级：第 1 级 1 次 · 第 2 级 1 次" in zh and "当前首次答复超时：1" in zh
    assert "首次答复用时中位数：25 分钟" in zh
    assert "• 西湖示范片区：新开 2 · 已解决 2 · 仍未结 1 · 当前超时 0 · 升级 0" in zh
    assert "• 滨江示范片区：新开 1 · 已解决 0 · 仍未结 1 · 当前超时 1 · 升级 2" in zh
    (en,) = await _summaries(sessions, ADMIN_EN)
    assert "Opened: 3 · resolved: 2 · of the week's cases still open: 2" in en
    assert "Escalations: level 1: 1 · level 2: 1" in en
    assert "Median time to first answer: 25 min" in en
    assert "• Binjiang demo zone: opened 1 · resolved 0 · still open 1 · overdue now 1" in en


async def test_a_quiet_week_says_so(sessions) -> None:
    assert await _send(sessions, MONDAY_0900)
    (en,) = await _summaries(sessions, ADMIN_EN)
    assert "Opened: 0" in en and "Escalations: none" in en and "No cases this week." in en
    assert "Median time to first answer: —" in en


async def test_a_first_start_with_no_case_ever_sends_no_summary(db_url) -> None:
    engine = make_engine(db_url)
    try:
        maker = make_sessionmaker(engine)
        async with unit_of_work(maker) as s:
            await load_demo_data(s)
        assert await _send(maker, MONDAY_0900)  # the week is done ...
        assert await _summaries(maker, ADMIN) == []  # ... and nothing was said
        assert not await _send(maker, MONDAY_0900)
    finally:
        await engine.dispose()
