"""What representatives do with a case: the queue, take it, reply, note, ask the rider,
change severity, resolve, reassign, merge and link a wage claim."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case as sql_case
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, Role, Severity, User, Zone, ZoneStaff
from models.cases import CaseAttachment
from models.types import utcnow
from services.cases import states
from services.cases.access import (
    can_handle,
    case_for_rider,
    case_for_staff,
    require_staff,
    staff_zone_ids,
)
from services.cases.events import (
    move,
    record,
    staff_actions,
)
from services.cases.reporting import SEVERITY_RANK, S
from services.errors import Conflict, Forbidden, Invalid, NotFound
from services.escalation.plan import reschedule
from services.outbox import notify


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
        session,
        case,
        actor=actor,
        kind="severity",
        public=False,
        severity=severity.value,
        old=old.value,
    )
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
            session,
            user=target,
            key="cases.staff_assigned_to_you",
            ref=case.ref,
            by=actor.display_name,
            actions=staff_actions(case, claim=False),
        )
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
        session,
        case,
        actor=actor,
        kind="linked_claim",
        public=False,
        notice=False,
        ref=claim_case.ref,
    )
    await record(
        session,
        claim_case,
        actor=actor,
        kind="linked_case",
        public=False,
        notice=False,
        ref=case.ref,
    )
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
