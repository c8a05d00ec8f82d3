"""The escalation sweep on both databases, with the clock moved (never slept): each level at
its minute under both calendars, warnings once, the pause while waiting for the rider, a sweep
killed mid-way, catch-up after downtime, and two sweeps racing over the same cases."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.actions import resolve
from models import Case, CaseEvent, Escalation, EscalationMark, Outbox, User, Zone
from models.core import ZoneStaff
from models.db import make_engine, make_sessionmaker, unit_of_work
from models.membership import Membership, MembershipStatus
from services.cases import reporting, rider_actions, triage
from services.demo import load_demo_data
from services.escalation import notices as escalation_notices
from services.escalation import sweep as escalation_sweep
from tests.escalation.shanghai import SH, sh

pytestmark = pytest.mark.usefixtures("shipped_policy")

XH_GATE = (30.2800, 120.1300)
BJ_GATE = (30.2100, 120.2120)
REP, SENIOR, ADMIN, OTHER_REP = 900002, 900004, 900001, 900003
RIDER_TG = 800001
FRIDAY_1730 = datetime(2026, 11, 20, 17, 30, tzinfo=SH).astimezone(UTC)


@pytest.fixture
async def sessions(db_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = make_engine(db_url)
    yield make_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture
async def rider(sessions) -> User:
    async with unit_of_work(sessions) as s:
        await load_demo_data(s)
        zone = (await s.execute(select(Zone).where(Zone.code == "XH"))).scalar_one()
        zone.group_chat_id = -100500
        user = User(telegram_id=RIDER_TG, display_name="rider", language="en")
        s.add(user)
        await s.flush()
        s.add(Membership(user_id=user.id, zone_id=zone.id, status=MembershipStatus.active))
    return user


async def _report(
    sessions, rider: User, *, at: datetime, category: str, where: tuple[float, float] = XH_GATE
) -> Case:
    with time_machine.travel(at, tick=False):
        async with unit_of_work(sessions) as s:
            user = await s.get(User, rider.id)
            report = reporting.Report(
                category=category, description="gate closed", lat=where[0], lon=where[1]
            )
            return await reporting.report_case(s, user=user, report=report)


async def _sweep(sessions, at: datetime) -> escalation_sweep.SweepReport:
    return await escalation_sweep.escalate_due_cases(sessions, now=at, limit=500)


async def _staff(s: AsyncSession, tg: int) -> User:
    return (await s.execute(select(User).where(User.telegram_id == tg))).scalar_one()


async def _texts(sessions, chat_id: int, ref: str) -> list[str]:
    async with sessions() as s:
        rows = await s.execute(select(Outbox).where(Outbox.chat_id == chat_id).order_by(Outbox.id))
        return [o.payload["text"] for o in rows.scalars() if ref in o.payload["text"]]


async def _levels(sessions, case_id: int) -> list[int]:
    async with sessions() as s:
        rows = await s.execute(
            select(Escalation.level).where(Escalation.case_id == case_id).order_by(Escalation.id)
        )
        return list(rows.scalars())


async def _next_at(sessions, case_id: int) -> datetime | None:
    async with sessions() as s:
        return (await s.get(Case, case_id)).next_escalation_at


async def test_round_the_clock_ladder_fires_each_level_at_its_minute(sessions, rider) -> None:
    t0 = FRIDAY_1730
    case = await _report(sessions, rider, at=t0, category="accident")  # urgent: 15 min
    assert case.first_response_due_at == t0 + timedelta(minutes=15)
    # Warning lead 15 min on a 15-minute promise: the warning is due at once.
    assert await _next_at(sessions, case.id) == t0
    assert (await _sweep(sessions, t0)).warnings == 1
    assert len(await _texts(sessions, REP, case.ref)) == 2  # the new-case notice, the warning
    for minute, levels in [(14, []), (15, [1]), (74, [1]), (75, [1, 2]), (254, [1, 2])]:
        await _sweep(sessions, t0 + timedelta(minutes=minute))
        assert await _levels(sessions, case.id) == levels, minute
    await _sweep(sessions, t0 + timedelta(minutes=255))
    assert await _levels(sessions, case.id) == [1, 2, 3]
    assert await _next_at(sessions, case.id) is None

    # Level 1 the zone's on-duty rep, 2 the senior, 3 the admin; the group at each level;
    # the rider once, when a senior representative has it.
    raised = {
        tg: [t for t in await _texts(sessions, tg, case.ref) if "🚨" in t]
        for tg in (REP, SENIOR, ADMIN)
    }
    assert [t[t.index("第") :][:5] for t in raised[REP]] == ["第 1 级"]
    assert [t[t.index("第") :][:5] for t in raised[SENIOR]] == ["第 1 级", "第 2 级"]
    assert [t[t.index("第") :][:5] for t in raised[ADMIN]] == ["第 3 级"]
    assert await _texts(sessions, OTHER_REP, case.ref) == []  # BJ's rep is not involved
    assert len(await _texts(sessions, -100500, case.ref)) == 1 + 3  # new case + three levels
    told = [t for t in await _texts(sessions, RIDER_TG, case.ref) if "senior" in t]
    assert len(told) == 1
    async with sessions() as s:
        events = await s.execute(
            select(CaseEvent.payload).where(
                CaseEvent.case_id == case.id, CaseEvent.kind == "escalated"
            )
        )
        assert [p["count"] for p in events.scalars()] == [1, 2, 3]
        raised = (await s.execute(select(Outbox).where(Outbox.chat_id == REP))).scalars().all()
        buttons = [resolve(o.payload)["reply_markup"] for o in raised if "🚨" in o.payload["text"]]
        cb = {b["callback_data"] for row in buttons[0]["inline_keyboard"] for b in row}
        assert cb == {f"rc:open:{case.id}", f"rc:claim:{case.id}"}


async def test_office_hours_ladder_waits_for_working_time(sessions, rider) -> None:
    # access/normal: 480 working minutes. Friday 17:30 → 30 min Friday, 7 h 30 Monday.
    case = await _report(sessions, rider, at=FRIDAY_1730, category="access")
    due = sh(2026, 11, 23, 16, 30)
    assert case.first_response_due_at == due
    assert await _next_at(sessions, case.id) == due - timedelta(minutes=15)
    await _sweep(sessions, sh(2026, 11, 22, 23, 0))  # the weekend: nothing
    assert [t for t in await _texts(sessions, REP, case.ref) if "⏳" in t or "🚨" in t] == []
    assert await _levels(sessions, case.id) == []
    steps = [
        (sh(2026, 11, 23, 16, 14), []),
        (sh(2026, 11, 23, 16, 30), [1]),
        (sh(2026, 11, 23, 17, 29), [1]),
        (sh(2026, 11, 23, 17, 30), [1, 2]),
        (sh(2026, 11, 24, 11, 29), [1, 2]),  # 240 working min after 16:30 is Tue 11:30
        (sh(2026, 11, 24, 11, 30), [1, 2, 3]),
    ]
    for at, levels in steps:
        await _sweep(sessions, at)
        assert await _levels(sessions, case.id) == levels, at


async def test_warning_is_sent_once_per_deadline(sessions, rider) -> None:
    case = await _report(sessions, rider, at=FRIDAY_1730, category="access")
    warn_at = sh(2026, 11, 23, 16, 15)
    before = len(await _texts(sessions, REP, case.ref))
    reports = [await _sweep(sessions, warn_at + timedelta(minutes=m)) for m in (0, 0, 1, 5)]
    assert [r.warnings for r in reports] == [1, 0, 0, 0]
    assert len(await _texts(sessions, REP, case.ref)) == before + 1
    async with sessions() as s:
        marks = await s.scalar(
            select(func.count())
            .select_from(EscalationMark)
            .where(EscalationMark.case_id == case.id)
        )
    assert marks == 1


async def test_office_hours_warning_comes_working_minutes_before_a_monday_deadline(
    sessions, rider
) -> None:
    # access/normal, 480 working minutes from Friday 10:10: due Monday 09:10. The warning's 15
    # minutes are working time, so it goes out on Friday at 17:55, not at 08:55 on Monday.
    case = await _report(sessions, rider, at=sh(2026, 11, 20, 10, 10), category="access")
    assert case.first_response_due_at == sh(2026, 11, 23, 9, 10)
    assert await _next_at(sessions, case.id) == sh(2026, 11, 20, 17, 55)
    assert (await _sweep(sessions, sh(2026, 11, 20, 17, 54))).warnings == 0
    assert (await _sweep(sessions, sh(2026, 11, 20, 17, 55))).warnings == 1
    (warning,) = [t for t in await _texts(sessions, REP, case.ref) if "⏳" in t]
    assert "09:10" in warning  # it names the Monday deadline
    assert await _next_at(sessions, case.id) == sh(2026, 11, 23, 9, 10)  # then level 1
    assert (await _sweep(sessions, sh(2026, 11, 23, 8, 55))).warnings == 0


async def test_waiting_for_rider_pauses_the_clock_and_the_answer_resumes_it(
    sessions, rider
) -> None:
    t0 = FRIDAY_1730
    case = await _report(sessions, rider, at=t0, category="accident")
    with time_machine.travel(t0 + timedelta(minutes=5), tick=False):
        async with unit_of_work(sessions) as s:
            await triage.claim(s, case_id=case.id, actor=await _staff(s, REP))
    # Answered: the next update (60 min for an urgent accident) is due from the first answer.
    assert await _next_at(sessions, case.id) == t0 + timedelta(minutes=50)
    with time_machine.travel(t0 + timedelta(minutes=10), tick=False):
        async with unit_of_work(sessions) as s:
            await triage.ask_rider(
                s, case_id=case.id, actor=await _staff(s, REP), question="which gate?"
            )
    # The SLA clock stands still; only the reminder to the rider is ahead (2 days).
    assert await _next_at(sessions, case.id) == t0 + timedelta(days=2, minutes=10)
    report = await _sweep(sessions, t0 + timedelta(hours=3))
    assert report.cases == 0 and await _levels(sessions, case.id) == []
    resumed = t0 + timedelta(hours=3, minutes=10)
    with time_machine.travel(resumed, tick=False):
        async with unit_of_work(sessions) as s:
            user = await s.get(User, rider.id)
            await rider_actions.add_info(s, case_id=case.id, user=user, text_="the north gate")
    assert await _next_at(sessions, case.id) == resumed + timedelta(minutes=45)
    await _sweep(sessions, resumed + timedelta(minutes=59))
    assert await _levels(sessions, case.id) == []
    await _sweep(sessions, resumed + timedelta(minutes=60))
    assert await _levels(sessions, case.id) == [1]
    async with sessions() as s:
        (row,) = (await s.execute(select(Escalation).where(Escalation.case_id == case.id))).all()
        assert row[0].due_at == resumed + timedelta(minutes=60)


async def test_resolve_stops_and_reopen_restarts_the_clock(sessions, rider) -> None:
    t0 = FRIDAY_1730
    case = await _report(sessions, rider, at=t0, category="accident")
    with time_machine.travel(t0 + timedelta(minutes=5), tick=False):
        async with unit_of_work(sessions) as s:
            rep = await _staff(s, REP)
            await triage.claim(s, case_id=case.id, actor=rep)
            await triage.resolve(s, case_id=case.id, actor=rep, message="ok")
    assert await _next_at(sessions, case.id) is None
    reopened = t0 + timedelta(days=1)
    with time_machine.travel(reopened, tick=False):
        async with unit_of_work(sessions) as s:
            user = await s.get(User, rider.id)
            await rider_actions.reopen(s, case_id=case.id, user=user, reason="still broken")
    assert await _next_at(sessions, case.id) == reopened + timedelta(minutes=45)


async def test_a_sweep_killed_mid_way_leaves_no_case_half_escalated(
    sessions, rider, monkeypatch
) -> None:
    t0 = FRIDAY_1730
    made = [await _report(sessions, rider, at=t0, category="accident") for _ in range(3)]
    victim = made[1]
    real_raise = escalation_notices._raise

    def failing_raise(case, step, **kw):  # level 2, after level 1's notices were made
        if case.id == victim.id and step.level == 2:
            raise fault
        return real_raise(case, step, **kw)

    monkeypatch.setattr(escalation_sweep, "_raise", failing_raise)
    late = t0 + timedelta(minutes=80)  # levels 1 and 2 due
    # An error in one case: that case is rolled back whole, the others go on.
    fault: BaseException = RuntimeError("disk full")
    report = await _sweep(sessions, late)
    assert report.failed == [victim.id] and (victim.id, 1) not in report.escalations
    assert [await _levels(sessions, c.id) for c in made] == [[1, 2], [], [1, 2]]
    assert not [t for t in await _texts(sessions, REP, victim.ref) if "🚨" in t]
    # The process killed inside the case (cancelled): it stops there; nothing half done.
    fault = asyncio.CancelledError()
    with pytest.raises(asyncio.CancelledError):
        await _sweep(sessions, late)
    assert await _levels(sessions, victim.id) == []
    monkeypatch.setattr(escalation_sweep, "_raise", real_raise)
    report = await _sweep(sessions, late)
    assert report.escalations == [(victim.id, 1), (victim.id, 2)]
    assert [await _levels(sessions, c.id) for c in made] == [[1, 2], [1, 2], [1, 2]]
    for c in made:
        assert len([t for t in await _texts(sessions, REP, c.ref) if "🚨" in t]) == 1
        assert len([t for t in await _texts(sessions, SENIOR, c.ref) if "第 2 级" in t]) == 1


async def test_catch_up_after_downtime_runs_every_due_level_once_in_order(sessions, rider) -> None:
    t0 = FRIDAY_1730
    case = await _report(sessions, rider, at=t0, category="accident")
    other = await _report(sessions, rider, at=t0 + timedelta(minutes=30), category="accident")
    back = t0 + timedelta(hours=2)  # the scheduler was down since t0
    report = await _sweep(sessions, back)
    # case: due +15 (level 1), +75 (level 2); other: due +45, +105; level 3s at +255, +285.
    assert report.escalations == [(case.id, 1), (case.id, 2), (other.id, 1), (other.id, 2)]
    assert report.warnings == 0  # their deadlines had passed: no late warning
    assert await _next_at(sessions, case.id) == t0 + timedelta(minutes=255)
    assert (await _sweep(sessions, back)).escalations == []
    assert len([t for t in await _texts(sessions, REP, case.ref) if "🚨" in t]) == 1
    # The senior is on duty in XH too: level 1 as on-duty, level 2 as the senior, once each.
    senior = await _texts(sessions, SENIOR, case.ref)
    assert [t for t in senior if "🚨" in t and "第 2 级" in t] and len(senior) == 1 + 2


# SQLite has one writer at a time: two racing sweeps are a PostgreSQL matter.
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
async def test_two_sweeps_at_once_escalate_each_level_exactly_once(db_url, sessions, rider) -> None:
    t0 = FRIDAY_1730
    n = 200
    async with unit_of_work(sessions) as s:
        zone = (await s.execute(select(Zone).where(Zone.code == "XH"))).scalar_one()
        for i in range(n):
            s.add(
                Case(
                    ref=f"C-2026-9{i:04d}",
                    rider_id=rider.id,
                    zone_id=zone.id,
                    category="accident",
                    severity="urgent",
                    summary="x",
                    created_at=t0,
                    updated_at=t0,
                    first_response_due_at=t0 + timedelta(minutes=15),
                    next_escalation_at=t0,
                )
            )
    engines = [make_engine(db_url) for _ in range(2)]
    try:
        makers = [make_sessionmaker(e) for e in engines]
        late = t0 + timedelta(hours=5)
        reports = await asyncio.gather(*[_sweep(m, late) for m in makers])
    finally:
        for e in engines:
            await e.dispose()
    done = sorted(pair for r in reports for pair in r.escalations)
    assert len(done) == len(set(done)) == n * 3
    assert not any(r.failed for r in reports)
    async with sessions() as s:
        per_case = await s.execute(
            select(CaseEvent.case_id, func.count())
            .where(CaseEvent.kind == "escalated")
            .group_by(CaseEvent.case_id)
        )
        assert sorted({count for _, count in per_case.all()}) == [3]
        admin_notices = await s.scalar(
            select(func.count()).select_from(Outbox).where(Outbox.chat_id == ADMIN)
        )
        assert admin_notices == n


async def test_unanswered_question_reminds_the_rider_once_then_closes_the_case(
    sessions, rider
) -> None:
    t0 = FRIDAY_1730
    case = await _report(sessions, rider, at=t0, category="access")
    asked = t0 + timedelta(minutes=10)
    with time_machine.travel(asked, tick=False):
        async with unit_of_work(sessions) as s:
            await triage.ask_rider(
                s, case_id=case.id, actor=await _staff(s, REP), question="which gate?"
            )
    remind_at, close_at = asked + timedelta(days=2), asked + timedelta(days=9)
    assert (await _sweep(sessions, remind_at - timedelta(minutes=1))).reminders == 0
    reports = [await _sweep(sessions, remind_at + timedelta(minutes=m)) for m in (0, 0, 60)]
    assert [r.reminders for r in reports] == [1, 0, 0]
    reminders = [t for t in await _texts(sessions, RIDER_TG, case.ref) if "still waiting" in t]
    assert len(reminders) == 1 and "7 days" in reminders[0]
    assert await _next_at(sessions, case.id) == close_at
    assert (await _sweep(sessions, close_at - timedelta(minutes=1))).closed == []
    assert (await _sweep(sessions, close_at)).closed == [case.id]
    assert (await _sweep(sessions, close_at + timedelta(days=1))).closed == []
    async with sessions() as s:
        closed = await s.get(Case, case.id)
        assert closed.status == "closed" and closed.next_escalation_at is None
    assert await _levels(sessions, case.id) == []  # waiting never escalates
    told = [t for t in await _texts(sessions, RIDER_TG, case.ref) if "no answer" in t]
    assert len(told) == 1


async def test_an_answer_before_the_reminder_cancels_reminder_and_close(sessions, rider) -> None:
    t0 = FRIDAY_1730
    case = await _report(sessions, rider, at=t0, category="accident")
    with time_machine.travel(t0 + timedelta(minutes=5), tick=False):
        async with unit_of_work(sessions) as s:
            await triage.ask_rider(s, case_id=case.id, actor=await _staff(s, REP), question="?")
    answered = t0 + timedelta(days=1)
    with time_machine.travel(answered, tick=False):
        async with unit_of_work(sessions) as s:
            user = await s.get(User, rider.id)
            await rider_actions.add_info(s, case_id=case.id, user=user, text_="here")
    report = await _sweep(sessions, t0 + timedelta(days=12))
    assert report.reminders == 0 and report.closed == []
    assert report.escalations == [(case.id, 1), (case.id, 2), (case.id, 3)]


def _raised(texts: list[str]) -> list[str]:
    return [t for t in texts if "🚨" in t]


def _levels_told(texts: list[str]) -> list[str]:
    return sorted(t[t.index("第") :][:5] for t in _raised(texts))


async def test_a_staff_change_between_two_sweeps_is_seen_by_the_next_sweep(sessions, rider) -> None:
    """A sweep reads each rung's people and the zone's group chat once per call, not per case;
    what changes between two sweeps reaches the second."""
    t0 = FRIDAY_1730
    first = await _report(sessions, rider, at=t0, category="accident")  # level 1 at +15
    second = await _report(sessions, rider, at=t0 + timedelta(minutes=5), category="accident")
    report = await _sweep(sessions, t0 + timedelta(minutes=15))  # second: only its warning
    assert report.escalations == [(first.id, 1)] and report.warnings == 1
    async with unit_of_work(sessions) as s:
        zone = (await s.execute(select(Zone).where(Zone.code == "XH"))).scalar_one()
        rep = await _staff(s, REP)
        (await s.get(ZoneStaff, (rep.id, zone.id))).on_duty = False  # the rep goes off duty
        zone.group_chat_id = -100600  # and the zone moves to another group
    assert (await _sweep(sessions, t0 + timedelta(minutes=20))).escalations == [(second.id, 1)]
    assert len(_raised(await _texts(sessions, REP, first.ref))) == 1
    assert _raised(await _texts(sessions, REP, second.ref)) == []
    assert len(_raised(await _texts(sessions, SENIOR, second.ref))) == 1
    assert len(_raised(await _texts(sessions, -100600, second.ref))) == 1
    assert _raised(await _texts(sessions, -100500, second.ref)) == []


async def test_one_sweep_tells_each_zone_and_level_its_own_people(sessions, rider) -> None:
    """Within one sweep the people are kept per zone and rung: a BJ case does not reach XH's
    representative because an XH case went first, nor level 2 the level-1 people."""
    t0 = FRIDAY_1730
    xh = await _report(sessions, rider, at=t0, category="accident")
    bj = await _report(sessions, rider, at=t0, category="accident", where=BJ_GATE)
    assert xh.zone_id != bj.zone_id
    report = await _sweep(sessions, t0 + timedelta(minutes=75))  # levels 1 and 2 of both
    assert sorted(report.escalations) == sorted([(xh.id, 1), (xh.id, 2), (bj.id, 1), (bj.id, 2)])
    assert _levels_told(await _texts(sessions, REP, xh.ref)) == ["第 1 级"]
    assert _levels_told(await _texts(sessions, REP, bj.ref)) == []
    assert _levels_told(await _texts(sessions, OTHER_REP, bj.ref)) == ["第 1 级"]
    assert _levels_told(await _texts(sessions, OTHER_REP, xh.ref)) == []
    for case in (xh, bj):  # the senior serves both zones: on duty at level 1, senior at 2
        assert _levels_told(await _texts(sessions, SENIOR, case.ref)) == ["第 1 级", "第 2 级"]
