"""Scheduled escalation: SLA deadlines, warnings before them, and the ladder after them.

`plan` is the one place due times and `Case.next_escalation_at` are computed (from the case,
its clock, the policy and the calendar). `reschedule` keeps a case's next moment right when
the case changes; `escalate_due_cases` is the sweep the scheduler runs.

The sweep's cost grows with due cases, not open ones: it reads the index on
`next_escalation_at`. It is set-based: a transaction takes a batch of due cases (locked
`FOR UPDATE SKIP LOCKED` on PostgreSQL, so concurrent sweeps share the work) with their
clocks and histories in two reads, plans every case in Python, inserts the batch's unique
rows (case, level) and (case, kind, due) with one INSERT ... ON CONFLICT DO NOTHING
RETURNING each (the last word on "once": only what came back is acted on), then writes the
events, the notices and the cases with one statement each. A batch costs about ten round
trips whatever its size; a case whose step fails is left out and its batch done again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Any, Literal

from sqlalchemy import (
    Boolean,
    Integer,
    String,
    bindparam,
    cast,
    insert,
    null,
    select,
    union_all,
    update,
)
from sqlalchemy import case as sa_case
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import SQLModel

from models import (
    Case,
    CaseClock,
    CaseEvent,
    CaseStatus,
    Escalation,
    EscalationMark,
    Outbox,
    Role,
    User,
    Zone,
)
from models.chat import StaffNotice
from models.core import ZoneStaff
from models.types import UTCDateTime, utcnow
from services.cases import cards
from services.cases.events import move, on_duty_staff, record, staff_buttons, tell_staff
from services.cases.formatting import DEFAULT_TZ, category_name, excerpt, local
from services.escalation import policy as sla_policy
from services.escalation.policy import SlaPolicy
from services.outbox import message, rendered
from services.texts import text

log = logging.getLogger(__name__)
S = CaseStatus
OPEN = frozenset({S.new, S.acknowledged, S.in_progress, S.waiting_for_rider})
WARNING = "warning"
REMINDER = "rider_reminder"  # the rider has not answered a question for a while
AUTO_CLOSE = "auto_close"  # ... and still not, long after
GROUP_LANG = "zh"  # zone groups read the default language
RIDER_TOLD_AT = 2  # the first level above the representatives: the rider hears of it
BATCH = 200  # cases a sweep transaction takes: few round trips, short row locks


@dataclass(frozen=True)
class Deadline:
    kind: Literal["first_response", "next_update", "resolution", "waiting"]
    due_at: datetime  # for "waiting": when the case began to wait for the rider


@dataclass(frozen=True)
class Step:
    at: datetime
    deadline: Deadline
    level: int | None  # the ladder's level, for "raise"
    action: Literal["warn", "raise", "remind", "close"] = "raise"


@dataclass(frozen=True)
class Plan:
    first_response_due: datetime
    next_update_due: datetime | None = None
    resolution_due: datetime | None = None
    deadline: Deadline | None = None  # the deadline being watched now
    step: Step | None = None  # the next thing the sweep does, at step.at

    @property
    def next_escalation_at(self) -> datetime | None:
        return self.step.at if self.step else None


def plan(
    case: Case,
    clock: CaseClock | None,
    *,
    policy: SlaPolicy | None = None,
    fired: frozenset[int] | set[int] = frozenset(),
    marks: frozenset[tuple[str, datetime]] | set[tuple[str, datetime]] = frozenset(),
) -> Plan:
    """Due times and the next step for a case. `fired`: levels reached already; `marks`:
    (kind, due) said already (warnings, reminders). While the case waits for the rider the
    SLA clock stands still; the rider is reminded, then the case closes. Done: nothing."""
    policy = policy or sla_policy.active()
    terms = policy.terms(case.category, case.severity)
    cal = terms.calendar
    first_due = cal.add(case.created_at, terms.first_response)
    if case.status not in OPEN:
        return Plan(first_due)
    if case.first_response_at is None:
        deadline = Deadline("first_response", first_due)
        result = Plan(first_due, deadline=deadline)
    else:
        update_from = (clock and clock.next_update_from) or case.first_response_at
        resolution_from = (clock and clock.resolution_from) or case.created_at
        paused = clock.paused_minutes if clock else 0.0
        next_update = cal.add(update_from, terms.next_update)
        resolution = cal.add(resolution_from, terms.resolution + paused)
        deadline = (
            Deadline("next_update", next_update)
            if next_update < resolution
            else Deadline("resolution", resolution)
        )
        result = Plan(first_due, next_update, resolution, deadline)
    if case.status is S.waiting_for_rider:
        if clock is None or clock.paused_at is None:
            return result
        waiting = Deadline("waiting", clock.paused_at)
        remind_at = clock.paused_at + timedelta(days=policy.remind_after_days)
        if (REMINDER, clock.paused_at) not in marks:
            step = Step(remind_at, waiting, None, "remind")
        else:
            step = Step(remind_at + timedelta(days=policy.close_after_days), waiting, None, "close")
        return Plan(first_due, result.next_update_due, result.resolution_due, deadline, step)
    rung = next((r for r in policy.ladder if r.level not in fired), None)
    if rung is None:
        return result
    step = Step(cal.add(deadline.due_at, rung.after_minutes), deadline, rung.level)
    if (WARNING, deadline.due_at) not in marks:
        # The lead is working time: under office hours, before a Monday 09:10 deadline the
        # warning comes on Friday afternoon, not at 08:55 with nobody at work.
        warn_at = cal.subtract(deadline.due_at, policy.warning_lead_minutes)
        if warn_at <= step.at:
            step = Step(warn_at, deadline, None, "warn")
    return Plan(
        result.first_response_due, result.next_update_due, result.resolution_due, deadline, step
    )


async def _histories(
    session: AsyncSession, case_ids: Sequence[int]
) -> tuple[dict[int, set[int]], dict[int, set[tuple[str, datetime]]]]:
    """Levels fired and (kind, due) marks said of several cases, in one UNION ALL."""
    levels = select(
        Escalation.case_id,
        Escalation.level,
        cast(null(), String).label("kind"),
        cast(null(), UTCDateTime).label("due_at"),
    ).where(Escalation.case_id.in_(case_ids))
    said = select(
        EscalationMark.case_id, cast(null(), Integer), EscalationMark.kind, EscalationMark.due_at
    ).where(EscalationMark.case_id.in_(case_ids))
    fired: dict[int, set[int]] = {i: set() for i in case_ids}
    marks: dict[int, set[tuple[str, datetime]]] = {i: set() for i in case_ids}
    for case_id, level, kind, due in await session.execute(union_all(levels, said)):
        if level is not None:
            fired[case_id].add(level)
        else:
            marks[case_id].add((kind, due))
    return fired, marks


async def reschedule(session: AsyncSession, *, case: Case, now: datetime) -> Plan:
    """Call after a case changes status or gets its first response: moves the SLA clock
    (waiting for the rider pauses it, the rider's answer resumes it, a reopen restarts it)
    and sets `first_response_due_at` and `next_escalation_at`."""
    clock = await session.get(CaseClock, case.id)
    status = case.status.value
    if clock is None:
        clock = CaseClock(case_id=case.id, last_status=status)  # type: ignore[arg-type]
        session.add(clock)
    before = clock.last_status
    if status != before:
        if status == S.waiting_for_rider:
            clock.paused_at = now
        elif before == S.waiting_for_rider and clock.paused_at is not None:
            terms = sla_policy.active().terms(case.category, case.severity)
            clock.paused_minutes += terms.calendar.between(clock.paused_at, now)
            clock.paused_at = None
            clock.next_update_from = now  # the rider answered: the next update is due from now
        elif before in (S.resolved, S.closed) and case.status in OPEN:
            clock.resolution_from = now  # reopened: the promise starts again
            clock.next_update_from = now
            clock.paused_minutes = 0.0
        clock.last_status = status
    fired, marks = await _histories(session, [case.id])  # type: ignore[list-item]
    result = plan(case, clock, fired=fired[case.id], marks=marks[case.id])  # type: ignore[index]
    if case.first_response_at is None:  # an answered case keeps the promise it was given
        case.first_response_due_at = result.first_response_due
    case.next_escalation_at = result.next_escalation_at
    await session.flush()
    return result


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
            "tz": DEFAULT_TZ,
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


async def insert_once(session: AsyncSession, row: SQLModel) -> bool:
    """Insert a once-only row; False when it exists already (someone else got there).
    ON CONFLICT DO NOTHING rather than catching IntegrityError in a savepoint: SQLite's
    driver commits on RELEASE, which would break the one-transaction-per-case promise."""
    values = row.model_dump(exclude={"id"} if "id" in type(row).model_fields else set())
    table = type(row).__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    stmt = (pg_insert if dialect == "postgresql" else sqlite_insert)(table).values(**values)
    result = await session.execute(stmt.on_conflict_do_nothing())
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def audience(session: AsyncSession, case: Case, notify_: str) -> list[User]:
    """The people of one rung of the ladder. Nobody there: the admins, so it is never lost."""
    people: list[User] = []
    if notify_ == "assignee_or_on_duty":
        if case.assignee_id is not None:
            assignee = await session.get(User, case.assignee_id)
            people = [assignee] if assignee else []
        if not people:
            people = await on_duty_staff(session, zone_id=case.zone_id)
    elif notify_ == "zone_seniors" and case.zone_id is not None:
        people = list(
            (
                await session.execute(
                    select(User)
                    .join(ZoneStaff, ZoneStaff.user_id == User.id)
                    .where(ZoneStaff.zone_id == case.zone_id, User.role == Role.senior)
                    .order_by(User.id)
                )
            ).scalars()
        )
    if not people:
        people = list(
            (
                await session.execute(select(User).where(User.role == Role.admin).order_by(User.id))
            ).scalars()
        )
    return people


@dataclass(frozen=True)
class Person:
    """Someone to notify, as plain values: unlike a User it outlives the transaction (even a
    rolled-back one) it was read in, so one sweep can keep it from case to case."""

    id: int | None
    telegram_id: int | None
    language: str

    @classmethod
    def of(cls, user: User) -> Person:
        return cls(user.id, user.telegram_id, user.language)


class SweepCache:
    """What one sweep call reads once instead of once per case: the people of each rung (per
    zone and assignee) and the zones' group chats. A staff, on-duty or group change made
    while a sweep runs is seen from the next sweep on (a minute later), which is soon enough
    for a notice; each call starts empty, so the staleness never outlives one sweep."""

    def __init__(self) -> None:
        self._people: dict[tuple[str, int | None, int | None], tuple[Person, ...]] = {}
        self._groups: dict[int, int | None] = {}

    async def people(self, session: AsyncSession, case: Case, notify_: str) -> tuple[Person, ...]:
        assignee = case.assignee_id if notify_ == "assignee_or_on_duty" else None
        key = (notify_, case.zone_id, assignee)
        if key not in self._people:
            users = await audience(session, case, notify_)
            self._people[key] = tuple(Person.of(u) for u in users)
        return self._people[key]

    async def group_chat(self, session: AsyncSession, zone_id: int | None) -> int | None:
        if zone_id is None:
            return None
        if zone_id not in self._groups:
            query = select(Zone.group_chat_id).where(Zone.id == zone_id)
            self._groups[zone_id] = await session.scalar(query)
        return self._groups[zone_id]


Notice = dict[str, Any]  # an outbox row's columns, for one multi-row INSERT


@cache
def _outbox_defaults() -> Notice:
    """The columns of an outbox row as `message` fills them, taken once: building an Outbox
    object per notice cost more than the rest of a due case."""
    row = message(chat_id=0, payload={}).model_dump(exclude={"id"})
    return {k: v for k, v in row.items() if k not in ("chat_id", "payload")}


def _notice(*, chat_id: int, payload: dict[str, Any], user_id: int | None = None) -> Notice:
    at = utcnow()
    return _outbox_defaults() | {
        "chat_id": chat_id, "user_id": user_id, "payload": payload, "not_before": at,
        "created_at": at,
    }  # fmt: skip


def _notices(
    people: Iterable[Person | User],
    render: Callable[[str], dict[str, Any]],
    langs: list[str] | None = None,
) -> list[Notice]:
    """One outbox row per reachable person; the text is rendered once per language (each
    row's language is appended to `langs` when given)."""
    payloads: dict[str, dict[str, Any]] = {}
    rows = []
    for person in people:
        if person.telegram_id is None:
            continue
        lang = person.language
        if lang not in payloads:
            payloads[lang] = render(lang)
        rows.append(_notice(chat_id=person.telegram_id, user_id=person.id, payload=payloads[lang]))
        if langs is not None:
            langs.append(lang)
    return rows


def overdue_text(lang: str, minutes: float) -> str:
    minutes = max(0, int(minutes))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return text(lang, "escalation.span_days", days=days, hours=hours)
    if hours:
        return text(lang, "escalation.span_hours", hours=hours, minutes=mins)
    return text(lang, "escalation.span_minutes", minutes=mins)


def _values(lang: str, case: Case, step: Step, now: datetime) -> dict[str, Any]:
    return {
        "ref": case.ref,
        "category": category_name(lang, case.category),
        "summary": excerpt(case.summary or "—", 300),
        "deadline": text(lang, f"escalation.deadline.{step.deadline.kind}"),
        "due": local(step.deadline.due_at),
    }


def _warn(
    case: Case, step: Step, *, now: datetime, people: Iterable[Person]
) -> tuple[list[Notice], list[str]]:
    """The warnings to the staff, and each one's language."""
    left = (step.deadline.due_at - now).total_seconds() / 60
    claim = case.assignee_id is None

    def render(lang: str) -> dict[str, Any]:
        return rendered(
            lang, "escalation.warning", staff_buttons(lang, case, claim=claim),
            left=overdue_text(lang, left), **_values(lang, case, step, now),
        )  # fmt: skip

    langs: list[str] = []
    return _notices(people, render, langs), langs


def _raise(
    case: Case,
    step: Step,
    *,
    now: datetime,
    wall: datetime,
    people: Iterable[Person],
    group_chat: int | None,
    rider: Person | None,
) -> tuple[dict[str, Any], list[Notice], list[str], list[Notice]]:
    """A level reached: its case event (as a row), the staff's notices (the group's too) with
    their languages, and the rider's notice."""
    assert step.level is not None
    level = step.level
    late = (now - step.deadline.due_at).total_seconds() / 60
    claim = case.assignee_id is None

    def render(lang: str, key: str = "escalation.raised") -> dict[str, Any]:
        return rendered(
            lang, key, staff_buttons(lang, case, claim=claim),
            level=level, late=overdue_text(lang, late), **_values(lang, case, step, now),
        )  # fmt: skip

    langs: list[str] = []
    staff = _notices(people, render, langs)
    if group_chat is not None:
        staff.append(
            _notice(chat_id=group_chat, payload=render(GROUP_LANG, "escalation.group_raised"))
        )
        langs.append(GROUP_LANG)
    rows: list[Notice] = []
    if level == RIDER_TOLD_AT and rider is not None:
        rows += _notices(
            [rider], lambda lang: rendered(lang, "escalation.rider_raised", None, ref=case.ref)
        )
    event = {
        "case_id": case.id, "actor_id": None, "kind": "escalated", "public": False,
        "payload": {"count": level, "deadline": step.deadline.kind}, "created_at": wall,
    }  # fmt: skip
    return event, staff, langs, rows


def _remind_rider(case: Case, rider: Person | None, *, policy: SlaPolicy) -> list[Notice]:
    def render(lang: str) -> dict[str, Any]:
        answer = {"text": text(lang, "btn.case_answer"), "callback_data": f"mc:add:{case.id}"}
        return rendered(
            lang, "escalation.rider_reminder", {"inline_keyboard": [[answer]]},
            ref=case.ref, days=f"{policy.close_after_days:g}",
        )  # fmt: skip

    return _notices([rider] if rider else [], render)


async def _auto_close(
    session: AsyncSession, case: Case, clock: CaseClock | None, *, now: datetime
) -> None:
    """No answer from the rider for the whole waiting time: closed, through the lifecycle."""
    await move(session, case, S.resolved, actor=None)
    case.resolved_at = now
    await move(session, case, S.closed, actor=None)
    if clock is not None:
        clock.last_status = S.closed.value
        clock.paused_at = None
    await record(session, case, actor=None, kind="auto_closed", public=True)
    await tell_staff(session, case, key="escalation.staff_auto_closed")
