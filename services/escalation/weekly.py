"""The admins' weekly summary: the last week (Monday to Sunday, local) in numbers, by zone.

Sent on Monday at the digest's local time, or at the first sweep after it: a desk down then
sends it when it comes back, any day of that ISO week (not later: by the next Monday the next
summary is due, and a stale one is left unsent). One row per week summarised makes it once.
Counts of the week are by the cases' times in it; "still open" and "overdue now" are as of
sending. The first answer's time is working minutes of each case's category calendar (what its
promise is counted in), so a case reported on Friday evening and answered Monday 09:30 took
30 minutes under office hours, and clock minutes under a 24/7 calendar.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from statistics import median

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, Escalation, Role, User, Zone
from models.escalation import EscalationWeekly
from services.escalation import policy as sla_policy
from services.escalation.notices import insert_once, overdue_text
from services.escalation.plan import OPEN
from services.local_time import time_zone
from services.outbox import notify
from services.texts import Raw, text


@dataclass
class Tally:
    opened: int = 0
    resolved: int = 0
    still_open: int = 0
    overdue: int = 0
    escalated: int = 0
    first_answers: list[float] = field(default_factory=list)  # working minutes

    @property
    def median_minutes(self) -> float | None:
        return median(self.first_answers) if self.first_answers else None

    def __bool__(self) -> bool:  # anything to say about this zone
        return any((self.opened, self.resolved, self.still_open, self.overdue, self.escalated))


@dataclass
class WeekSummary:
    week: date  # its Monday
    total: Tally = field(default_factory=Tally)
    levels: Counter[int] = field(default_factory=Counter)  # escalations fired by level
    zones: dict[int | None, Tally] = field(default_factory=lambda: defaultdict(Tally))


def week_due(now: datetime, *, tz: str, at: time) -> date | None:
    """The Monday of the week whose summary is due at `now`: the week before this ISO week,
    from this Monday at `at` (local); before that, none."""
    local = now.astimezone(time_zone(tz))
    monday = local.date() - timedelta(days=local.weekday())
    if local.replace(tzinfo=None) < datetime.combine(monday, at):
        return None
    return monday - timedelta(days=7)


async def summarise_week(
    session: AsyncSession, *, week: date, now: datetime, tz: str | None = None
) -> WeekSummary:
    """The numbers of the week that began on Monday `week` (local)."""
    zone = time_zone(tz)
    start = datetime.combine(week, time(0), zone).astimezone(UTC)
    end = datetime.combine(week + timedelta(days=7), time(0), zone).astimezone(UTC)
    policy = sla_policy.active()
    summary = WeekSummary(week)

    def count(zone_id: int | None) -> list[Tally]:
        return [summary.total, summary.zones[zone_id]]

    opened = and_(Case.created_at >= start, Case.created_at < end)
    resolved = and_(Case.resolved_at >= start, Case.resolved_at < end)
    overdue = and_(
        Case.status.in_(OPEN), Case.first_response_at.is_(None), Case.first_response_due_at < now
    )
    rows = await session.execute(select(Case).where(or_(opened, resolved, overdue)))
    for case in rows.scalars():
        tallies = count(case.zone_id)
        for tally in tallies:
            if start <= case.created_at < end:
                tally.opened += 1
                tally.still_open += case.status in OPEN
            if case.resolved_at is not None and start <= case.resolved_at < end:
                tally.resolved += 1
            if (
                case.status in OPEN
                and case.first_response_at is None
                and case.first_response_due_at is not None
                and case.first_response_due_at < now
            ):
                tally.overdue += 1
        if start <= case.created_at < end and case.first_response_at is not None:
            calendar = policy.terms(case.category, case.severity).calendar
            took = calendar.between(case.created_at, case.first_response_at)
            for tally in tallies:
                tally.first_answers.append(took)
    fired = await session.execute(
        select(Escalation.level, Case.zone_id)
        .join(Case, Case.id == Escalation.case_id)
        .where(Escalation.fired_at >= start, Escalation.fired_at < end)
    )
    for level, zone_id in fired.all():
        summary.levels[level] += 1
        for tally in count(zone_id):
            tally.escalated += 1
    return summary


async def send_weekly_summary(
    session: AsyncSession, *, now: datetime, tz: str | None = None
) -> bool:
    """The summary of the last whole week, if it has not gone out yet. Its row is inserted
    first, in the same transaction as the messages: two schedulers racing send one."""
    week = week_due(now, tz=tz, at=sla_policy.active().digest_time)
    if week is None or not await insert_once(session, EscalationWeekly(week=week, sent_at=now)):
        return False
    summary = await summarise_week(session, week=week, now=now, tz=tz)
    if not summary.total and not summary.levels and not await _ever_used(session):
        return True  # a first start, no case ever: nothing to say; the week is marked done
    zones = {
        z.id: z
        for z in (await session.execute(select(Zone).where(Zone.id.in_(summary.zones)))).scalars()
    }
    order = sorted(summary.zones, key=lambda z: (z is None, zones[z].code if z in zones else ""))
    admins = (await session.execute(select(User).where(User.role == Role.admin))).scalars()
    for admin in admins:
        lang = admin.language
        levels = " · ".join(
            text(lang, "escalation.weekly_level", level=level, count=n)
            for level, n in sorted(summary.levels.items())
        )
        lines = [
            text(
                lang,
                "escalation.weekly_zone",
                zone=_zone_name(lang, zones.get(z)),
                **_numbers(lang, summary.zones[z]),
            )
            for z in order
            if summary.zones[z]
        ]
        year, number, _ = week.isocalendar()
        await notify(
            session,
            user=admin,
            key="escalation.weekly",
            week=f"{year}-W{number:02d}",
            start=week.isoformat(),
            end=(week + timedelta(days=6)).isoformat(),
            levels=Raw(levels or text(lang, "escalation.weekly_none")),
            zones=Raw("\n".join(lines) or text(lang, "escalation.weekly_quiet")),
            **_numbers(lang, summary.total),
        )
    return True


async def _ever_used(session: AsyncSession) -> bool:
    """Whether any case was ever reported: a quiet week of a desk in use is worth saying."""
    return await session.scalar(select(Case.id).limit(1)) is not None


def _zone_name(lang: str, zone: Zone | None) -> str:
    if zone is None:
        return text(lang, "escalation.weekly_no_zone")
    return zone.name_en if lang == "en" else zone.name_zh


def _numbers(lang: str, tally: Tally) -> dict[str, object]:
    took = tally.median_minutes
    return {
        "opened": tally.opened,
        "resolved": tally.resolved,
        "still_open": tally.still_open,
        "overdue": tally.overdue,
        "escalated": tally.escalated,
        "median": overdue_text(lang, took) if took is not None else "—",
    }
