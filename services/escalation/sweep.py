"""The set-based sweep: batches of due cases, their once-only rows inserted together, only
what came back acted on."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Boolean,
    bindparam,
    insert,
    select,
    update,
)
from sqlalchemy import case as sa_case
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import (
    Case,
    CaseClock,
    CaseEvent,
    Escalation,
    EscalationMark,
    Outbox,
    User,
)
from models.chat import StaffNotice
from models.types import UTCDateTime, utcnow
from services.cases import cards
from services.escalation import policy as sla_policy
from services.escalation.notices import (
    Notice,
    Person,
    SweepCache,
    _auto_close,
    _raise,
    _remind_rider,
    _warn,
)
from services.escalation.plan import (
    AUTO_CLOSE,
    BATCH,
    REMINDER,
    RIDER_TOLD_AT,
    WARNING,
    Step,
    _histories,
    log,
    plan,
)
from services.escalation.policy import SlaPolicy
from services.local_time import zone_name


@dataclass
class SweepReport:
    cases: int = 0
    warnings: int = 0
    escalations: list[tuple[int, int]] = field(default_factory=list)  # (case_id, level)
    failed: list[int] = field(default_factory=list)
    reminders: int = 0
    closed: list[int] = field(default_factory=list)

    def add(self, other: SweepReport) -> None:
        self.cases += other.cases
        self.warnings += other.warnings
        self.reminders += other.reminders
        self.escalations += other.escalations
        self.failed += other.failed
        self.closed += other.closed


class _CaseFailed(Exception):
    """A step of one case failed: its batch is rolled back and done again without it."""

    def __init__(self, case_id: int) -> None:
        super().__init__(case_id)
        self.case_id = case_id


@contextmanager
def _blame(case_id: int) -> Iterator[None]:
    try:
        yield
    except Exception as exc:  # not BaseException: a cancelled sweep stops, it is not retried
        raise _CaseFailed(case_id) from exc


async def escalate_due_cases(
    session_factory: async_sessionmaker[AsyncSession],
    *,
    now: datetime,
    limit: int = 200,
    batch: int = BATCH,
) -> SweepReport:
    """Warn and escalate up to `limit` cases whose next moment has come, oldest first, in
    transactions of up to `batch` cases. A case whose step fails is left out and its batch
    done again without it; a batch that fails otherwise (the database refused a write) is
    done again case by case. What failed is rolled back whole and retried by the next sweep."""
    report = SweepReport()
    cache = SweepCache()
    left_out: set[int] = set()  # failed in this call: not taken again by it
    one_by_one: list[int] = []  # the cases of a batch that failed as a whole
    taken = 0
    # One session for the whole call, a transaction per batch. Its identity map is emptied
    # after each batch, so nothing of one (or of a rolled-back one) is seen by the next.
    async with session_factory() as session:
        while taken < limit:
            only = one_by_one.pop(0) if one_by_one else None
            seen: list[int] = []
            done = SweepReport()  # counted only once its transaction has committed
            try:
                async with session.begin():
                    await _sweep_batch(
                        session, now=now, size=min(batch, limit - taken), only=only,
                        left_out=left_out, seen=seen, report=done, cache=cache,
                    )  # fmt: skip
            except _CaseFailed as failed:
                log.error(
                    "escalation of case %s failed; the next sweep retries it",
                    failed.case_id, exc_info=failed.__cause__,
                )  # fmt: skip
                _leave_out(report, left_out, failed.case_id)
                taken += 1
                continue
            except Exception:
                if not seen:  # the cases could not even be read: nothing to retry here
                    raise
                if len(seen) == 1:
                    log.exception("escalation of case %s failed; the next sweep retries it", *seen)
                    _leave_out(report, left_out, seen[0])
                    taken += 1
                else:
                    log.exception("a batch of %d cases failed; retrying them one by one", len(seen))
                    one_by_one += seen
                continue
            finally:
                session.expunge_all()
            if not seen and only is None:
                break
            taken += len(seen)
            report.add(done)
    return report


def _leave_out(report: SweepReport, left_out: set[int], case_id: int) -> None:
    report.failed.append(case_id)
    left_out.add(case_id)


async def _sweep_batch(
    session: AsyncSession,
    *,
    now: datetime,
    size: int,
    only: int | None,
    left_out: set[int],
    seen: list[int],
    report: SweepReport,
    cache: SweepCache,
) -> None:
    """One batch in one transaction: read, plan in Python, claim the once-rows in one INSERT,
    act on the claimed ones only, write events, notices and cases in one statement each."""
    query = (
        select(Case, CaseClock)
        .outerjoin(CaseClock, CaseClock.case_id == Case.id)
        .where(Case.next_escalation_at <= now)
    )
    if only is not None:
        query = query.where(Case.id == only)
    if left_out:
        query = query.where(Case.id.not_in(left_out))
    # The cases' rows only: PostgreSQL cannot lock the clock, the outer join's side. Skipped
    # when locked: a concurrent sweep takes the next ones instead of waiting for these.
    query = (
        query.order_by(Case.next_escalation_at, Case.id)
        .limit(size)
        .with_for_update(of=Case, skip_locked=True)
    )
    found: list[tuple[Case, CaseClock | None]] = [
        (case, clock) for case, clock in await session.execute(query)
    ]
    seen += [case.id for case, _ in found]  # type: ignore[misc]
    if not found:
        return
    fired, marks = await _histories(session, seen)
    policy = sla_policy.active()
    planned: list[tuple[Case, CaseClock | None, list[Step]]] = []
    next_at: dict[int, datetime | None] = {}
    for case, clock in found:
        case_id: int = case.id  # type: ignore[assignment]
        with _blame(case_id):
            steps, next_at[case_id] = _due_steps(
                case, clock, policy=policy, fired=fired[case_id], marks=marks[case_id], now=now
            )
        planned.append((case, clock, steps))
    claimed = await _claim_once(session, [(c.id, s) for c, _, steps in planned for s in steps])
    riders = await _riders(session, planned, claimed)
    wall = utcnow()
    work = _Work()
    for case, clock, steps in planned:
        case_id = case.id  # type: ignore[assignment]
        with _blame(case_id):
            for step in steps:
                if (case_id, _once_key(step)) in claimed:
                    await _act(
                        session, case, clock, step, policy=policy, now=now, wall=wall,
                        cache=cache, riders=riders, work=work, report=report,
                    )  # fmt: skip
    await _insert_rows(session, CaseEvent, work.events)
    sent = await _insert_outbox(session, work.notices)
    await _insert_rows(session, StaffNotice, _staff_notices(work, sent))
    await _update_cases(
        session,
        {i: at for i, at in next_at.items() if i not in work.closed},
        touched=work.evented,
        wall=wall,
    )
    report.cases += len(found)


@dataclass
class _Work:
    """What a batch writes once every case is planned: one multi-row INSERT each."""

    events: list[dict[str, Any]] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    evented: set[int] = field(default_factory=set)  # cases whose updated_at moves
    closed: set[int] = field(default_factory=set)  # closed through the ORM, written there
    # Staff copies among `notices` (index, case id, language): remembered as staff notices so
    # a later change (someone takes the case) edits each copy in place.
    tracked: list[tuple[int, int, str]] = field(default_factory=list)

    def add_staff(self, case_id: int, rows: list[Notice], lang: list[str]) -> None:
        start = len(self.notices)
        self.notices += rows
        self.tracked += [(start + i, case_id, lang[i]) for i in range(len(rows))]


def _staff_notices(work: _Work, sent: dict[tuple[int, str], int]) -> list[dict[str, Any]]:
    """The staff_notice rows of a batch's staff copies, given their outbox rows' ids by (chat,
    text); their digest is what they show as sent."""
    at = utcnow()

    def outbox_id(index: int) -> int:
        row = work.notices[index]
        return sent[(row["chat_id"], row["payload"]["text"])]

    return [
        {
            "case_id": case_id,
            "membership_id": None,
            "outbox_id": outbox_id(index),
            "chat_id": work.notices[index]["chat_id"],
            "lang": lang,
            "named": False,
            "tz": zone_name(),
            "kind": "escalation",
            "last_edit_id": None,
            "created_at": at,
            "digest": cards.digest(work.notices[index]["payload"]),
        }
        for index, case_id, lang in work.tracked
    ]


def _once_key(step: Step) -> tuple[Any, ...]:
    """What makes a step once: its level on the ladder, or its (kind, deadline)."""
    if step.action == "raise":
        return ("raise", step.level)
    kind = {"warn": WARNING, "remind": REMINDER, "close": AUTO_CLOSE}[step.action]
    return (kind, step.deadline.due_at)


async def _claim_once(
    session: AsyncSession, steps: Sequence[tuple[int | None, Step]]
) -> set[tuple[int, tuple[Any, ...]]]:
    """Insert the once-rows of all steps (escalations and marks: one INSERT each, ON CONFLICT
    DO NOTHING RETURNING) and give back the (case, key) pairs this sweep inserted: only those
    are acted on; the others were taken by someone else, now or before."""
    wall = utcnow()
    levels, said = [], []
    for case_id, step in steps:
        key = _once_key(step)
        if step.action == "raise":
            levels.append(
                {"case_id": case_id, "level": step.level, "due_at": step.deadline.due_at,
                 "fired_at": wall}
            )  # fmt: skip
        else:
            said.append({"case_id": case_id, "kind": key[0], "due_at": key[1], "created_at": wall})
    claimed: set[tuple[int, tuple[Any, ...]]] = set()
    if levels:
        table = Escalation.__table__  # type: ignore[attr-defined]
        query = _insert(session, table).returning(table.c.case_id, table.c.level)
        claimed |= {
            (case_id, ("raise", level)) for case_id, level in await session.execute(query, levels)
        }
    if said:
        table = EscalationMark.__table__  # type: ignore[attr-defined]
        query = _insert(session, table).returning(table.c.case_id, table.c.kind, table.c.due_at)
        claimed |= {
            (case_id, (kind, due)) for case_id, kind, due in await session.execute(query, said)
        }
    return claimed


def _insert(session: AsyncSession, table: Any) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING in the session's dialect; given many rows and a
    RETURNING, SQLAlchemy sends it as one multi-row INSERT (see `_insert_rows`)."""
    dialect = session.get_bind().dialect.name
    return (pg_insert if dialect == "postgresql" else sqlite_insert)(table).on_conflict_do_nothing()


async def _insert_outbox(session: AsyncSession, rows: list[Notice]) -> dict[tuple[int, str], int]:
    """The batch's outbox rows in one multi-row INSERT, as `_insert_rows`; their ids by (chat,
    text), which is unique in a batch (each text names its case and step). Matched by content
    because asking RETURNING for the rows' order makes SQLite send a statement per row."""
    if not rows:
        return {}
    table = Outbox.__table__  # type: ignore[attr-defined]
    query = insert(table).returning(table.c.id, table.c.chat_id, table.c.payload)
    found = await session.execute(query, rows)
    return {(chat, str(payload.get("text"))): row_id for row_id, chat, payload in found}


async def _insert_rows(session: AsyncSession, model: Any, rows: list[dict[str, Any]]) -> None:
    """Rows of one table in one multi-row INSERT. RETURNING makes SQLAlchemy's
    "insertmanyvalues" write them as INSERT ... VALUES (...), (...) pages of up to 1,000 rows,
    compiled once, instead of a statement per row or a statement compiled per batch."""
    if rows:
        table = model.__table__
        await session.execute(insert(table).returning(table.c.id), rows)


async def _update_cases(
    session: AsyncSession,
    next_at: dict[int, datetime | None],
    *,
    touched: set[int],
    wall: datetime,
) -> None:
    """Every case's next moment: one UPDATE, compiled once and sent with all the cases'
    values in one executemany; updated_at moves on the cases that got an event, as `record`
    would have moved it."""
    if not next_at:
        return
    table = Case.__table__  # type: ignore[attr-defined]
    query = (
        update(table)
        .where(table.c.id == bindparam("case_id"))
        .values(
            next_escalation_at=bindparam("next_at", type_=UTCDateTime),
            updated_at=sa_case(
                (bindparam("touched", type_=Boolean), bindparam("wall", type_=UTCDateTime)),
                else_=table.c.updated_at,
            ),
        )
    )
    rows = [
        {"case_id": i, "next_at": at, "touched": i in touched, "wall": wall}
        for i, at in next_at.items()
    ]
    await session.execute(query, rows)


async def _riders(
    session: AsyncSession,
    planned: Sequence[tuple[Case, CaseClock | None, list[Step]]],
    claimed: set[tuple[int, tuple[Any, ...]]],
) -> dict[int, Person]:
    """The riders this batch tells something (a reminder, a raise to the seniors): one read."""
    ids = {
        case.rider_id
        for case, _, steps in planned
        for step in steps
        if case.rider_id is not None
        and (case.id, _once_key(step)) in claimed
        and (step.action == "remind" or step.level == RIDER_TOLD_AT)
    }
    if not ids:
        return {}
    users = await session.execute(select(User).where(User.id.in_(ids)))
    return {u.id: Person.of(u) for u in users.scalars()}  # type: ignore[misc]


def _due_steps(
    case: Case,
    clock: CaseClock | None,
    *,
    policy: SlaPolicy,
    fired: set[int],
    marks: set[tuple[str, datetime]],
    now: datetime,
) -> tuple[list[Step], datetime | None]:
    """The steps due by `now`, in order (catch-up after downtime), and the case's next moment
    after them. Each step is planned as taken whether or not its once-row is inserted (if
    not, someone else took it), so the whole list is known before anything is written."""
    steps: list[Step] = []
    while True:
        step = plan(case, clock, policy=policy, fired=fired, marks=marks).step
        if step is None or step.at > now:
            return steps, step.at if step else None
        steps.append(step)
        if step.action == "close":
            return steps, None
        if step.action == "raise":
            fired.add(step.level)  # type: ignore[arg-type]
        else:
            marks.add((WARNING if step.action == "warn" else REMINDER, step.deadline.due_at))


async def _act(
    session: AsyncSession,
    case: Case,
    clock: CaseClock | None,
    step: Step,
    *,
    policy: SlaPolicy,
    now: datetime,
    wall: datetime,
    cache: SweepCache,
    riders: dict[int, Person],
    work: _Work,
    report: SweepReport,
) -> None:
    """One step whose once-row this sweep inserted: what it says, to whom, on record."""
    case_id: int = case.id  # type: ignore[assignment]
    due = step.deadline.due_at
    rider = riders.get(case.rider_id) if case.rider_id is not None else None
    if step.action == "warn":
        # Catching up past the deadline itself: the warning is moot, only marked as done.
        if due > now:
            people = await cache.people(session, case, "assignee_or_on_duty")
            work.add_staff(case_id, *_warn(case, step, now=now, people=people))
            report.warnings += 1
    elif step.action == "remind":
        closes_at = step.at + timedelta(days=policy.close_after_days)
        if closes_at > now:  # catching up: moot, skip it
            work.notices += _remind_rider(case, rider, policy=policy)
            report.reminders += 1
    elif step.action == "close":
        # Rare, and a lifecycle move with notices of its own: through the ORM, case by case.
        case.next_escalation_at = None
        await _auto_close(session, case, clock, now=now)
        work.closed.add(case_id)
        report.closed.append(case_id)
    else:
        rung = policy.rung(step.level)  # type: ignore[arg-type]
        people = await cache.people(session, case, rung.notify)
        group_chat = await cache.group_chat(session, case.zone_id)
        event, staff, langs, notices = _raise(
            case, step, now=now, wall=wall, people=people, group_chat=group_chat, rider=rider
        )
        work.events.append(event)
        work.add_staff(case_id, staff, langs)
        work.notices += notices
        work.evented.add(case_id)
        report.escalations.append((case_id, step.level))  # type: ignore[arg-type]
