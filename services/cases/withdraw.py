"""A rider withdraws a report they no longer need help with. Before anyone answered, it closes
at once as withdrawn; once a representative is on it, they are asked to close it (the rider's
wish is on record, the representative decides), so no work in progress disappears."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, CaseStatus, User
from models.types import utcnow
from services.cases.access import case_for_rider
from services.cases.events import move, record, tell_staff
from services.cases.states import OPEN
from services.errors import Conflict, Forbidden
from services.escalation.plan import reschedule


@dataclass(frozen=True)
class Withdrawal:
    case: Case
    closed: bool  # closed at once; else the representative was asked


async def withdraw(session: AsyncSession, *, case_id: int, user: User) -> Withdrawal:
    case = await case_for_rider(session, case_id=case_id, user=user)
    if case.rider_id != user.id:
        raise Forbidden("not_your_case")
    if case.status not in OPEN:
        raise Conflict("case_closed", ref=case.ref)
    if case.status is CaseStatus.new and case.first_response_at is None:
        await move(session, case, CaseStatus.closed, actor=user)
        await reschedule(session, case=case, now=utcnow())  # nothing left to escalate
        await record(session, case, actor=user, kind="withdrawn", public=True)
        await tell_staff(session, case, key="chat.staff_withdrawn")
        return Withdrawal(case, closed=True)
    await record(session, case, actor=user, kind="withdraw_asked", public=True)
    await tell_staff(session, case, key="chat.staff_withdraw_asked")
    return Withdrawal(case, closed=False)
