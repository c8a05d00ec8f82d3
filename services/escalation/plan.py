"""`plan`: the one computation of a case's due times and next escalation moment; `reschedule`
keeps it right when the case changes."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import (
    Integer,
    String,
    cast,
    null,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    Case,
    CaseClock,
    CaseStatus,
    Escalation,
    EscalationMark,
)
from models.types import UTCDateTime
from services.escalation import policy as sla_policy
from services.escalation.policy import SlaPolicy

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


def start_clock(case: Case) -> CaseClock:
    """A case not stored yet: its due times, set before its INSERT, and its SLA clock to add
    once the case has an id. A new case has no clock row and no history to read, and
    planned here its row is written once, not inserted and then updated."""
    clock = CaseClock(last_status=case.status.value)
    result = plan(case, clock)
    case.first_response_due_at = result.first_response_due
    case.next_escalation_at = result.next_escalation_at
    return clock


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
