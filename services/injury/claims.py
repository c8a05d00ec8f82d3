"""Opening an injury claim on an accident case, and reading one (its rider, or the
representatives of its zone) with its stages and deadlines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, User, Zone
from models.injury import InjuryClaim, InjuryScheme, InjuryStage, InjuryStageMark
from models.types import utcnow
from services.cases.access import case_for_staff, is_staff
from services.cases.events import record
from services.claims.progress import _take_on
from services.errors import Conflict, Invalid, NotFound
from services.injury import notices
from services.injury.rules import StageRow, next_deadline, stage_rows
from services.injury.steps import CitySteps, by_city, for_zone
from services.local_time import time_zone

CATEGORY = "accident"
INJURY_LIMIT = 1000
HOSPITAL_LIMIT = 128


@dataclass(frozen=True)
class ClaimView:
    claim: InjuryClaim
    case: Case
    steps: CitySteps
    marks: list[InjuryStageMark]
    rows: list[StageRow]
    next: tuple[InjuryStage, date] | None


async def claim_of_case(session: AsyncSession, *, case_id: int) -> InjuryClaim | None:
    return await session.scalar(select(InjuryClaim).where(InjuryClaim.case_id == case_id))


async def get_claim(session: AsyncSession, *, claim_id: int) -> tuple[InjuryClaim, Case]:
    claim = await session.get(InjuryClaim, claim_id)
    if claim is None:
        raise NotFound("injury_claim_not_found")
    case = await session.get(Case, claim.case_id)
    assert case is not None
    return claim, case


async def claim_for(
    session: AsyncSession, *, claim_id: int, user: User
) -> tuple[InjuryClaim, Case]:
    """The rider's own claim, or any claim of a representative's zones."""
    claim, case = await get_claim(session, claim_id=claim_id)
    if claim.rider_id == user.id:
        return claim, case
    if not is_staff(user):
        raise NotFound("injury_claim_not_found")  # do not confirm someone else's claim exists
    await case_for_staff(session, case_id=case.id, actor=user)  # type: ignore[arg-type]
    return claim, case


async def claim_for_staff(
    session: AsyncSession, *, claim_id: int, actor: User
) -> tuple[InjuryClaim, Case]:
    claim, case = await get_claim(session, claim_id=claim_id)
    await case_for_staff(session, case_id=case.id, actor=actor)  # type: ignore[arg-type]
    return claim, case


async def my_claims(session: AsyncSession, *, user: User) -> list[InjuryClaim]:
    rows = await session.execute(
        select(InjuryClaim).where(InjuryClaim.rider_id == user.id).order_by(InjuryClaim.id)
    )
    return list(rows.scalars())


async def marks_of(session: AsyncSession, *, claim: InjuryClaim) -> list[InjuryStageMark]:
    rows = await session.execute(
        select(InjuryStageMark)
        .where(InjuryStageMark.claim_id == claim.id)
        .order_by(InjuryStageMark.id)
    )
    return list(rows.scalars())


async def view_of(session: AsyncSession, *, claim: InjuryClaim, case: Case) -> ClaimView:
    marks = await marks_of(session, claim=claim)
    steps = by_city(claim.city)
    rows = stage_rows(
        plan=steps.plan(claim.scheme),
        accident_on=claim.accident_on,
        reached={m.stage: m.on for m in marks},
    )
    return ClaimView(claim, case, steps, marks, rows, next_deadline(stage=claim.stage, rows=rows))


async def recompute_due(session: AsyncSession, *, claim: InjuryClaim, case: Case) -> ClaimView:
    view = await view_of(session, claim=claim, case=case)
    claim.due_stage = view.next[0].value if view.next else None
    claim.due_on = view.next[1] if view.next else None
    claim.updated_at = utcnow()
    await session.flush()
    return view


def check_texts(*, injury: str, hospital: str) -> tuple[str, str]:
    injury, hospital = injury.strip(), hospital.strip()
    if len(injury) > INJURY_LIMIT:
        raise Invalid("injury_text_too_long", limit=INJURY_LIMIT)
    if len(hospital) > HOSPITAL_LIMIT:
        raise Invalid("injury_text_too_long", limit=HOSPITAL_LIMIT)
    return injury, hospital


async def open_claim(
    session: AsyncSession,
    *,
    case_id: int,
    actor: User,
    today: date,
    scheme: InjuryScheme | None = None,
    accident_on: date | None = None,
    injury: str = "",
    hospital: str = "",
    tz: str | None = None,
) -> ClaimView:
    """A representative of the case's zone opens the injury claim of an accident case: the
    city's plan applies, the accident day defaults to the day it was reported, and the
    rider is told which scheme and what comes first."""
    case = await case_for_staff(session, case_id=case_id, actor=actor)
    if case.category != CATEGORY:
        raise Invalid("not_an_accident", ref=case.ref)
    if await claim_of_case(session, case_id=case_id) is not None:
        raise Conflict("injury_claim_exists", ref=case.ref)
    if case.rider_id is None:
        raise Invalid("not_an_accident", ref=case.ref)
    injury, hospital = check_texts(injury=injury, hospital=hospital)
    reported_on = case.created_at.astimezone(time_zone(tz)).date()
    accident_on = accident_on or reported_on
    if accident_on > today:
        raise Invalid("date_in_future", typed=accident_on.isoformat(), today=today.isoformat())
    if accident_on.year < 2000:
        raise Invalid("date_too_old", typed=accident_on.isoformat())
    if accident_on > reported_on:
        raise Invalid("injury_after_report", reported=reported_on.isoformat())
    zone = await session.get(Zone, case.zone_id) if case.zone_id else None
    steps = for_zone(zone.code if zone else None)
    claim = InjuryClaim(
        case_id=case_id,
        rider_id=case.rider_id,
        zone_id=case.zone_id,
        city=steps.city,
        scheme=scheme or steps.scheme,
        accident_on=accident_on,
        injury=injury,
        hospital=hospital,
        stage=InjuryStage.opened,
        stage_on=today,
        created_by_id=actor.id,
    )
    session.add(claim)
    await session.flush()
    session.add(
        InjuryStageMark(claim_id=claim.id, stage=InjuryStage.opened, on=today, actor_id=actor.id)  # type: ignore[arg-type]
    )
    await _take_on(session, case, actor)
    view = await recompute_due(session, claim=claim, case=case)
    await record(
        session,
        case,
        actor=actor,
        kind="injury_opened",
        public=True,
        notice=False,
        scheme=claim.scheme.value,
        accident_on=accident_on.isoformat(),
        text=accident_on.isoformat(),
        label=f"accident.scheme.{claim.scheme.value}",
    )
    await notices.tell_rider_opened(session, view=view)
    return view
