"""Ask the union: a message a rider writes outside any form, sent to their zone's representatives.

It becomes a `question` case, so it is answered from the queue like any case, with the same
deadline, escalation ladder and history; or, if the rider picks one, it is added to one of their
open cases. Anyone may ask (joining questions come from people who have not joined yet): the
zone is the member's, else the applicant's, else none, which the admins answer.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, User
from models.membership import Membership
from models.types import utcnow
from services.cases import states
from services.cases.categories import category
from services.cases.events import record
from services.cases.formatting import MAX_TEXT, excerpt
from services.cases.reporting import _announce as announce_new_case
from services.cases.reporting import next_ref, store_new
from services.errors import Invalid

QUESTION = "question"
MAX_QUESTION = MAX_TEXT  # as long as a report's description may be


def check_question(body: str) -> str:
    """The question as it will be sent, or a refusal saying the limit."""
    body = body.strip()
    if not body:
        raise Invalid("empty_description")
    if len(body) > MAX_QUESTION:
        raise Invalid("question_too_long", limit=MAX_QUESTION, length=len(body))
    return body


async def _zone_of(session: AsyncSession, *, user: User) -> int | None:
    """The zone of the rider's latest membership or application, if any."""
    return await session.scalar(
        select(Membership.zone_id)
        .where(Membership.user_id == user.id)
        .order_by(Membership.id.desc())
        .limit(1)
    )


async def open_cases(session: AsyncSession, *, user: User, limit: int = 3) -> list[Case]:
    """The rider's own cases a message could be added to, most recently changed first."""
    rows = await session.execute(
        select(Case)
        .where(Case.rider_id == user.id, Case.status.in_(states.OPEN))
        .order_by(Case.updated_at.desc(), Case.id.desc())
        .limit(limit)
    )
    return list(rows.scalars())


async def ask_union(
    session: AsyncSession, *, user: User, question: str, anonymous: bool, tz: str | None = None
) -> Case:
    """A new `question` case from the rider's words, announced like a report."""
    body = check_question(question)
    cat = category(QUESTION)
    now = utcnow()
    case = Case(
        ref=await next_ref(session, year=now.year),
        rider_id=user.id,
        zone_id=await _zone_of(session, user=user),
        category=cat.code,
        severity=cat.severity,
        summary=body,
        anonymous=anonymous,
        created_at=now,
        updated_at=now,
    )
    await store_new(session, case)
    await record(
        session,
        case,
        actor=user,
        kind="reported",
        public=True,
        at=now,
        severity=cat.severity.value,
        text=excerpt(body, 600),
    )
    await announce_new_case(session, case, reporter=user, tz=tz)
    return case
