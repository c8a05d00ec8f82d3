"""The sweep is set-based: a batch costs the same statements whatever its size, and a case the
database refuses is left out while the rest of its batch goes on (issue 18)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from models import Case, CaseEvent, Escalation, Outbox, User, Zone
from models.db import make_engine, make_sessionmaker, unit_of_work
from services.demo import load_demo_data
from services.escalation import sweep as escalation_sweep
from tests.escalation.test_sweep import ADMIN, FRIDAY_1730, REP

pytestmark = pytest.mark.usefixtures("shipped_policy")


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(db_url)
    async with unit_of_work(make_sessionmaker(engine)) as s:
        await load_demo_data(s)
    yield engine
    await engine.dispose()


async def _due_cases(
    sessions: async_sessionmaker[AsyncSession], n: int, *, at: datetime, tag: str
) -> list[int]:
    """`n` unanswered urgent accidents reported at `at` (due 15 minutes later; the warning
    at once), inserted as rows: how they came is not what is tested."""
    async with unit_of_work(sessions) as s:
        zone = (await s.execute(select(Zone).where(Zone.code == "XH"))).scalar_one()
        rider = User(telegram_id=800000 + len(tag), display_name="rider", language="en")
        s.add(rider)
        await s.flush()
        made = [
            Case(
                ref=f"C-{tag}-{i:04d}",
                rider_id=rider.id,
                zone_id=zone.id,
                category="accident",
                severity="urgent",
                summary="gate closed",
                created_at=at,
                updated_at=at,
                first_response_due_at=at + timedelta(minutes=15),
                next_escalation_at=at,
            )
            for i in range(n)
        ]
        s.add_all(made)
        await s.flush()
        return [c.id for c in made]  # type: ignore[misc]


async def _counted_sweep(
    engine: AsyncEngine, at: datetime
) -> tuple[int, escalation_sweep.SweepReport]:
    statements = 0

    def count(*_: object) -> None:
        nonlocal statements
        statements += 1

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        report = await escalation_sweep.escalate_due_cases(
            make_sessionmaker(engine), now=at, limit=500
        )
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)
    return statements, report


async def test_a_batch_costs_the_same_statements_for_5_due_cases_as_for_60(engine) -> None:
    sessions = make_sessionmaker(engine)
    t0, t1 = FRIDAY_1730, FRIDAY_1730 + timedelta(minutes=5)
    few = await _due_cases(sessions, 5, at=t0, tag="few")
    many = await _due_cases(sessions, 60, at=t1, tag="many")
    # Each sweep warns its group (the warning is due at once) and nothing of the other.
    small, report = await _counted_sweep(engine, t0 + timedelta(minutes=1))
    assert report.warnings == 5 and report.cases == len(few)
    large, report = await _counted_sweep(engine, t1 + timedelta(minutes=1))
    assert report.warnings == 60 and report.cases == len(many)
    assert small == large  # per case it would be 12 times as many
    async with sessions() as s:
        warned = await s.execute(select(Outbox.payload).where(Outbox.chat_id == REP))
        assert len([p for p in warned.scalars() if "⏳" in p["text"]]) == 65


async def _refuse_events_of(engine: AsyncEngine, case_id: int) -> None:
    """A real refusal by the database: a trigger that fails the case's event rows."""
    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(
                text(
                    "CREATE FUNCTION refuse_event() RETURNS trigger AS $$ BEGIN "
                    f"IF NEW.case_id = {case_id} THEN RAISE EXCEPTION 'disk full'; END IF; "
                    "RETURN NEW; END $$ LANGUAGE plpgsql"
                )
            )
            await conn.execute(
                text(
                    "CREATE TRIGGER refuse_event BEFORE INSERT ON case_event "
                    "FOR EACH ROW EXECUTE FUNCTION refuse_event()"
                )
            )
        else:
            await conn.execute(
                text(
                    "CREATE TRIGGER refuse_event BEFORE INSERT ON case_event "
                    f"WHEN NEW.case_id = {case_id} BEGIN SELECT RAISE(ABORT, 'disk full'); END"
                )
            )


async def test_a_case_the_database_refuses_is_left_out_and_its_batch_goes_on(engine) -> None:
    sessions = make_sessionmaker(engine)
    made = await _due_cases(sessions, 4, at=FRIDAY_1730, tag="refused")
    victim = made[2]
    await _refuse_events_of(engine, victim)
    late = FRIDAY_1730 + timedelta(minutes=20)  # level 1 due
    _, report = await _counted_sweep(engine, late)
    assert report.failed == [victim]
    assert report.escalations == [(c, 1) for c in made if c != victim]

    async def levels() -> dict[int, list[int]]:
        async with sessions() as s:
            rows = await s.execute(select(Escalation.case_id, Escalation.level))
            found: dict[int, list[int]] = {c: [] for c in made}
            for case_id, level in rows:
                found[case_id].append(level)
            return found

    assert await levels() == {c: ([] if c == victim else [1]) for c in made}
    async with sessions() as s:  # the refused case was rolled back whole: still due
        assert (await s.get(Case, victim)).next_escalation_at <= late  # type: ignore[union-attr]
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "DROP TRIGGER refuse_event"
                + ("" if "sqlite" in conn.dialect.name else " ON case_event")
            )
        )
    _, report = await _counted_sweep(engine, late)
    assert report.escalations == [(victim, 1)] and not report.failed
    assert await levels() == {c: [1] for c in made}


# SQLite has one writer at a time: racing sweeps are a PostgreSQL matter.
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
async def test_three_sweeps_in_small_batches_escalate_each_level_exactly_once(
    db_url, engine
) -> None:
    """Batches of 16 and three sweeps at once: they interleave batch by batch (SKIP LOCKED),
    and every level of every case is raised once, its event and notices written once."""
    sessions = make_sessionmaker(engine)
    made = await _due_cases(sessions, 120, at=FRIDAY_1730, tag="race")
    engines = [make_engine(db_url) for _ in range(3)]
    late = FRIDAY_1730 + timedelta(hours=5)  # levels 1, 2 and 3 due
    try:
        reports = await asyncio.gather(
            *[
                escalation_sweep.escalate_due_cases(
                    make_sessionmaker(e), now=late, limit=500, batch=16
                )
                for e in engines
            ]
        )
    finally:
        for e in engines:
            await e.dispose()
    done = sorted(pair for r in reports for pair in r.escalations)
    assert done == sorted((c, level) for c in made for level in (1, 2, 3))
    assert not any(r.failed for r in reports)
    async with sessions() as s:
        events = await s.execute(
            select(CaseEvent.case_id, func.count())
            .where(CaseEvent.kind == "escalated")
            .group_by(CaseEvent.case_id)
        )
        assert {count for _, count in events.all()} == {3}
        level_3 = await s.scalar(
            select(func.count()).select_from(Outbox).where(Outbox.chat_id == ADMIN)
        )
        assert level_3 == len(made)  # the admin hears of each case once, at level 3
