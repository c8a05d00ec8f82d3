"""The admins' daily digest: what is open, what is overdue, what was escalated yesterday.

Sent at the policy's local time, or at the first sweep after it (a desk down at 09:00 still
sends that day's digest when it comes back); one row per local day makes it once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, Escalation, EscalationDigest, Role, User
from services.escalation import policy as sla_policy
from services.escalation.notices import insert_once, overdue_text
from services.escalation.plan import OPEN
from services.local_time import time_zone
from services.outbox import notify
from services.texts import Raw, text

LISTED = 10  # the most overdue cases named in the digest


async def send_daily_digest(session: AsyncSession, *, now: datetime, tz: str | None = None) -> bool:
    """The digest for today's local date, if its time has come and it has not gone out yet."""
    local = now.astimezone(time_zone(tz))
    if local.time() < sla_policy.active().digest_time:
        return False
    if not await insert_once(session, EscalationDigest(day=local.date(), sent_at=now)):
        return False
    open_cases = await session.scalar(
        select(func.count()).select_from(Case).where(Case.status.in_(OPEN))
    )
    overdue_q = select(Case).where(
        Case.status.in_(OPEN),
        Case.first_response_at.is_(None),
        Case.first_response_due_at < now,
    )
    overdue = list(
        (await session.execute(overdue_q.order_by(Case.first_response_due_at))).scalars()
    )
    escalated = await session.scalar(
        select(func.count())
        .select_from(Escalation)
        .where(Escalation.fired_at >= now - timedelta(days=1))
    )
    if not open_cases and not escalated:
        return True  # nothing to say (a first start, a quiet desk): the day is done, unsent
    admins = (await session.execute(select(User).where(User.role == Role.admin))).scalars()
    for admin in admins:
        lang = admin.language
        lines = [
            text(lang, "escalation.digest_line", ref=case.ref, late=overdue_text(lang, late))
            for case, late in _lateness(overdue[:LISTED], now)
        ]
        await notify(
            session,
            user=admin,
            key="escalation.digest",
            day=local.date().isoformat(),
            open=open_cases or 0,
            overdue=len(overdue),
            escalated=escalated or 0,
            lines=Raw("\n".join(lines) or text(lang, "escalation.digest_none")),
        )
    return True


def _lateness(cases: list[Case], now: datetime) -> list[tuple[Case, float]]:
    """Each case with the minutes since its first answer was due."""
    return [
        (case, (now - case.first_response_due_at).total_seconds() / 60)
        for case in cases
        if case.first_response_due_at is not None
    ]
