"""Representatives: the queue of their zones' open cases and the actions on a case. Zone rules
live in services (case_access)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from api.endpoint import Call, links
from api.v1 import api
from api.v1.case_uploads import serve_attachment
from api.v1.staff_schemas import (
    Colleague,
    ColleagueList,
    MergeIn,
    MessageIn,
    QueueOut,
    QueueQuery,
    ReassignIn,
    ResolveIn,
    SeverityIn,
    StaffCaseDetail,
    StatusIn,
    staff_case,
    staff_detail,
)
from services.cases import triage

TAGS = ["staff"]
ERRORS = [403, 404, 409]


# What a representative can do next with a case. Only links whose values are always in the
# answer (an empty queue has no first case, a detail may list no attachment).
DETAIL_LINKS = links(
    "staff_case_detail", "claim_case", "case_colleagues", "reply_to_rider", "add_internal_note",
    "ask_the_rider", "resolve_case", case_id="$response.body#/case/id",
)  # fmt: skip


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
    return await staff_detail(call, case)


async def _then_detail(call: Call, action: Any, **kw: Any) -> StaffCaseDetail:
    case = await action(call.session, case_id=call.path_int("case_id"), actor=call.me, **kw)
    return await staff_detail(call, case)


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
