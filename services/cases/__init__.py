"""Issue reporting and triage: a rider reports, representatives answer, every change is an event.

Every function takes the acting `User` and ids, so chat, app and web call the same code. Each
public change is written as a `CaseEvent` and told to the riders following the case through
the outbox, in their language, in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from geopy.distance import distance
from sqlalchemy import case as sql_case
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, CaseEvent, CaseStatus, Role, Severity, User, Zone, ZoneStaff
from models.cases import AttachmentKind, CaseAttachment, CaseRefCounter
from models.types import utcnow
from services.cases import states
from services.cases.access import (
    can_handle,
    case_for_rider,
    case_for_staff,
    require_staff,
    rider_sees_event,
    staff_zone_ids,
)
from services.cases.attachments import MAX_CASE_PHOTOS, MAX_PHOTOS, check_photo
from services.cases.cards import send_notice
from services.cases.categories import category, first_response_due, policy
from services.cases.collective import group_case
from services.cases.events import (
    move,
    on_duty_staff,
    record,
    staff_buttons,
    tell_staff,
)
from services.cases.formatting import DEFAULT_TZ, MAX_TEXT, excerpt
from services.errors import Conflict, Forbidden, Invalid, NotFound
from services.escalation import reschedule
from services.limits import PLACE_MAX, STARS_MAX, STARS_MIN
from services.membership import require_member
from services.outbox import notify

S = CaseStatus
REOPEN_WINDOW = timedelta(days=14)
SEVERITY_RANK = {Severity.urgent: 0, Severity.high: 1, Severity.normal: 2, Severity.low: 3}


@dataclass(frozen=True)
class Attachment:
    """A photo or voice note as it arrives: from Telegram (file ids) or the app (path, hash)."""

    kind: AttachmentKind = AttachmentKind.photo
    file_id: str | None = None
    file_unique_id: str | None = None
    size: int | None = None
    mime_type: str | None = None
    duration: int | None = None
    path: str | None = None
    sha256: str | None = None


@dataclass
class Report:
    category: str
    description: str = ""
    voice: Attachment | None = None
    photos: list[Attachment] = field(default_factory=list)
    lat: float | None = None
    lon: float | None = None
    place: str | None = None
    anonymous: bool = False


# --- numbering and events ----------------------------------------------------------------------


async def next_ref(session: AsyncSession, *, year: int) -> str:
    """`C-<year>-<number>`: one atomic UPDATE on the year's counter row, so two reports at
    once can never get the same number (the row lock serialises them on both databases)."""
    bump = (
        update(CaseRefCounter)
        .where(CaseRefCounter.year == year)
        .values(last=CaseRefCounter.last + 1)
        .returning(CaseRefCounter.last)
    )
    number = (await session.execute(bump)).scalar_one_or_none()
    if number is None:
        try:
            async with session.begin_nested():
                session.add(CaseRefCounter(year=year, last=0))
        except IntegrityError:
            pass  # someone else created this year's row first: just bump it
        number = (await session.execute(bump)).scalar_one()
    return f"C-{year}-{number:05d}"


# --- reporting -------------------------------------------------------------------------------


async def _place_zone(
    session: AsyncSession, *, lat: float | None, lon: float | None, fallback: int | None
) -> tuple[int | None, bool]:
    """The zone nearest the place, and whether the place lies outside every zone's area."""
    if lat is None or lon is None:
        return fallback, False
    zones = list((await session.execute(select(Zone))).scalars())
    if not zones:
        return fallback, True
    nearest = min(zones, key=lambda z: distance((lat, lon), (z.lat, z.lon)).km)
    outside = distance((lat, lon), (nearest.lat, nearest.lon)).km > policy().service_radius_km
    return (fallback if outside and fallback is not None else nearest.id), outside


async def report_case(
    session: AsyncSession, *, user: User, report: Report, tz: str = DEFAULT_TZ
) -> Case:
    """A member reports an issue: a numbered case, its first event, the representatives told."""
    membership = await require_member(session, user=user)
    cat = category(report.category)
    if not cat.reportable:
        raise Invalid("unknown_category", code=cat.code)
    description = report.description.strip()
    if not description and report.voice is None:
        raise Invalid("empty_description")
    if len(description) > MAX_TEXT:
        raise Invalid("description_too_long", length=len(description), limit=MAX_TEXT)
    if len(report.photos) > MAX_PHOTOS:
        raise Invalid("too_many_photos", limit=MAX_PHOTOS)
    for photo in report.photos:
        check_photo(size=photo.size)
    zone_id, outside = await _place_zone(
        session, lat=report.lat, lon=report.lon, fallback=membership.zone_id
    )
    now = utcnow()
    due = first_response_due(cat.code, cat.severity, now)
    case = Case(
        ref=await next_ref(session, year=now.year),
        rider_id=user.id,
        zone_id=zone_id,
        category=cat.code,
        severity=cat.severity,
        summary=description,
        lat=report.lat,
        lon=report.lon,
        place=(report.place or None) and report.place[:PLACE_MAX],
        outside_area=outside,
        anonymous=report.anonymous,
        created_at=now,
        updated_at=now,
        first_response_due_at=due,
        next_escalation_at=due,
    )
    session.add(case)
    await session.flush()
    await reschedule(session, case=case, now=now)
    for item in ([report.voice] if report.voice else []) + report.photos:
        await _attach(session, case, item, uploader=user)
    # No notice: a new case's only follower is its reporter, who is never told of their own act.
    await record(
        session, case, actor=user, kind="reported", public=True, notice=False,
        severity=cat.severity.value, text=excerpt(description, 600),
    )  # fmt: skip
    collective = await group_case(session, case=case)
    if collective is not None:
        count = await session.scalar(
            select(func.count()).select_from(Case).where(Case.collective_id == collective.id)
        )
        await record(session, case, actor=None, kind="collective", public=False, count=count)
    await _announce(session, case, reporter=user, tz=tz)
    return case


async def _attach(
    session: AsyncSession, case: Case, item: Attachment, *, uploader: User
) -> CaseAttachment:
    row = CaseAttachment(
        case_id=case.id,  # type: ignore[arg-type]
        uploader_id=uploader.id,
        kind=item.kind,
        file_id=item.file_id,
        file_unique_id=item.file_unique_id,
        size=item.size,
        mime_type=item.mime_type,
        duration=item.duration,
        path=item.path,
        sha256=item.sha256,
    )
    session.add(row)
    await session.flush()
    return row


async def _announce(session: AsyncSession, case: Case, *, reporter: User, tz: str) -> None:
    """New case: to the zone's representatives' group (if bound) and on-duty reps by DM. Each
    copy is remembered, so it is edited when the case changes (services/case_cards.py)."""
    zone = await session.get(Zone, case.zone_id) if case.zone_id else None
    if zone is not None and zone.group_chat_id is not None:
        # The group is the zone's representatives, but anonymity is kept there too:
        # only a representative who opens the case sees who reported it.
        await send_notice(
            session, case=case, chat_id=zone.group_chat_id, user_id=None, lang="zh",
            named=False, tz=tz,
        )  # fmt: skip
    for rep in await on_duty_staff(session, zone_id=case.zone_id):
        if rep.telegram_id is None:
            continue
        await send_notice(
            session, case=case, chat_id=rep.telegram_id, user_id=rep.id, lang=rep.language,
            named=True, tz=tz,
        )  # fmt: skip


# --- what riders do --------------------------------------------------------------------------


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
        session, case, actor=user, kind="rider_answer" if answered else "rider_info",
        public=True, text=text_.strip(), photos=len(photos), voice=voice is not None,
    )  # fmt: skip
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
        session, case, actor=user, kind="rated", public=True, stars=stars,
        text=case.rating_comment or "",
    )  # fmt: skip
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


# --- what representatives do ------------------------------------------------------------------


@dataclass(frozen=True)
class QueuePage:
    cases: list[Case]
    total: int
    page: int
    size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))


async def queue(
    session: AsyncSession,
    *,
    actor: User,
    category_code: str | None = None,
    status: S | None = None,
    page: int = 0,
    size: int = 5,
) -> QueuePage:
    """Open cases of the actor's zones: most urgent first, then the most overdue."""
    zones = await staff_zone_ids(session, user=actor)
    where = [Case.status.in_(states.OPEN)]
    if zones is not None:
        where.append(Case.zone_id.in_(zones))
    if category_code:
        where.append(Case.category == category_code)
    if status is not None:
        where.append(Case.status == status)
    total = await session.scalar(select(func.count()).select_from(Case).where(*where)) or 0
    rank = sql_case(*[(Case.severity == sev, n) for sev, n in SEVERITY_RANK.items()], else_=9)
    rows = await session.execute(
        select(Case)
        .where(*where)
        .order_by(rank, Case.first_response_due_at.asc(), Case.created_at.asc(), Case.id)
        .offset(max(page, 0) * size)
        .limit(size)
    )
    return QueuePage(list(rows.scalars()), total, max(page, 0), size)


async def staff_view(session: AsyncSession, *, case_id: int, actor: User) -> Case:
    return await case_for_staff(session, case_id=case_id, actor=actor)


async def attachments(session: AsyncSession, *, case: Case) -> list[CaseAttachment]:
    rows = await session.execute(
        select(CaseAttachment).where(CaseAttachment.case_id == case.id).order_by(CaseAttachment.id)
    )
    return list(rows.scalars())


def rider_sees(attachment: CaseAttachment, *, viewer: User) -> bool:
    """A rider sees the photos and voice notes they sent themselves: a case merged from
    several riders' reports keeps each one's files to them, as it keeps their words."""
    return attachment.uploader_id == viewer.id


async def rider_attachments(
    session: AsyncSession, *, case: Case, viewer: User
) -> list[CaseAttachment]:
    return [a for a in await attachments(session, case=case) if rider_sees(a, viewer=viewer)]


async def attachment_for(
    session: AsyncSession, *, case_id: int, attachment_id: int, viewer: User, as_staff: bool
) -> CaseAttachment:
    """An attachment of a case the viewer may open: as staff, a case of their zones; as a
    rider, their own case and their own files. Another case's attachment is not found."""
    if as_staff:
        case = await case_for_staff(session, case_id=case_id, actor=viewer)
    else:
        case = await case_for_rider(session, case_id=case_id, user=viewer)
    row = await session.get(CaseAttachment, attachment_id)
    if (
        row is None
        or row.case_id != case.id
        or (not as_staff and not rider_sees(row, viewer=viewer))
    ):
        raise NotFound("attachment_not_found")
    return row


async def claim(session: AsyncSession, *, case_id: int, actor: User) -> Case:
    """Take the case. Decided in the database: the UPDATE only matches an unassigned open
    case, so of two representatives pressing at once exactly one wins; the other learns who."""
    case = await case_for_staff(session, case_id=case_id, actor=actor)
    now = utcnow()
    result = await session.execute(
        update(Case)
        .where(
            Case.id == case_id,
            Case.assignee_id.is_(None),
            Case.status.in_(states.OPEN),
        )
        .values(
            assignee_id=actor.id,
            status=sql_case((Case.status == S.new, S.acknowledged.value), else_=Case.status),
            first_response_at=func.coalesce(Case.first_response_at, now),
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    await session.refresh(case)
    if result.rowcount != 1:  # type: ignore[attr-defined]
        if case.assignee_id == actor.id:
            raise Conflict("already_yours", ref=case.ref)
        if case.assignee_id is not None:
            winner = await session.get(User, case.assignee_id)
            by = winner.display_name if winner else "?"
            raise Conflict("already_claimed", ref=case.ref, by=by)
        raise Conflict("case_not_open", ref=case.ref)
    await reschedule(session, case=case, now=now)
    await record(session, case, actor=actor, kind="claimed", public=True, name=actor.display_name)
    return case


async def _ensure_working(session: AsyncSession, case: Case, *, actor: User) -> Case:
    """Replying or asking means working on it: an unclaimed case is claimed on the way, an
    acknowledged one moves to in progress (each a recorded move)."""
    if case.status in (S.closed, S.merged):
        raise Conflict("case_closed", ref=case.ref)
    if case.assignee_id is None and case.status in states.OPEN:
        case = await claim(session, case_id=case.id, actor=actor)  # type: ignore[arg-type]
    if case.status is S.acknowledged:
        await move(session, case, S.in_progress, actor=actor)
    if case.first_response_at is None:
        case.first_response_at = utcnow()
    await reschedule(session, case=case, now=utcnow())
    return case


async def reply(session: AsyncSession, *, case_id: int, actor: User, message: str) -> Case:
    case = await case_for_staff(session, case_id=case_id, actor=actor)
    if not message.strip():
        raise Invalid("empty_description")
    if case.status is S.resolved:
        await record(session, case, actor=actor, kind="reply", public=True, text=message.strip())
        return case
    case = await _ensure_working(session, case, actor=actor)
    await record(session, case, actor=actor, kind="reply", public=True, text=message.strip())
    return case


async def note(session: AsyncSession, *, case_id: int, actor: User, message: str) -> Case:
    """Internal note: for representatives only, never shown to or sent to the rider."""
    case = await case_for_staff(session, case_id=case_id, actor=actor)
    if not message.strip():
        raise Invalid("empty_description")
    await record(session, case, actor=actor, kind="note", public=False, text=message.strip())
    return case


async def ask_rider(session: AsyncSession, *, case_id: int, actor: User, question: str) -> Case:
    case = await case_for_staff(session, case_id=case_id, actor=actor)
    if not question.strip():
        raise Invalid("empty_description")
    case = await _ensure_working(session, case, actor=actor)
    await move(session, case, S.waiting_for_rider, actor=actor)
    await reschedule(session, case=case, now=utcnow())
    await record(session, case, actor=actor, kind="question", public=True, text=question.strip())
    return case


async def resume_work(session: AsyncSession, *, case_id: int, actor: User) -> Case:
    """A representative puts the case (back) in progress: work starts on an acknowledged
    case, a case stops waiting for the rider (they answered another way, so the clock runs
    again and no reminder or auto-close follows), or a resolution is taken back. Waiting for
    the rider has its own action, `ask_rider`, because the rider must know what is asked."""
    case = await case_for_staff(session, case_id=case_id, actor=actor)
    if case.status is S.in_progress:
        return case
    now = utcnow()
    if case.status is S.resolved:
        await move(session, case, S.in_progress, actor=actor)
        case.resolved_at = None
    else:
        case = await _ensure_working(session, case, actor=actor)  # refuses closed or merged
        if case.status is S.waiting_for_rider:
            await move(session, case, S.in_progress, actor=actor)
    await reschedule(session, case=case, now=now)
    return case


async def change_severity(
    session: AsyncSession, *, case_id: int, actor: User, severity: Severity
) -> Case:
    case = await case_for_staff(session, case_id=case_id, actor=actor)
    if case.status not in states.OPEN:
        raise Conflict("case_not_open", ref=case.ref)
    if case.severity is severity:
        return case
    old, case.severity = case.severity, severity
    # The promises move with the severity (an answered case keeps its first-response due).
    await reschedule(session, case=case, now=utcnow())
    await record(
        session, case, actor=actor, kind="severity", public=False,
        severity=severity.value, old=old.value,
    )  # fmt: skip
    return case


async def resolve(session: AsyncSession, *, case_id: int, actor: User, message: str = "") -> Case:
    case = await case_for_staff(session, case_id=case_id, actor=actor)
    if case.status is S.acknowledged:
        await move(session, case, S.in_progress, actor=actor)
    await move(session, case, S.resolved, actor=actor)
    case.resolved_at = utcnow()
    await reschedule(session, case=case, now=case.resolved_at)
    await record(session, case, actor=actor, kind="resolved", public=True, text=message.strip())
    return case


async def reassign(session: AsyncSession, *, case_id: int, actor: User, to_user_id: int) -> Case:
    case = await case_for_staff(session, case_id=case_id, actor=actor)
    if case.status not in states.OPEN:
        raise Conflict("case_not_open", ref=case.ref)
    target = await session.get(User, to_user_id)
    if target is None or not await can_handle(session, user=target, zone_id=case.zone_id):
        raise Invalid("not_a_rep_here")
    if case.assignee_id == target.id:
        raise Conflict("already_assigned", ref=case.ref, name=target.display_name)
    case.assignee_id = target.id
    if case.status is S.new:
        await move(session, case, S.acknowledged, actor=actor)
    await record(session, case, actor=actor, kind="assigned", public=True, name=target.display_name)
    if target.id != actor.id:
        await notify(
            session, user=target, key="cases.staff_assigned_to_you", ref=case.ref,
            by=actor.display_name, reply_markup=staff_buttons(target.language, case, claim=False),
        )  # fmt: skip
    return case


async def colleagues(session: AsyncSession, *, case: Case, actor: User) -> list[User]:
    """Representatives who could take this case over."""
    require_staff(actor)
    query = select(User).where(User.role.in_([Role.rep, Role.senior, Role.admin]))
    if case.zone_id is not None:
        staff = select(ZoneStaff.user_id).where(ZoneStaff.zone_id == case.zone_id)
        query = query.where((User.id.in_(staff)) | (User.role == Role.admin))
    rows = await session.execute(query.order_by(User.display_name, User.id))
    return [u for u in rows.scalars() if u.id != case.assignee_id]


async def find_by_ref(session: AsyncSession, *, ref: str) -> Case:
    found = (
        await session.execute(select(Case).where(Case.ref == ref.strip().upper()))
    ).scalar_one_or_none()
    if found is None:
        raise NotFound("case_ref_not_found", ref=ref.strip())
    return found


async def merge(session: AsyncSession, *, case_id: int, actor: User, into_ref: str) -> Case:
    """Merge a case into a master case; its reporters (and those of cases merged into it
    before) follow the master case from now on and are told so."""
    case = await case_for_staff(session, case_id=case_id, actor=actor)
    master = await find_by_ref(session, ref=into_ref)
    master = await case_for_staff(session, case_id=master.id, actor=actor)  # type: ignore[arg-type]
    if master.id == case.id:
        raise Invalid("merge_self")
    if master.status in (S.closed, S.merged):
        raise Conflict("merge_target_closed", ref=master.ref)
    states.check_move(case.status, S.merged)
    case.status = S.merged
    case.merged_into_id = master.id
    case.next_escalation_at = None
    # Cases merged into this one before now follow the master directly.
    await session.execute(
        update(Case)
        .where(Case.merged_into_id == case.id)
        .values(merged_into_id=master.id)
        .execution_options(synchronize_session=False)
    )
    await record(session, case, actor=actor, kind="merged", public=True, ref=master.ref)
    await record(
        session, master, actor=actor, kind="absorbed", public=False, notice=False, ref=case.ref
    )
    return case


async def link_wage_claim(
    session: AsyncSession, *, case_id: int, actor: User, claim_ref: str
) -> Case:
    """Tie a case to the wage claim it led to (or that explains it): each history names
    the other, for the representatives (internal events, no notice)."""
    case = await case_for_staff(session, case_id=case_id, actor=actor)
    claim_case = await find_by_ref(session, ref=claim_ref)
    claim_case = await case_for_staff(session, case_id=claim_case.id, actor=actor)  # type: ignore[arg-type]
    if claim_case.category != "wage_arrears":
        raise Invalid("not_a_wage_claim", ref=claim_case.ref)
    if claim_case.id == case.id:
        raise Invalid("merge_self")
    await record(
        session, case, actor=actor, kind="linked_claim", public=False, notice=False,
        ref=claim_case.ref,
    )  # fmt: skip
    await record(
        session, claim_case, actor=actor, kind="linked_case", public=False, notice=False,
        ref=case.ref,
    )  # fmt: skip
    return case


async def case_counts(session: AsyncSession, *, case: Case) -> dict[str, int]:
    photos = await session.scalar(
        select(func.count()).select_from(CaseAttachment).where(CaseAttachment.case_id == case.id)
    )
    merged = await session.scalar(
        select(func.count()).select_from(Case).where(Case.merged_into_id == case.id)
    )
    return {"attachments": photos or 0, "merged": merged or 0}


def overdue(case: Case, now: datetime | None = None) -> bool:
    due = case.first_response_due_at
    return due is not None and case.first_response_at is None and (now or utcnow()) > due


async def bind_zone_group(
    session: AsyncSession, *, actor: User, zone_code: str, chat_id: int, chat_admin: bool
) -> Zone:
    """An admin binds a Telegram group as a zone's representatives' group. They must be a
    union admin here and an administrator of that group there (`chat_admin`)."""
    if actor.role is not Role.admin or not chat_admin:
        raise Forbidden("not_admin")
    zone = (
        await session.execute(select(Zone).where(Zone.code == zone_code.strip().upper()))
    ).scalar_one_or_none()
    if zone is None:
        raise NotFound("zone_not_found", code=zone_code.strip())
    zone.group_chat_id = chat_id
    return zone


# --- what admins see ---------------------------------------------------------------------------


def _require_admin(actor: User) -> None:
    if actor.role is not Role.admin:
        raise Forbidden("not_admin")


async def unresolved(
    session: AsyncSession,
    *,
    actor: User,
    zone_id: int | None = None,
    category_code: str | None = None,
    overdue_only: bool = False,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[Case], int]:
    """Open cases in every zone (admins only), oldest first, and how many match in all.
    Overdue: no first answer yet and its promised time has passed."""
    _require_admin(actor)
    where = [Case.status.in_(states.OPEN)]
    if zone_id is not None:
        where.append(Case.zone_id == zone_id)
    if category_code:
        where.append(Case.category == category_code)
    if overdue_only:
        where += [Case.first_response_at.is_(None), Case.first_response_due_at < utcnow()]
    total = await session.scalar(select(func.count()).select_from(Case).where(*where)) or 0
    rows = await session.execute(
        select(Case).where(*where).order_by(Case.created_at, Case.id).offset(offset).limit(limit)
    )
    return list(rows.scalars()), total


async def stats(session: AsyncSession, *, actor: User) -> dict[str, dict[str, int]]:
    """Case counts by status, by category and by zone code (admins only), and how many open
    cases are overdue."""
    _require_admin(actor)
    by_status = dict(
        (await session.execute(select(Case.status, func.count()).group_by(Case.status))).all()
    )
    by_category = dict(
        (await session.execute(select(Case.category, func.count()).group_by(Case.category))).all()
    )
    by_zone = dict(
        (
            await session.execute(
                select(Zone.code, func.count(Case.id))
                .join(Case, Case.zone_id == Zone.id, isouter=True)
                .group_by(Zone.code)
            )
        ).all()
    )
    _, overdue_open = await unresolved(session, actor=actor, overdue_only=True, limit=0)
    _, open_total = await unresolved(session, actor=actor, limit=0)
    return {
        "by_status": {s.value: int(by_status.get(s, 0)) for s in S},
        "by_category": {str(k): int(v) for k, v in by_category.items()},
        "by_zone": {str(k): int(v) for k, v in by_zone.items()},
        "open": {"total": open_total, "overdue": overdue_open},
    }
