"""The set-based sweep: batches of due cases, their once-only rows inserted together, only
what came back acted on."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import (
    Case,
    CaseClock,
    CaseEvent,
    User,
)
from models.chat import StaffNotice
from models.types import utcnow
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
from services.escalation.writes import (
    _claim_once,
    _insert_outbox,
    _insert_rows,
    _once_key,
    _update_cases,
)
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
                        session,
                        now=now,
                        size=min(batch, limit - taken),
                        only=only,
                        left_out=left_out,
                        seen=seen,
                        report=done,
                        cache=cache,
                    )
            except _CaseFailed as failed:
                log.error(
                    "escalation of case %s failed; the next sweep retries it",
                    failed.case_id,
                    exc_info=failed.__cause__,
                )
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
                        session,
                        case,
                        clock,
                        step,
                        policy=policy,
                        now=now,
                        wall=wall,
                        cache=cache,
                        riders=riders,
                        work=work,
                        report=report,
                    )
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
