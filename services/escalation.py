"""Scheduled escalation: SLA deadlines, warnings before them, and the ladder after them.

`plan` is the one place due times and `Case.next_escalation_at` are computed (from the case,
its clock, the policy and the calendar). `reschedule` keeps a case's next moment right when
the case changes; `escalate_due_cases` is the sweep the scheduler runs.

The sweep's cost grows with due cases, not open ones: it reads the index on
`next_escalation_at`. Each case is one transaction, locked `FOR UPDATE SKIP LOCKED` on
PostgreSQL, so concurrent sweeps share the work; the unique rows (case, level) and
(case, kind, due), inserted with ON CONFLICT DO NOTHING, are the last word on "once".
Round trips are what a due case costs, so the sweep keeps them few: one session per sweep,
the people to notify read once per sweep (`SweepCache`), each case's notices in one INSERT.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import Integer, String, cast, null, select, union_all
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import SQLModel

from models import (
    Case,
    CaseClock,
    CaseStatus,
    Escalation,
    EscalationMark,
    Outbox,
    Role,
    User,
    Zone,
)
from models.core import ZoneStaff
from models.types import UTCDateTime
from services import sla_policy
from services.case_events import move, on_duty_staff, record, staff_buttons, tell_staff
from services.case_text import category_name, excerpt, local
from services.outbox import enqueue_many, message, notify, rendered
from services.sla_policy import SlaPolicy
from services.texts import text

log = logging.getLogger(__name__)
S = CaseStatus
OPEN = frozenset({S.new, S.acknowledged, S.in_progress, S.waiting_for_rider})
WARNING = "warning"
REMINDER = "rider_reminder"  # the rider has not answered a question for a while
AUTO_CLOSE = "auto_close"  # ... and still not, long after
GROUP_LANG = "zh"  # zone groups read the default language
RIDER_TOLD_AT = 2  # the first level above the representatives: the rider hears of it


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


async def _history(
    session: AsyncSession, case_id: int
) -> tuple[set[int], set[tuple[str, datetime]]]:
    """Levels fired and (kind, due) marks said, in one UNION ALL: one round trip, not two."""
    levels = select(
        Escalation.level,
        cast(null(), String).label("kind"),
        cast(null(), UTCDateTime).label("due_at"),
    ).where(Escalation.case_id == case_id)
    said = select(cast(null(), Integer), EscalationMark.kind, EscalationMark.due_at).where(
        EscalationMark.case_id == case_id
    )
    fired: set[int] = set()
    marks: set[tuple[str, datetime]] = set()
    for level, kind, due in await session.execute(union_all(levels, said)):
        if level is not None:
            fired.add(level)
        else:
            marks.add((kind, due))
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
    fired, marks = await _history(session, case.id)  # type: ignore[arg-type]
    result = plan(case, clock, fired=fired, marks=marks)
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


async def escalate_due_cases(
    session_factory: async_sessionmaker[AsyncSession], *, now: datetime, limit: int = 200
) -> SweepReport:
    """Warn and escalate every case whose next moment has come, oldest first, each in its
    own transaction. A case that fails is rolled back whole and retried by the next sweep."""
    report = SweepReport()
    cache = SweepCache()
    # One session for the whole call, a transaction per case: cheaper than a session per
    # case. Its identity map is emptied after each case, so no object (or a rolled-back
    # change) of one case is seen by the next.
    async with session_factory() as session:
        async with session.begin():
            ids = list(
                (
                    await session.execute(
                        select(Case.id)
                        .where(Case.next_escalation_at <= now)
                        .order_by(Case.next_escalation_at, Case.id)
                        .limit(limit)
                    )
                ).scalars()
            )
        for case_id in ids:
            done = SweepReport()  # counted only once its transaction has committed
            try:
                async with session.begin():
                    if await _sweep_case(
                        session, case_id=case_id, now=now, report=done, cache=cache
                    ):
                        done.cases += 1
            except Exception:
                log.exception("escalation of case %s failed; the next sweep retries it", case_id)
                report.failed.append(case_id)
                continue
            finally:
                session.expunge_all()
            report.add(done)
    return report


async def _sweep_case(
    session: AsyncSession,
    *,
    case_id: int,
    now: datetime,
    report: SweepReport,
    cache: SweepCache,
) -> bool:
    found = (
        await session.execute(
            select(Case, CaseClock)
            .outerjoin(CaseClock, CaseClock.case_id == Case.id)
            .where(Case.id == case_id, Case.next_escalation_at <= now)
            # The case's row only: PostgreSQL cannot lock the clock, the outer join's side.
            .with_for_update(of=Case, skip_locked=True)
        )
    ).one_or_none()
    if found is None:  # another sweep holds it, or did it already
        return False
    case, clock = found
    fired, marks = await _history(session, case_id)
    policy = sla_policy.active()
    steps, next_at = _due_steps(case, clock, policy=policy, fired=fired, marks=marks, now=now)
    # Set before acting, so a case event's flush writes it in the same UPDATE as updated_at.
    case.next_escalation_at = next_at
    for step in steps:
        await _take(session, case, clock, step, policy=policy, now=now, report=report, cache=cache)
    return True


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


async def _take(
    session: AsyncSession,
    case: Case,
    clock: CaseClock | None,
    step: Step,
    *,
    policy: SlaPolicy,
    now: datetime,
    report: SweepReport,
    cache: SweepCache,
) -> None:
    """One step, once: its unique row decides whether this sweep is the one to act."""
    case_id, due = case.id, step.deadline.due_at
    assert case_id is not None
    if step.action == "warn":
        mark = EscalationMark(case_id=case_id, kind=WARNING, due_at=due)
        # Catching up past the deadline itself: the warning is moot, only marked as done.
        if await insert_once(session, mark) and due > now:
            await _warn(session, case, step, now=now, cache=cache)
            report.warnings += 1
    elif step.action == "remind":
        mark = EscalationMark(case_id=case_id, kind=REMINDER, due_at=due)
        closes_at = step.at + timedelta(days=policy.close_after_days)
        if await insert_once(session, mark) and closes_at > now:  # catching up: moot, skip it
            await _remind_rider(session, case)
            report.reminders += 1
    elif step.action == "close":
        mark = EscalationMark(case_id=case_id, kind=AUTO_CLOSE, due_at=due)
        if await insert_once(session, mark):
            await _auto_close(session, case, clock, now=now)
            report.closed.append(case_id)
    else:
        row = Escalation(case_id=case_id, level=step.level, due_at=due)
        if await insert_once(session, row):
            await _raise(session, case, step, policy=policy, now=now, cache=cache)
            report.escalations.append((case_id, step.level))


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


def _notices(
    people: Iterable[Person | User], render: Callable[[str], dict[str, Any]]
) -> list[Outbox]:
    """One outbox row per reachable person; the text is rendered once per language."""
    payloads: dict[str, dict[str, Any]] = {}
    rows = []
    for person in people:
        if person.telegram_id is None:
            continue
        lang = person.language
        if lang not in payloads:
            payloads[lang] = render(lang)
        rows.append(message(chat_id=person.telegram_id, user_id=person.id, payload=payloads[lang]))
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


async def _warn(
    session: AsyncSession, case: Case, step: Step, *, now: datetime, cache: SweepCache
) -> None:
    left = (step.deadline.due_at - now).total_seconds() / 60
    claim = case.assignee_id is None

    def render(lang: str) -> dict[str, Any]:
        return rendered(
            lang, "escalation.warning", staff_buttons(lang, case, claim=claim),
            left=overdue_text(lang, left), **_values(lang, case, step, now),
        )  # fmt: skip

    await enqueue_many(
        session, _notices(await cache.people(session, case, "assignee_or_on_duty"), render)
    )


async def _raise(
    session: AsyncSession,
    case: Case,
    step: Step,
    *,
    policy: SlaPolicy,
    now: datetime,
    cache: SweepCache,
) -> None:
    assert step.level is not None
    level = step.level
    rung = policy.rung(level)
    late = (now - step.deadline.due_at).total_seconds() / 60
    claim = case.assignee_id is None

    def render(lang: str, key: str = "escalation.raised") -> dict[str, Any]:
        return rendered(
            lang, key, staff_buttons(lang, case, claim=claim),
            level=level, late=overdue_text(lang, late), **_values(lang, case, step, now),
        )  # fmt: skip

    rows = _notices(await cache.people(session, case, rung.notify), render)
    group_chat = await cache.group_chat(session, case.zone_id)
    if group_chat is not None:
        rows.append(
            message(chat_id=group_chat, payload=render(GROUP_LANG, "escalation.group_raised"))
        )
    if level == RIDER_TOLD_AT and case.rider_id is not None:
        rider = await session.get(User, case.rider_id)
        rows += _notices(
            [rider] if rider else [],
            lambda lang: rendered(lang, "escalation.rider_raised", None, ref=case.ref),
        )
    # The event first: its flush writes next_escalation_at in the same UPDATE as updated_at,
    # which the notices' INSERT would otherwise flush on its own.
    await record(
        session, case, actor=None, kind="escalated", public=False,
        count=level, deadline=step.deadline.kind,
    )  # fmt: skip
    await enqueue_many(session, rows)


async def _remind_rider(session: AsyncSession, case: Case) -> None:
    rider = await session.get(User, case.rider_id) if case.rider_id is not None else None
    if rider is None:
        return
    lang = rider.language
    answer = {"text": text(lang, "btn.case_answer"), "callback_data": f"mc:add:{case.id}"}
    await notify(
        session, user=rider, key="escalation.rider_reminder",
        reply_markup={"inline_keyboard": [[answer]]}, ref=case.ref,
        days=f"{sla_policy.active().close_after_days:g}",
    )  # fmt: skip


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
