"""The desk's numbers: each representative's workload and the series the charts draw.

Read-only plain queries; the buckets (local days, ISO weeks, months) are made in Python in the
desk's time zone, so SQLite and PostgreSQL count alike. A representative sees the people and
cases of their zones, an admin everything; riders nothing. First answers are counted in working
minutes of each case's category calendar (the escalation policy's), as its promise is.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from statistics import median
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, CaseEvent, Escalation, Membership, Role, User, WageClaim, ZoneStaff
from services.cases import states
from services.cases.access import staff_zone_ids
from services.escalation import policy as sla_policy
from services.local_time import time_zone

REPRESENTATIVES = (Role.rep, Role.senior)


@dataclass(frozen=True)
class RepLoad:
    """One representative's load. `median_first_answer` is in working minutes, over the cases
    they took in the last `window_days`; `breaches_this_week` counts deadlines broken (once
    each, whatever level the ladder reached) since Monday 00:00 local on cases they hold."""

    user_id: int
    name: str
    open_cases: int
    taken_today: int
    median_first_answer: float | None
    breaches_this_week: int


@dataclass
class Series:
    """What one chart draws: x labels and, per dataset key, one value per label."""

    labels: list[str]
    datasets: dict[str, list[float | None]] = field(default_factory=dict)


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), zone).astimezone(UTC)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _first_answer_minutes(case: Case) -> float | None:
    if case.first_response_at is None:
        return None
    calendar = sla_policy.active().terms(case.category, case.severity).calendar
    return calendar.between(case.created_at, case.first_response_at)


def _in_zones(zones: set[int] | None, column):  # type: ignore[no-untyped-def]
    """A WHERE clause keeping rows of the actor's zones (none for admins: everything)."""
    return True if zones is None else column.in_(zones)


async def workload(
    session: AsyncSession,
    *,
    actor: User,
    now: datetime,
    tz: str | None = None,
    window_days: int = 30,
) -> list[RepLoad]:
    """Every representative the actor may see (admins: all; others: those sharing a zone),
    busiest first."""
    zone = time_zone(tz)
    zones = await staff_zone_ids(session, user=actor)
    today = now.astimezone(zone).date()
    day_start = _local_midnight(today, zone)
    week_start = _local_midnight(_monday(today), zone)
    people = select(User).where(User.role.in_(REPRESENTATIVES))
    if zones is not None:
        people = people.where(
            User.id.in_(select(ZoneStaff.user_id).where(ZoneStaff.zone_id.in_(zones)))
        )
    reps = {u.id: u for u in (await session.execute(people)).scalars()}
    if not reps:
        return []
    open_cases: dict[int, int] = defaultdict(int)
    for (assignee,) in await session.execute(
        select(Case.assignee_id).where(Case.assignee_id.in_(reps), Case.status.in_(states.OPEN))
    ):
        open_cases[assignee] += 1
    taken_today: dict[int, int] = defaultdict(int)
    answers: dict[int, list[float]] = defaultdict(list)
    claims = await session.execute(
        select(CaseEvent.actor_id, CaseEvent.created_at, Case)
        .join(Case, Case.id == CaseEvent.case_id)
        .where(
            CaseEvent.kind == "claimed",
            CaseEvent.actor_id.in_(reps),
            CaseEvent.created_at >= min(day_start, now - timedelta(days=window_days)),
        )
    )
    for who, at, case in claims.all():
        if at >= day_start:
            taken_today[who] += 1
        took = _first_answer_minutes(case)
        if took is not None and at >= now - timedelta(days=window_days):
            answers[who].append(took)
    broken: dict[int, set[tuple[int, datetime]]] = defaultdict(set)
    fired = await session.execute(
        select(Case.assignee_id, Escalation.case_id, Escalation.due_at)
        .join(Case, Case.id == Escalation.case_id)
        .where(Case.assignee_id.in_(reps), Escalation.fired_at >= week_start)
    )
    for assignee, case_id, due in fired.all():
        broken[assignee].add((case_id, due))
    loads = [
        RepLoad(
            user_id=uid,
            name=user.display_name,
            open_cases=open_cases[uid],
            taken_today=taken_today[uid],
            median_first_answer=median(answers[uid]) if answers[uid] else None,
            breaches_this_week=len(broken[uid]),
        )
        for uid, user in reps.items()
    ]
    return sorted(loads, key=lambda r: (-r.open_cases, -r.taken_today, r.name))


async def cases_per_day(
    session: AsyncSession, *, actor: User, now: datetime, tz: str | None = None, days: int = 14
) -> Series:
    """Cases reported and cases resolved on each of the last `days` local days (today last).
    Merged cases are left out: they were counted in the case they joined."""
    zone = time_zone(tz)
    zones = await staff_zone_ids(session, user=actor)
    today = now.astimezone(zone).date()
    first = today - timedelta(days=days - 1)
    since = _local_midnight(first, zone)
    rows = await session.execute(
        select(Case.created_at, Case.resolved_at).where(
            _in_zones(zones, Case.zone_id),
            Case.merged_into_id.is_(None),
            or_(Case.created_at >= since, Case.resolved_at >= since),
        )
    )
    labels = [first + timedelta(days=i) for i in range(days)]
    new = dict.fromkeys(labels, 0)
    resolved = dict.fromkeys(labels, 0)
    for created, done in rows.all():
        if (d := created.astimezone(zone).date()) in new:
            new[d] += 1
        if done is not None and (d := done.astimezone(zone).date()) in resolved:
            resolved[d] += 1
    return Series(
        [d.isoformat() for d in labels],
        {"new": [new[d] for d in labels], "resolved": [resolved[d] for d in labels]},
    )


async def answers_per_week(
    session: AsyncSession, *, actor: User, now: datetime, tz: str | None = None, weeks: int = 8
) -> Series:
    """Per ISO week (by the week a case was reported, this week last): the median first answer
    in working minutes, and the SLA breach rate in percent — the share of cases with a
    first-answer promise that was answered late or is past it unanswered."""
    zone = time_zone(tz)
    zones = await staff_zone_ids(session, user=actor)
    this_monday = _monday(now.astimezone(zone).date())
    mondays = [this_monday - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]
    rows = await session.execute(
        select(Case).where(
            _in_zones(zones, Case.zone_id),
            Case.merged_into_id.is_(None),
            Case.created_at >= _local_midnight(mondays[0], zone),
        )
    )
    took: dict[date, list[float]] = defaultdict(list)
    promised: dict[date, int] = defaultdict(int)
    late: dict[date, int] = defaultdict(int)
    for case in rows.scalars():
        week = _monday(case.created_at.astimezone(zone).date())
        if (minutes := _first_answer_minutes(case)) is not None:
            took[week].append(minutes)
        if (due := case.first_response_due_at) is not None:
            promised[week] += 1
            answered = case.first_response_at
            late[week] += (answered or now) > due
    return Series(
        [f"{m.isocalendar()[0]}-W{m.isocalendar()[1]:02d}" for m in mondays],
        {
            "median_first_answer": [
                round(median(took[m]), 1) if took[m] else None for m in mondays
            ],
            "breach_rate": [
                round(100 * late[m] / promised[m], 1) if promised[m] else None for m in mondays
            ],
        },
    )


def _month(day: date, back: int) -> date:
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


async def wages_per_month(
    session: AsyncSession, *, actor: User, now: datetime, tz: str | None = None, months: int = 6
) -> Series:
    """Wages claimed (by the month the claim was filed) and recovered (by the month recovered),
    in yuan, for the last `months` months (this month last)."""
    zone = time_zone(tz)
    zones = await staff_zone_ids(session, user=actor)
    today = now.astimezone(zone).date()
    labels = [_month(today, back) for back in range(months - 1, -1, -1)]
    since = _local_midnight(labels[0], zone)
    rows = await session.execute(
        select(
            WageClaim.created_at,
            WageClaim.amount_fen,
            WageClaim.recovered_on,
            WageClaim.recovered_fen,
        ).where(
            _in_zones(zones, WageClaim.zone_id),
            or_(WageClaim.created_at >= since, WageClaim.recovered_on >= labels[0]),
        )
    )
    claimed = dict.fromkeys(labels, 0)
    recovered = dict.fromkeys(labels, 0)
    for created, amount, recovered_on, recovered_fen in rows.all():
        if (m := created.astimezone(zone).date().replace(day=1)) in claimed:
            claimed[m] += amount
        if recovered_on is not None and (m := recovered_on.replace(day=1)) in recovered:
            recovered[m] += recovered_fen
    return Series(
        [m.strftime("%Y-%m") for m in labels],
        {
            "claimed": [claimed[m] / 100 for m in labels],
            "recovered": [recovered[m] / 100 for m in labels],
        },
    )


async def members_per_week(
    session: AsyncSession, *, actor: User, now: datetime, tz: str | None = None, weeks: int = 8
) -> Series:
    """Members who joined (application approved) in each ISO week, this week last; those who
    left since still count in the week they joined."""
    zone = time_zone(tz)
    zones = await staff_zone_ids(session, user=actor)
    this_monday = _monday(now.astimezone(zone).date())
    mondays = [this_monday - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]
    rows = await session.execute(
        select(Membership.joined_at).where(
            _in_zones(zones, Membership.zone_id),
            Membership.joined_at >= _local_midnight(mondays[0], zone),
        )
    )
    joined = dict.fromkeys(mondays, 0)
    for (at,) in rows.all():
        if (week := _monday(at.astimezone(zone).date())) in joined:
            joined[week] += 1
    return Series(
        [f"{m.isocalendar()[0]}-W{m.isocalendar()[1]:02d}" for m in mondays],
        {"joined": [joined[m] for m in mondays]},
    )
