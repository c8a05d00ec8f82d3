"""What a rider reads of a case or a wage claim, field by field: the one place that decides.

The API's answers and the chat's case card are built from these views and nothing else, so a
field a rider must not read cannot reach them by another road.

A case the rider reported (their own) they read in full, minus other riders: its public
history without other riders' own events (`case_access.rider_sees_event`) and only the files
they sent themselves (`case_access.rider_sees_attachment`).

A case the rider *follows* because staff merged their report into it (the master case) was
reported by someone else. Of it the rider reads exactly:

- what is theirs, taken from their own report merged into it (the latest, if several were):
  summary, place, lat/lon, category, anonymous, created_at, rating and rating comment;
- what the desk tells every follower, taken from the master case: id and ref (to follow it),
  status, severity, updated_at, first_response_due_at, resolved_at, merged_into_id;
- its public history without the other riders' own events (their words, their rating, their
  confirmation), and none of the other riders' files.

Never the master's reporter's summary, place, coordinates, category, rating or comment.

A wage claim has a single rider: they (and the representatives of its zone) read every field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, CaseEvent, User
from models.cases import CaseAttachment
from models.claims import WageClaim
from services.cases import rider_actions, triage
from services.claims.deadline import Deadline
from services.claims.filing import deadline_of
from services.claims.progress import outcome_of
from services.errors import NotFound


@dataclass(frozen=True)
class CaseView:
    id: int
    ref: str
    category: str
    severity: str
    status: str
    summary: str
    place: str | None
    lat: float | None
    lon: float | None
    anonymous: bool
    created_at: datetime
    updated_at: datetime
    first_response_due_at: datetime | None
    resolved_at: datetime | None
    merged_into_id: int | None
    rating: int | None
    rating_comment: str | None
    own: bool  # the viewer reported this case (False: they follow it through a merge)
    history: list[tuple[CaseEvent, User | None]] = field(default_factory=list)
    attachments: list[CaseAttachment] = field(default_factory=list)


async def _followed_through(session: AsyncSession, *, case: Case, viewer: User) -> Case:
    """The viewer's own report merged into `case` (the latest, if several were)."""
    mine = await session.scalar(
        select(Case)
        .where(Case.merged_into_id == case.id, Case.rider_id == viewer.id)
        .order_by(Case.id.desc())
        .limit(1)
    )
    if mine is None:  # not theirs and not followed: as if it did not exist
        raise NotFound("case_not_found")
    return mine


async def case_view(
    session: AsyncSession, *, case: Case, viewer: User, full: bool = False
) -> CaseView:
    """The case as `viewer` (a rider) may read it; with `full`, also its history and files.
    Raises NotFound for a case that is neither theirs nor followed by them."""
    own = case.rider_id == viewer.id
    theirs = case if own else await _followed_through(session, case=case, viewer=viewer)
    history = await rider_actions.rider_history(session, case=case, viewer=viewer) if full else []
    files = await triage.rider_attachments(session, case=case, viewer=viewer) if full else []
    return CaseView(
        id=case.id,  # type: ignore[arg-type]
        ref=case.ref,
        category=theirs.category,
        severity=case.severity.value,
        status=case.status.value,
        summary=theirs.summary,
        place=theirs.place,
        lat=theirs.lat,
        lon=theirs.lon,
        anonymous=theirs.anonymous,
        created_at=theirs.created_at,
        updated_at=case.updated_at,
        first_response_due_at=case.first_response_due_at,
        resolved_at=case.resolved_at,
        merged_into_id=case.merged_into_id,
        rating=theirs.rating,
        rating_comment=theirs.rating_comment,
        own=own,
        history=history,
        attachments=files,
    )


async def case_view_by_id(
    session: AsyncSession, *, case_id: int, viewer: User, full: bool = False
) -> CaseView:
    case = await rider_actions.rider_view(session, case_id=case_id, user=viewer)
    return await case_view(session, case=case, viewer=viewer, full=full)


@dataclass(frozen=True)
class ClaimView:
    id: int
    case_id: int
    ref: str
    stage: str
    outcome: str | None
    counterparty_kind: str
    counterparty_name: str
    relation: str
    amount_fen: int
    recovered_fen: int
    recovered_on: date | None
    period_start: date
    period_end: date
    knew_on: date
    work_ongoing: bool
    work_ended_on: date | None
    orders: str
    disclosure: str
    zone_id: int | None
    group_id: int | None
    deadline: Deadline
    created_at: datetime
    updated_at: datetime


async def claim_view(session: AsyncSession, *, claim: WageClaim, case: Case) -> ClaimView:
    """The claim as its rider (or a representative of its zone) reads it: every field is
    theirs. The caller has checked the viewer may read it (`services.claims.claim_for`)."""
    return ClaimView(
        id=claim.id,  # type: ignore[arg-type]
        case_id=claim.case_id,
        ref=case.ref,
        stage=claim.stage.value,
        outcome=outcome_of(claim),
        counterparty_kind=claim.counterparty_kind.value,
        counterparty_name=claim.counterparty_name,
        relation=claim.relation.value,
        amount_fen=claim.amount_fen,
        recovered_fen=claim.recovered_fen,
        recovered_on=claim.recovered_on,
        period_start=claim.period_start,
        period_end=claim.period_end,
        knew_on=claim.knew_on,
        work_ongoing=claim.work_ongoing,
        work_ended_on=claim.work_ended_on,
        orders=claim.orders,
        disclosure=claim.disclosure.value,
        zone_id=claim.zone_id,
        group_id=claim.group_id,
        deadline=await deadline_of(session, claim=claim),
        created_at=claim.created_at,
        updated_at=claim.updated_at,
    )
