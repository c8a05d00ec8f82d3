"""Representatives: the queue of their zones' open cases, the actions on a case, and the
decisions on membership applications. Zone rules live in services (case_access, membership)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from aiohttp import web
from pydantic import BaseModel, Field

from api.endpoint import MAX_ID, Call, links
from api.keys import CTX
from api.problems import language
from api.v1 import api
from api.v1.case_schemas import AttachmentOut, CaseOut, EventOut, attachment_out, case_out
from api.v1.case_uploads import serve_attachment
from api.v1.schemas import VISIBLE, Model
from models import Case, CaseStatus, Severity, User
from models.membership import Membership
from services.cases import rider_actions, triage
from services.cases.access import require_staff
from services.membership import applications as membership_applications
from services.membership import own_view
from services.privacy.erasure import person_label

TAGS = ["staff"]
ERRORS = [403, 404, 409]


# What a representative can do next with a case. Only links whose values are always in the
# answer (an empty queue has no first case, a detail may list no attachment).
DETAIL_LINKS = links(
    "staff_case_detail", "claim_case", "case_colleagues", "reply_to_rider", "add_internal_note",
    "ask_the_rider", "resolve_case", case_id="$response.body#/case/id",
)  # fmt: skip


class QueueQuery(Model):
    category: str | None = Field(default=None, max_length=32)
    status: CaseStatus | None = None
    page: int = Field(default=0, ge=0, le=10_000)
    size: int = Field(default=20, ge=1, le=100)


class StaffCase(CaseOut):
    zone_id: int | None
    assignee_id: int | None
    overdue: bool


class QueueOut(BaseModel):
    cases: list[StaffCase]
    total: int
    page: int
    pages: int


class StaffCaseDetail(BaseModel):
    case: StaffCase
    reporter: str | None = Field(description="who reported it (shown to staff even if anonymous)")
    history: list[EventOut]
    attachments: list[AttachmentOut]


class MessageIn(Model):
    text: str = Field(min_length=1, max_length=4000, pattern=VISIBLE)


class ResolveIn(Model):
    text: str = Field(default="", max_length=4000)


class SeverityIn(Model):
    severity: Severity


class StatusIn(Model):
    status: Literal[CaseStatus.in_progress] = Field(
        description="in_progress: start work, stop waiting for the rider, or take back a "
        "resolution. The other statuses have their own actions: claim, question, resolve, merge"
    )


class ReassignIn(Model):
    to_user_id: int = Field(ge=1, le=MAX_ID, description="a representative of the case's zone")


class Colleague(BaseModel):
    id: int
    name: str | None
    role: str


class ColleagueList(BaseModel):
    colleagues: list[Colleague] = Field(description="who could take the case over")


class MergeIn(Model):
    into_ref: str = Field(min_length=1, max_length=32)


class ApplicationOut(BaseModel):
    id: int
    status: str
    zone_id: int | None
    name: str | None
    phone: str | None
    platforms: list[str]
    work_kinds: list[str]
    vehicle: str | None
    applied_at: datetime
    member_number: str | None
    reject_reason: str | None


class ApplicationList(BaseModel):
    applications: list[ApplicationOut]


class RejectIn(Model):
    reason: str = Field(min_length=1, max_length=300, pattern=VISIBLE)


def staff_case(case: Case) -> StaffCase:
    return StaffCase(
        **case_out(case).model_dump(),
        zone_id=case.zone_id,
        assignee_id=case.assignee_id,
        overdue=triage.overdue(case),
    )


def application_out(m: Membership) -> ApplicationOut:
    return ApplicationOut(
        id=m.id,  # type: ignore[arg-type]
        status=m.status.value,
        zone_id=m.zone_id,
        name=m.name,
        phone=m.phone,
        platforms=list(m.platforms or []),
        work_kinds=list(m.work_kinds or []),
        vehicle=m.vehicle,
        applied_at=m.applied_at,
        member_number=m.member_number,
        reject_reason=m.reject_reason,
    )


async def _detail(call: Call, case: Case) -> StaffCaseDetail:
    events = await rider_actions.history(call.session, case=case, public_only=False)
    files = await triage.attachments(call.session, case=case)
    reporter = await call.session.get(User, case.rider_id) if case.rider_id else None
    return StaffCaseDetail(
        case=staff_case(case),
        reporter=person_label(reporter, language(call.request)) if reporter else None,
        history=[
            EventOut(
                id=e.id,  # type: ignore[arg-type]
                kind=e.kind,
                at=e.created_at,
                actor=person_label(u, language(call.request)) if u else None,
                public=e.public,
                details=e.payload or {},
            )
            for e, u in events
        ],
        attachments=[attachment_out(a) for a in files],
    )


# --- the queue and a case ----------------------------------------------------------------------


@api.op("GET", "/staff/cases", query=QueueQuery, response=QueueOut, tags=TAGS, errors=[403])
async def staff_queue(call: Call) -> QueueOut:
    """Open cases of my zones: most urgent first, then the most overdue."""
    q = call.query
    page = await triage.queue(
        call.session,
        actor=call.me,
        category_code=q.category,
        status=q.status,
        page=q.page,
        size=q.size,
    )
    return QueueOut(
        cases=[staff_case(c) for c in page.cases],
        total=page.total,
        page=page.page,
        pages=page.pages,
    )


@api.op(
    "GET",
    "/staff/cases/{case_id}",
    response=StaffCaseDetail,
    tags=TAGS,
    errors=[403, 404],
    links=DETAIL_LINKS,
)
async def staff_case_detail(call: Call) -> StaffCaseDetail:
    """A case of my zones with its whole history (internal notes too) and attachments."""
    case = await triage.staff_view(call.session, case_id=call.path_int("case_id"), actor=call.me)
    return await _detail(call, case)


async def _then_detail(call: Call, action: Any, **kw: Any) -> StaffCaseDetail:
    case = await action(call.session, case_id=call.path_int("case_id"), actor=call.me, **kw)
    return await _detail(call, case)


@api.op(
    "POST",
    "/staff/cases/{case_id}/claim",
    response=StaffCaseDetail,
    tags=TAGS,
    errors=ERRORS,
    links=DETAIL_LINKS,
)
async def claim_case(call: Call) -> StaffCaseDetail:
    """Take the case; of two representatives at once exactly one wins (409 tells who)."""
    return await _then_detail(call, triage.claim)


@api.op(
    "POST",
    "/staff/cases/{case_id}/reply",
    body=MessageIn,
    response=StaffCaseDetail,
    tags=TAGS,
    errors=ERRORS,
    links=DETAIL_LINKS,
)
async def reply_to_rider(call: Call) -> StaffCaseDetail:
    """Answer the rider (they are told in chat); claims an unclaimed case on the way."""
    return await _then_detail(call, triage.reply, message=call.body.text)


@api.op(
    "POST",
    "/staff/cases/{case_id}/note",
    body=MessageIn,
    response=StaffCaseDetail,
    tags=TAGS,
    errors=ERRORS,
    links=DETAIL_LINKS,
)
async def add_internal_note(call: Call) -> StaffCaseDetail:
    """An internal note: representatives only, never shown to the rider."""
    return await _then_detail(call, triage.note, message=call.body.text)


@api.op(
    "POST",
    "/staff/cases/{case_id}/question",
    body=MessageIn,
    response=StaffCaseDetail,
    tags=TAGS,
    errors=ERRORS,
    links=DETAIL_LINKS,
)
async def ask_the_rider(call: Call) -> StaffCaseDetail:
    """Ask the rider something: the case waits for their answer."""
    return await _then_detail(call, triage.ask_rider, question=call.body.text)


@api.op(
    "POST",
    "/staff/cases/{case_id}/resolve",
    body=ResolveIn,
    response=StaffCaseDetail,
    tags=TAGS,
    errors=ERRORS,
    links=DETAIL_LINKS,
)
async def resolve_case(call: Call) -> StaffCaseDetail:
    """Mark the case resolved; the rider confirms or reopens it."""
    return await _then_detail(call, triage.resolve, message=call.body.text)


@api.op(
    "POST",
    "/staff/cases/{case_id}/severity",
    body=SeverityIn,
    response=StaffCaseDetail,
    tags=TAGS,
    errors=ERRORS,
    links=DETAIL_LINKS,
)
async def change_case_severity(call: Call) -> StaffCaseDetail:
    """Change the severity of an open case (an unanswered case's deadline moves with it)."""
    return await _then_detail(call, triage.change_severity, severity=call.body.severity)


@api.op(
    "POST",
    "/staff/cases/{case_id}/merge",
    body=MergeIn,
    response=StaffCaseDetail,
    tags=TAGS,
    errors=[*ERRORS, 422],
    links=DETAIL_LINKS,
)
async def merge_case(call: Call) -> StaffCaseDetail:
    """Merge the case into another (by its reference); its reporter follows that one."""
    return await _then_detail(call, triage.merge, into_ref=call.body.into_ref)


@api.op(
    "POST",
    "/staff/cases/{case_id}/status",
    body=StatusIn,
    response=StaffCaseDetail,
    tags=TAGS,
    errors=ERRORS,
    links=DETAIL_LINKS,
)
async def set_case_status(call: Call) -> StaffCaseDetail:
    """Put the case (back) in progress, e.g. when the rider answered by phone."""
    return await _then_detail(call, triage.resume_work)


@api.op(
    "GET",
    "/staff/cases/{case_id}/attachments/{attachment_id}",
    content_type="image/*",
    tags=TAGS,
    errors=[403, 404],
)
async def download_case_attachment(call: Call) -> web.FileResponse:
    """A photo sent with a case of my zones, as it was uploaded."""
    row = await triage.attachment_for(
        call.session,
        case_id=call.path_int("case_id"),
        attachment_id=call.path_int("attachment_id"),
        viewer=call.me,
        as_staff=True,
    )
    return await serve_attachment(call, row)


@api.op(
    "GET",
    "/staff/cases/{case_id}/colleagues",
    response=ColleagueList,
    tags=TAGS,
    errors=[403, 404],
)
async def case_colleagues(call: Call) -> ColleagueList:
    """Representatives of the case's zone (and admins) who could take it over."""
    case = await triage.staff_view(call.session, case_id=call.path_int("case_id"), actor=call.me)
    people = await triage.colleagues(call.session, case=case, actor=call.me)
    return ColleagueList(
        colleagues=[
            Colleague(id=u.id, name=u.display_name, role=u.role.value)  # type: ignore[arg-type]
            for u in people
        ]
    )


@api.op(
    "POST",
    "/staff/cases/{case_id}/reassign",
    body=ReassignIn,
    response=StaffCaseDetail,
    tags=TAGS,
    errors=[*ERRORS, 422],
    links=DETAIL_LINKS,
)
async def reassign_case(call: Call) -> StaffCaseDetail:
    """Hand an open case to another representative of its zone (they are told in chat)."""
    return await _then_detail(call, triage.reassign, to_user_id=call.body.to_user_id)


# --- membership applications -------------------------------------------------------------------


@api.op("GET", "/staff/applications", response=ApplicationList, tags=TAGS, errors=[403])
async def pending_applications(call: Call) -> ApplicationList:
    """Applications waiting for a decision in my zones, oldest first."""
    require_staff(call.me)
    rows = await own_view.pending_applications(call.session, actor=call.me)
    return ApplicationList(applications=[application_out(m) for m in rows])


@api.op(
    "POST",
    "/staff/applications/{membership_id}/approve",
    response=ApplicationOut,
    tags=TAGS,
    errors=ERRORS,
)
async def approve_application(call: Call) -> ApplicationOut:
    """Approve: a member number is given and the rider is told."""
    m = await membership_applications.decide(
        call.session,
        membership_id=call.path_int("membership_id"),
        actor=call.me,
        approve=True,
        tz=ZoneInfo(call.request.app[CTX].settings.timezone),
    )
    return application_out(m)


@api.op(
    "POST",
    "/staff/applications/{membership_id}/reject",
    body=RejectIn,
    response=ApplicationOut,
    tags=TAGS,
    errors=ERRORS,
)
async def reject_application(call: Call) -> ApplicationOut:
    """Reject with a reason the rider is told."""
    m = await membership_applications.decide(
        call.session,
        membership_id=call.path_int("membership_id"),
        actor=call.me,
        approve=False,
        reason=call.body.reason,
    )
    return application_out(m)
