"""Case events and who hears of them: the one way a case changes on record."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, CaseEvent, CaseStatus, Role, User, ZoneStaff
from models.types import utcnow
from services.actions import Act, Action
from services.cases import cards as case_cards
from services.cases import states
from services.cases.access import rider_sees_event
from services.cases.cards import staff_actions
from services.cases.formatting import event_values
from services.outbox import notify
from services.texts import Raw, text

S = CaseStatus
# Events of a rider that change the status every follower of the case should know of.
STATUS_EVENTS = frozenset({"confirmed", "reopened"})


async def record(
    session: AsyncSession,
    case: Case,
    *,
    actor: User | None,
    kind: str,
    public: bool,
    notice: bool = True,
    at: datetime | None = None,
    **payload: Any,
) -> CaseEvent:
    """The one way a case changes on record. A public event reaches the case's riders.
    `at`: when it happened, if not now (a new case's events share its creation time, so its
    row just inserted is not updated again for a few microseconds)."""
    at = at or utcnow()
    event = CaseEvent(
        case_id=case.id,  # type: ignore[arg-type]
        actor_id=actor.id if actor else None,
        kind=kind,
        public=public,
        payload=payload,
        created_at=at,
    )
    session.add(event)
    case.updated_at = at
    await session.flush()
    if public and notice:
        await _tell_riders(session, case, event, actor=actor)
    if kind in case_cards.CARD_KINDS:
        await case_cards.refresh(session, case=case)
    return event


async def followers(session: AsyncSession, case: Case) -> list[User]:
    """The case's reporter and the reporters of cases merged into it."""
    ids = {case.rider_id} | set(
        (
            await session.execute(select(Case.rider_id).where(Case.merged_into_id == case.id))
        ).scalars()
    )
    ids.discard(None)
    if not ids:
        return []
    return list((await session.execute(select(User).where(User.id.in_(ids)))).scalars())


def _rider_actions(case: Case, *, own: bool) -> list[list[Action]]:
    rows = [[Action(Act.SEE_MY_CASE, case.id)]]
    if not own:  # a follower through a merge answers nothing on a case not theirs
        return rows
    if case.status is S.waiting_for_rider:
        rows.insert(0, [Action(Act.ANSWER_CASE, case.id)])
    if case.status is S.resolved:
        rows.insert(0, [Action(Act.CONFIRM_FIXED, case.id), Action(Act.NOT_FIXED, case.id)])
    return rows


async def _tell_riders(
    session: AsyncSession, case: Case, event: CaseEvent, *, actor: User | None
) -> None:
    for rider in await followers(session, case):
        if actor is not None and rider.id == actor.id:
            continue
        lang = rider.language
        if rider_sees_event(actor=actor, viewer=rider):
            what = text(lang, f"cases.event.{event.kind}", **event_values(lang, event))
        elif event.kind in STATUS_EVENTS:
            # Another rider's own event on a merged case: only the status it led to.
            what = text(
                lang, "cases.event.status", status=text(lang, f"cases.status.{case.status.value}")
            )
        else:
            continue
        await notify(
            session,
            user=rider,
            key="cases.notice",
            actions=_rider_actions(case, own=rider.id == case.rider_id),
            ref=case.ref,
            what=Raw(what),
            status=text(lang, f"cases.status.{case.status.value}"),
        )


async def tell_staff(
    session: AsyncSession, case: Case, *, key: str, exclude: User | None = None, **values: object
) -> None:
    """An internal notice: to the assignee, or to the zone's on-duty representatives."""
    if case.assignee_id is not None:
        targets = [await session.get(User, case.assignee_id)]
    else:
        targets = await on_duty_staff(session, zone_id=case.zone_id)
    for rep in targets:
        if rep is None or (exclude is not None and rep.id == exclude.id):
            continue
        await notify(
            session,
            user=rep,
            key=key,
            actions=staff_actions(case, claim=False),
            ref=case.ref,
            **values,
        )


async def on_duty_staff(session: AsyncSession, *, zone_id: int | None) -> list[User]:
    if zone_id is None:
        query = select(User).where(User.role == Role.admin)
    else:
        query = (
            select(User)
            .join(ZoneStaff, ZoneStaff.user_id == User.id)
            .where(ZoneStaff.zone_id == zone_id, ZoneStaff.on_duty.is_(True))
        )
    return list((await session.execute(query.order_by(User.id))).scalars())


async def move(session: AsyncSession, case: Case, target: S, *, actor: User | None) -> None:
    states.check_move(case.status, target)
    case.status = target
    await record(session, case, actor=actor, kind="status", public=False, status=target.value)
