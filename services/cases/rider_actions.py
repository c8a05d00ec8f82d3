"""What a rider does with their own cases: list and read them, add information, confirm a fix
or reopen, rate the help."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, CaseEvent, User
from models.cases import AttachmentKind, CaseAttachment
from models.types import utcnow
from services.cases.access import (
    case_for_rider,
    rider_sees_event,
)
from services.cases.attachments import MAX_CASE_PHOTOS, check_photo
from services.cases.events import (
    move,
    record,
    tell_staff,
)
from services.cases.formatting import excerpt
from services.cases.reporting import REOPEN_WINDOW, Attachment, S, _attach
from services.errors import Conflict, Forbidden, Invalid
from services.escalation.plan import reschedule
from services.limits import STARS_MAX, STARS_MIN


async def my_cases(session: AsyncSession, *, user: User, limit: int = 20) -> list[Case]:
    rows = await session.execute(
        select(Case).where(Case.rider_id == user.id).order_by(Case.updated_at.desc()).limit(limit)
    )
    return list(rows.scalars())


async def my_cases_page(
    session: AsyncSession, *, user: User, before_id: int | None = None, limit: int = 20
) -> tuple[list[Case], int | None]:
    """The rider's own cases, newest first, a page at a time: by id, so a page boundary is
    stable while cases change. Returns the page and the id to continue before (or None)."""
    query = select(Case).where(Case.rider_id == user.id)
    if before_id is not None:
        query = query.where(Case.id < before_id)
    rows = list((await session.execute(query.order_by(Case.id.desc()).limit(limit + 1))).scalars())
    more = len(rows) > limit
    page = rows[:limit]
    return page, (page[-1].id if more and page else None)


async def history(
    session: AsyncSession, *, case: Case, public_only: bool
) -> list[tuple[CaseEvent, User | None]]:
    query = (
        select(CaseEvent, User)
        .outerjoin(User, User.id == CaseEvent.actor_id)
        .where(CaseEvent.case_id == case.id)
        .order_by(CaseEvent.id)
    )
    if public_only:
        query = query.where(CaseEvent.public.is_(True))
    return [(e, u) for e, u in (await session.execute(query)).all()]


async def rider_history(
    session: AsyncSession, *, case: Case, viewer: User
) -> list[tuple[CaseEvent, User | None]]:
    """What a rider reads of a case: its public events, without other riders' own words (a
    merged case is followed by several riders, and each keeps their report to themselves)."""
    return [
        (e, u)
        for e, u in await history(session, case=case, public_only=True)
        if rider_sees_event(actor=u, viewer=viewer)
    ]


async def rider_view(session: AsyncSession, *, case_id: int, user: User) -> Case:
    return await case_for_rider(session, case_id=case_id, user=user)


async def add_info(
    session: AsyncSession,
    *,
    case_id: int,
    user: User,
    text_: str = "",
    photos: list[Attachment] | None = None,
    voice: Attachment | None = None,
) -> Case:
    """The rider adds information or photos, or answers a representative's question."""
    case = await case_for_rider(session, case_id=case_id, user=user)
    if case.rider_id != user.id:
        raise Forbidden("not_your_case")
    if case.status in (S.closed, S.merged):
        raise Conflict("case_closed", ref=case.ref)
    photos = photos or []
    if not text_.strip() and not photos and voice is None:
        raise Invalid("empty_description")
    existing = await session.scalar(
        select(func.count())
        .select_from(CaseAttachment)
        .where(CaseAttachment.case_id == case.id, CaseAttachment.kind == AttachmentKind.photo)
    )
    if photos and (existing or 0) + len(photos) > MAX_CASE_PHOTOS:
        raise Invalid("too_many_photos", limit=MAX_CASE_PHOTOS)
    for photo in photos:
        check_photo(size=photo.size)
        await _attach(session, case, photo, uploader=user)
    if voice is not None:
        await _attach(session, case, voice, uploader=user)
    answered = case.status is S.waiting_for_rider
    if answered:
        await move(session, case, S.in_progress, actor=user)
        await reschedule(session, case=case, now=utcnow())
    await record(
        session,
        case,
        actor=user,
        kind="rider_answer" if answered else "rider_info",
        public=True,
        text=text_.strip(),
        photos=len(photos),
        voice=voice is not None,
    )
    await tell_staff(
        session, case, key="cases.staff_rider_wrote", text=excerpt(text_.strip() or "📷", 500)
    )
    return case


async def confirm_resolved(session: AsyncSession, *, case_id: int, user: User) -> Case:
    case = await _own(session, case_id=case_id, user=user)
    if case.status is not S.resolved:
        raise Conflict("not_resolved_yet", ref=case.ref)
    await move(session, case, S.closed, actor=user)
    await record(session, case, actor=user, kind="confirmed", public=True)
    await tell_staff(session, case, key="cases.staff_confirmed")
    return case


async def reopen(session: AsyncSession, *, case_id: int, user: User, reason: str = "") -> Case:
    """ "It is not resolved": back to in progress, within 14 days of the resolution."""
    case = await _own(session, case_id=case_id, user=user)
    if case.status is not S.resolved:
        if case.status in (S.closed, S.merged):
            raise Conflict("case_closed", ref=case.ref)
        raise Conflict("not_resolved_yet", ref=case.ref)
    if case.resolved_at is not None and utcnow() - case.resolved_at > REOPEN_WINDOW:
        raise Conflict("reopen_expired", ref=case.ref, days=REOPEN_WINDOW.days)
    await move(session, case, S.in_progress, actor=user)
    case.resolved_at = None
    await reschedule(session, case=case, now=utcnow())
    await record(session, case, actor=user, kind="reopened", public=True, text=reason.strip())
    await tell_staff(session, case, key="cases.staff_reopened", text=reason.strip() or "—")
    return case


async def rate(
    session: AsyncSession, *, case_id: int, user: User, stars: int, comment: str | None = None
) -> Case:
    case = await _own(session, case_id=case_id, user=user)
    if case.status not in (S.resolved, S.closed):
        raise Conflict("not_resolved_yet", ref=case.ref)
    if not STARS_MIN <= stars <= STARS_MAX:
        raise Invalid("bad_rating")
    if case.rating is not None:
        raise Conflict("already_rated", ref=case.ref)
    case.rating = stars
    case.rating_comment = (comment or "").strip() or None
    await record(
        session,
        case,
        actor=user,
        kind="rated",
        public=True,
        stars=stars,
        text=case.rating_comment or "",
    )
    return case


async def comment_rating(session: AsyncSession, *, case_id: int, user: User, comment: str) -> Case:
    case = await _own(session, case_id=case_id, user=user)
    if case.rating is None:
        raise Conflict("not_rated", ref=case.ref)
    if not comment.strip():
        raise Invalid("empty_description")
    case.rating_comment = comment.strip()
    await record(session, case, actor=user, kind="rating_comment", public=True, text=comment)
    return case


async def _own(session: AsyncSession, *, case_id: int, user: User) -> Case:
    case = await case_for_rider(session, case_id=case_id, user=user)
    if case.rider_id != user.id:
        raise Forbidden("not_your_case")
    return case
