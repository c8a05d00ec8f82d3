"""What riders and representatives are told about accidents: the steps right after an
accident report, and each change of the injury claim. All through the outbox."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, User, Zone
from models.types import utcnow
from services.actions import Act, Action, Rows
from services.cases.events import on_duty_staff
from services.injury.steps import CitySteps, for_zone, steps_text
from services.membership.members import active_membership
from services.outbox import enqueue, notify, rendered
from services.texts import Raw, text

if TYPE_CHECKING:
    from services.injury.claims import ClaimView

# The steps follow the answer to the report itself, which the rider reads first.
STEPS_DELAY = timedelta(seconds=2)


def steps_actions(case: Case | None) -> Rows:
    row = [Action(Act.ACCIDENT_STEPS)]
    if case is not None:
        row.append(Action(Act.SEE_MY_CASE, case.id))
    return [row]


def claim_actions(case: Case) -> Rows:
    return [[Action(Act.OPEN_INJURY_CLAIM, case.id), Action(Act.ACCIDENT_STEPS)]]


async def steps_city(session: AsyncSession, *, user: User) -> CitySteps:
    """The steps of the city the person rides in (their membership's zone); the general ones
    for anyone else."""
    membership = await active_membership(session, user_id=user.id)  # type: ignore[arg-type]
    zone = (
        await session.get(Zone, membership.zone_id) if membership and membership.zone_id else None
    )
    return for_zone(zone.code if zone else None)


async def steps_message(session: AsyncSession, *, user: User, lang: str) -> str:
    """The steps of the rider's city, in their language."""
    return steps_text(lang, await steps_city(session, user=user))


async def send_steps_after_report(session: AsyncSession, *, case: Case, rider: User) -> None:
    """Right after an accident report: the steps of the city where it happened."""
    if rider.telegram_id is None:
        return
    zone = await session.get(Zone, case.zone_id) if case.zone_id else None
    steps = for_zone(zone.code if zone else None)
    payload = rendered(
        rider.language,
        "accident.steps_notice",
        actions=steps_actions(case),
        ref=case.ref,
        steps=Raw(steps_text(rider.language, steps)),
    )
    await enqueue(
        session,
        chat_id=rider.telegram_id,
        user_id=rider.id,
        payload=payload,
        not_before=utcnow() + STEPS_DELAY,
    )


def next_line(lang: str, view: ClaimView) -> Raw:
    if view.next is None:
        return Raw("")
    stage, due = view.next
    return Raw(
        text(
            lang,
            "accident.next_due",
            stage=text(lang, f"accident.stage.{stage.value}"),
            due=due.isoformat(),
        )
    )


async def tell_rider_opened(session: AsyncSession, *, view: ClaimView) -> None:
    rider = await session.get(User, view.claim.rider_id)
    if rider is None:
        return
    lang = rider.language
    await notify(
        session,
        user=rider,
        key="accident.notice_opened",
        actions=claim_actions(view.case),
        ref=view.case.ref,
        scheme=text(lang, f"accident.scheme.{view.claim.scheme.value}"),
        accident=view.claim.accident_on.isoformat(),
        next=next_line(lang, view),
    )


async def tell_rider_stage(session: AsyncSession, *, view: ClaimView, note: str) -> None:
    rider = await session.get(User, view.claim.rider_id)
    if rider is None:
        return
    lang, stage = rider.language, view.claim.stage.value
    await notify(
        session,
        user=rider,
        key="accident.notice_stage",
        actions=claim_actions(view.case),
        ref=view.case.ref,
        stage=text(lang, f"accident.stage.{stage}"),
        meaning=text(lang, f"accident.stage_means.{stage}"),
        on=view.claim.stage_on.isoformat(),
        note=note.strip() or "—",
        next=next_line(lang, view),
    )


async def staff_of(session: AsyncSession, *, case: Case) -> list[User]:
    """Whoever has the case; nobody yet: the zone's representatives on duty."""
    if case.assignee_id is not None:
        rep = await session.get(User, case.assignee_id)
        return [rep] if rep is not None else []
    return await on_duty_staff(session, zone_id=case.zone_id)


async def tell_reminder(session: AsyncSession, *, view: ClaimView, stage: str, days: int) -> None:
    """A deadline is near: the rider and the representative each hear of it once."""
    due = view.claim.due_on.isoformat() if view.claim.due_on else "—"
    rider = await session.get(User, view.claim.rider_id)
    people = [(rider, "accident.reminder_rider")] if rider is not None else []
    people += [(rep, "accident.reminder_staff") for rep in await staff_of(session, case=view.case)]
    for person, key in people:
        await notify(
            session,
            user=person,
            key=key,
            actions=claim_actions(view.case),
            ref=view.case.ref,
            stage=text(person.language, f"accident.stage.{stage}"),
            due=due,
            days=days,
        )
