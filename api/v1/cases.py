"""A rider's cases: report with photos, list own, detail with the public history, and the
rider's answers (add information, confirm, reopen, rate). Rules live in services.cases."""

from __future__ import annotations

from aiohttp import web

from api.endpoint import Call, links
from api.keys import CTX
from api.v1 import api
from api.v1.case_schemas import (
    CaseDetail,
    CaseOut,
    CasePage,
    InfoIn,
    InfoText,
    PageQuery,
    RatingIn,
    ReopenIn,
    attachment_out,
    event_out,
    rider_case_out,
    rider_out,
)
from api.v1.case_uploads import (
    MULTIPART,
    PHOTOS_MULTIPART,
    checked_photos,
    decode_cursor,
    encode_cursor,
    keep,
    read_form,
    read_report,
    serve_attachment,
    upload_dir,
)
from models import Case
from services.cases import reporting, rider_actions, triage
from services.cases.rider_view import CaseView, case_view, case_view_by_id
from services.membership.members import require_member

TAGS = ["cases"]


# --- links from one operation's answer to the next ---------------------------------------------


# What a rider can do next with a case.
NEXT = ("get_my_case", "add_case_photos", "add_case_info", "confirm_case_resolved",
        "reopen_case", "rate_case")  # fmt: skip
CASE_LINKS = links(*NEXT, case_id="$response.body#/id")
DETAIL_LINKS = links(*NEXT, case_id="$response.body#/case/id")
# A detail may list no attachment, but photos just added are always listed.
PHOTOS_LINKS = DETAIL_LINKS | links(
    "download_my_attachment",
    case_id="$response.body#/case/id",
    attachment_id="$response.body#/attachments/0/id",
)


# --- operations --------------------------------------------------------------------------------


@api.op(
    "POST",
    "/cases",
    multipart=MULTIPART,
    response=CaseOut,
    status=201,
    tags=TAGS,
    errors=[403, 404, 415],
    links=CASE_LINKS,
)
async def report_case(call: Call) -> CaseOut:
    """Report an issue (members only): a `report` JSON part and up to five `photo` parts."""
    # Members only, and checked before a byte is read.
    await require_member(call.session, user=call.me)
    body, photos = await read_report(call.request)
    folder = upload_dir(call)
    uploads, attachments = checked_photos(photos, folder=folder)
    report = reporting.Report(
        category=body.category,
        description=body.description,
        photos=attachments,
        lat=body.lat if body.lon is not None else None,
        lon=body.lon if body.lat is not None else None,
        place=body.place,
        anonymous=body.anonymous,
    )
    tz = call.request.app[CTX].settings.timezone
    case = await reporting.report_case(call.session, user=call.me, report=report, tz=tz)
    keep(uploads, folder=folder)
    return await rider_out(call, case)


@api.op("GET", "/cases", query=PageQuery, response=CasePage, tags=TAGS)
async def list_my_cases(call: Call) -> CasePage:
    """The signed-in rider's own cases, newest first, with a cursor to the next page."""
    page, more = await rider_actions.my_cases_page(
        call.session,
        user=call.me,
        before_id=decode_cursor(call.query.cursor),
        limit=call.query.limit,
    )
    return CasePage(cases=[await rider_out(call, c) for c in page], next_cursor=encode_cursor(more))


async def _detail(call: Call, case: Case) -> CaseDetail:
    return _detail_out(call, await case_view(call.session, case=case, viewer=call.me, full=True))


def _detail_out(call: Call, view: CaseView) -> CaseDetail:
    return CaseDetail(
        case=rider_case_out(view),
        history=[event_out(e, u, viewer=call.me) for e, u in view.history],
        attachments=[attachment_out(a) for a in view.attachments],
    )


@api.op("GET", "/cases/{case_id}", response=CaseDetail, tags=TAGS, errors=[404], links=DETAIL_LINKS)
async def get_my_case(call: Call) -> CaseDetail:
    """One of the rider's cases (or one theirs was merged into) with its public history."""
    view = await case_view_by_id(
        call.session, case_id=call.path_int("case_id"), viewer=call.me, full=True
    )
    return _detail_out(call, view)


@api.op(
    "POST",
    "/cases/{case_id}/info",
    body=InfoIn,
    response=CaseDetail,
    tags=TAGS,
    errors=[403, 404, 409],
    links=DETAIL_LINKS,
)
async def add_case_info(call: Call) -> CaseDetail:
    """Add information to the case, or answer the representative's question."""
    case = await rider_actions.add_info(
        call.session, case_id=call.path_int("case_id"), user=call.me, text_=call.body.text
    )
    return await _detail(call, case)


@api.op(
    "POST",
    "/cases/{case_id}/photos",
    multipart=PHOTOS_MULTIPART,
    response=CaseDetail,
    tags=TAGS,
    errors=[403, 404, 409, 415],
    links=PHOTOS_LINKS,
)
async def add_case_photos(call: Call) -> CaseDetail:
    """Add photos to an open case (up to five at once, ten on a case in all), with a few
    words if you like; as in chat, this answers a representative's question."""
    case_id = call.path_int("case_id")
    await rider_actions.rider_view(
        call.session, case_id=case_id, user=call.me
    )  # before a byte is read
    values, photos = await read_form(call.request, fields={"text"})
    if not photos:
        raise web.HTTPUnprocessableEntity(text="send at least one photo part")
    words = InfoText.model_validate(values).text
    folder = upload_dir(call)
    uploads, attachments = checked_photos(photos, folder=folder)
    case = await rider_actions.add_info(
        call.session, case_id=case_id, user=call.me, text_=words, photos=attachments
    )
    keep(uploads, folder=folder)
    return await _detail(call, case)


@api.op(
    "GET",
    "/cases/{case_id}/attachments/{attachment_id}",
    content_type="image/*",
    tags=TAGS,
    errors=[404],
)
async def download_my_attachment(call: Call) -> web.FileResponse:
    """A photo I sent with my case, as it was uploaded."""
    row = await triage.attachment_for(
        call.session,
        case_id=call.path_int("case_id"),
        attachment_id=call.path_int("attachment_id"),
        viewer=call.me,
        as_staff=False,
    )
    return await serve_attachment(call, row)


@api.op(
    "POST",
    "/cases/{case_id}/confirm",
    response=CaseOut,
    tags=TAGS,
    errors=[403, 404, 409],
    links=CASE_LINKS,
)
async def confirm_case_resolved(call: Call) -> CaseOut:
    """The rider confirms the resolution: the case is closed."""
    case_id = call.path_int("case_id")
    case = await rider_actions.confirm_resolved(call.session, case_id=case_id, user=call.me)
    return await rider_out(call, case)


@api.op(
    "POST",
    "/cases/{case_id}/reopen",
    body=ReopenIn,
    response=CaseOut,
    tags=TAGS,
    errors=[403, 404, 409],
    links=CASE_LINKS,
)
async def reopen_case(call: Call) -> CaseOut:
    """Reopen ("it is not resolved"): back to in progress, within 14 days of resolving."""
    case = await rider_actions.reopen(
        call.session, case_id=call.path_int("case_id"), user=call.me, reason=call.body.reason
    )
    return await rider_out(call, case)


@api.op(
    "POST",
    "/cases/{case_id}/rating",
    body=RatingIn,
    response=CaseOut,
    tags=TAGS,
    errors=[403, 404, 409],
    links=CASE_LINKS,
)
async def rate_case(call: Call) -> CaseOut:
    """Rate how a resolved case was handled, 1 to 5 stars, once."""
    b = call.body
    case = await rider_actions.rate(
        call.session,
        case_id=call.path_int("case_id"),
        user=call.me,
        stars=b.stars,
        comment=b.comment,
    )
    return await rider_out(call, case)
