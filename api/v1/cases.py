"""A rider's cases: report with photos, list own, detail with the public history, and the
rider's answers (add information, confirm, reopen, rate). Rules live in services.cases."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from aiohttp import web
from pydantic import BaseModel, Field

from api.endpoint import MAX_ID, MAX_JSON, Call, from_json, links, loads
from api.keys import CTX
from api.multipart import form_parts, read_part, read_text
from api.v1 import api
from api.v1.schemas import NO_NUL, VISIBLE, Model
from models import Case, CaseEvent, User
from models.cases import AttachmentKind, CaseAttachment
from services import limits as lim
from services.cases import reporting, rider_actions, triage
from services.cases.access import is_staff
from services.cases.attachments import (
    IMAGE_TYPES,
    MAX_CASE_PHOTOS,
    MAX_PHOTO_BYTES,
    MAX_PHOTOS,
    Upload,
    check_upload,
    save_upload,
    served_path,
    sniff_image,
)
from services.cases.categories import policy
from services.cases.rider_view import CaseView, case_view, case_view_by_id
from services.errors import NotFound
from services.membership.members import require_member

TAGS = ["cases"]
REPORTABLE = [c.code for c in policy().categories.values() if c.reportable]


# --- models ------------------------------------------------------------------------------------


class ReportIn(Model):
    category: str = Field(
        min_length=lim.NOT_EMPTY, max_length=lim.CODE_MAX, json_schema_extra={"enum": REPORTABLE}
    )
    description: str = Field(
        min_length=lim.NOT_EMPTY, max_length=lim.DESCRIPTION_MAX, pattern=VISIBLE
    )
    lat: float | None = Field(default=None, ge=lim.LAT_MIN, le=lim.LAT_MAX)
    lon: float | None = Field(default=None, ge=lim.LON_MIN, le=lim.LON_MAX)
    place: str | None = Field(default=None, max_length=lim.PLACE_MAX)
    anonymous: bool = False


class CaseOut(BaseModel):
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


class EventOut(BaseModel):
    id: int
    kind: str
    at: datetime
    actor: str | None = Field(description="who did it, when they are staff or the viewer")
    public: bool
    details: dict[str, Any]


class AttachmentOut(BaseModel):
    id: int
    kind: str
    mime_type: str | None
    size: int | None
    sha256: str | None
    created_at: datetime
    stored: bool = Field(
        description="kept by the desk and downloadable here; false for files sent in chat"
    )


class CaseDetail(BaseModel):
    case: CaseOut
    history: list[EventOut]
    attachments: list[AttachmentOut] = Field(description="the photos and voice notes I sent")


class CasePage(BaseModel):
    cases: list[CaseOut]
    next_cursor: str | None = Field(description="pass as ?cursor= for the next page")


class PageQuery(Model):
    cursor: str | None = Field(default=None, pattern=r"^c[0-9a-z]{1,7}$")
    limit: int = Field(default=20, ge=1, le=100)


class InfoIn(Model):
    text: str = Field(min_length=lim.NOT_EMPTY, max_length=lim.TEXT_MAX)


class InfoText(Model):
    """The words that may come with added photos."""

    text: str = Field(default="", max_length=lim.TEXT_MAX)


class ReopenIn(Model):
    reason: str = Field(default="", max_length=lim.REASON_MAX)


class RatingIn(Model):
    stars: int = Field(ge=lim.STARS_MIN, le=lim.STARS_MAX)
    comment: str | None = Field(default=None, max_length=lim.REASON_MAX)


def case_out(case: Case) -> CaseOut:
    """The whole case, as staff read it. Riders get `rider_case_out`."""
    return CaseOut(
        id=case.id,  # type: ignore[arg-type]
        ref=case.ref,
        category=case.category,
        severity=case.severity.value,
        status=case.status.value,
        summary=case.summary,
        place=case.place,
        lat=case.lat,
        lon=case.lon,
        anonymous=case.anonymous,
        created_at=case.created_at,
        updated_at=case.updated_at,
        first_response_due_at=case.first_response_due_at,
        resolved_at=case.resolved_at,
        merged_into_id=case.merged_into_id,
        rating=case.rating,
        rating_comment=case.rating_comment,
    )


def rider_case_out(view: CaseView) -> CaseOut:
    """A case as a rider reads it: every field comes from `services.cases.rider_view`."""
    return CaseOut(
        id=view.id,
        ref=view.ref,
        category=view.category,
        severity=view.severity,
        status=view.status,
        summary=view.summary,
        place=view.place,
        lat=view.lat,
        lon=view.lon,
        anonymous=view.anonymous,
        created_at=view.created_at,
        updated_at=view.updated_at,
        first_response_due_at=view.first_response_due_at,
        resolved_at=view.resolved_at,
        merged_into_id=view.merged_into_id,
        rating=view.rating,
        rating_comment=view.rating_comment,
    )


async def rider_out(call: Call, case: Case) -> CaseOut:
    return rider_case_out(await case_view(call.session, case=case, viewer=call.me))


def attachment_out(a: CaseAttachment) -> AttachmentOut:
    return AttachmentOut(
        id=a.id,  # type: ignore[arg-type]
        kind=a.kind.value,
        mime_type=a.mime_type,
        size=a.size,
        sha256=a.sha256,
        created_at=a.created_at,
        stored=bool(a.path),
    )


def event_out(event: CaseEvent, actor: User | None, *, viewer: User) -> EventOut:
    named = actor is not None and (is_staff(actor) or actor.id == viewer.id)
    return EventOut(
        id=event.id,  # type: ignore[arg-type]
        kind=event.kind,
        at=event.created_at,
        actor=actor.display_name if named and actor else None,
        public=event.public,
        details=event.payload or {},
    )


# --- the cursor --------------------------------------------------------------------------------


def encode_cursor(before_id: int | None) -> str | None:
    return None if before_id is None else "c" + _base36(before_id)


def _base36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if n == 0:
            return out


def decode_cursor(cursor: str | None) -> int | None:
    """Opaque to clients; the pattern on the query keeps out anything that cannot be one."""
    if not cursor:
        return None
    before = int(cursor[1:], 36)
    # Beyond any id is the first page; the bound must also fit PostgreSQL's integer.
    return before if before <= MAX_ID else None


# --- multipart bodies: a report, or photos added to a case -------------------------------------

PHOTO_PARTS = {
    "type": "array",
    "maxItems": MAX_PHOTOS,
    "items": {"type": "string", "format": "binary"},
    "description": f"JPEG, PNG or WebP, at most {MAX_PHOTO_BYTES // 2**20} MB each",
}
PHOTO_ENCODING = {"contentType": "image/jpeg, image/png, image/webp"}
MULTIPART = {
    "type": "object",
    "required": ["report"],
    "additionalProperties": False,
    "properties": {"report": ReportIn.model_json_schema(), "photo": PHOTO_PARTS},
    "encoding": {"report": {"contentType": "application/json"}, "photo": PHOTO_ENCODING},
}
PHOTOS_MULTIPART = {
    "type": "object",
    "required": ["photo"],
    "additionalProperties": False,
    "properties": {
        "photo": {
            **PHOTO_PARTS,
            "minItems": lim.NOT_EMPTY,
            "description": f"{PHOTO_PARTS['description']}; at most {MAX_CASE_PHOTOS} on a case",
        },
        "text": {
            "type": "string",
            "maxLength": lim.TEXT_MAX,
            "pattern": NO_NUL,
            "description": "a few words with them",
        },
    },
    "encoding": {"photo": PHOTO_ENCODING},
}
FIELDS = {"category", "description", "lat", "lon", "place", "anonymous"}
Photos = list[tuple[bytes, str | None]]


async def read_form(
    request: web.Request, *, fields: set[str], json_part: str | None = None
) -> tuple[dict[str, Any], Photos]:
    """The named fields (or one JSON part holding them, as a dict under its name) and up to
    five `photo` parts."""
    values: dict[str, Any] = {}
    photos: Photos = []
    async for part in form_parts(request):
        name = part.name or ""
        if name == "photo":
            if len(photos) == MAX_PHOTOS:
                raise web.HTTPUnprocessableEntity(text=f"at most {MAX_PHOTOS} photos")
            data = await read_part(part, MAX_PHOTO_BYTES)
            photos.append((data, part.headers.get("Content-Type")))
        elif json_part is not None and name == json_part:
            try:
                value = loads(await read_part(part, MAX_JSON))
            except (ValueError, UnicodeDecodeError):
                raise web.HTTPUnprocessableEntity(text="the report part must be JSON") from None
            if not isinstance(value, dict):
                raise web.HTTPUnprocessableEntity(text="the report part must be an object")
            values[json_part] = value
        elif name in fields:
            values[name] = await read_text(part, MAX_JSON)
        else:  # as JSON bodies refuse unknown fields: a misspelt part is not lost silently
            raise web.HTTPUnprocessableEntity(text=f"unknown part {name!r}")
    return values, photos


async def read_report(request: web.Request) -> tuple[ReportIn, Photos]:
    """The `report` JSON part (or plain form fields) and up to five `photo` parts."""
    values, photos = await read_form(request, fields=FIELDS, json_part="report")
    typed = values.pop("report", {})
    # A mismatch is a 422 problem. The JSON part is held to JSON's types; plain form fields
    # (text by nature) are read leniently.
    if values:
        return ReportIn.model_validate({**typed, **values}), photos
    return from_json(ReportIn, typed), photos


def checked_photos(
    photos: Photos, *, folder: Path
) -> tuple[list[Upload], list[reporting.Attachment]]:
    """Every photo checked by its content before anything is kept, and the attachment rows
    they will become. Nothing is written yet: see `keep`."""
    uploads = [check_upload(data, content_type=ctype) for data, ctype in photos]
    rows = [
        reporting.Attachment(
            kind=AttachmentKind.photo,
            size=u.size,
            mime_type=u.mime_type,
            path=str(u.path_in(folder)),
            sha256=u.sha256,
        )
        for u in uploads
    ]
    return uploads, rows


def keep(uploads: list[Upload], *, folder: Path) -> None:
    """Write the photos once the service has accepted the rows naming them: a refused
    request (unknown category, closed case, too many photos) leaves no file behind."""
    for upload in uploads:
        save_upload(upload, dir=folder)


def upload_dir(call: Call) -> Path:
    return call.request.app[CTX].settings.upload_dir


async def serve_attachment(call: Call, row: CaseAttachment) -> web.FileResponse:
    """A stored file by the path its row holds (never one from the request), inside the
    upload folder, served as the image it is and never sniffed into something else."""
    path = served_path(row.path, dir=upload_dir(call))
    mime = row.mime_type if row.mime_type in IMAGE_TYPES else None
    if path is not None and mime is None:
        with path.open("rb") as fh:
            found = sniff_image(fh.read(16))
        mime = found[0] if found else None
    if path is None or mime is None:
        raise NotFound("attachment_not_stored")
    return web.FileResponse(
        path,
        headers={
            "Content-Type": mime,
            "Content-Disposition": f'attachment; filename="{row.sha256 or row.id}{path.suffix}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )


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
        call.session, user=call.me, before_id=decode_cursor(call.query.cursor),
        limit=call.query.limit,
    )  # fmt: skip
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
    "POST", "/cases/{case_id}/info", body=InfoIn, response=CaseDetail, tags=TAGS,
    errors=[403, 404, 409], links=DETAIL_LINKS,
)  # fmt: skip
async def add_case_info(call: Call) -> CaseDetail:
    """Add information to the case, or answer the representative's question."""
    case = await rider_actions.add_info(
        call.session, case_id=call.path_int("case_id"), user=call.me, text_=call.body.text
    )
    return await _detail(call, case)


@api.op(
    "POST", "/cases/{case_id}/photos", multipart=PHOTOS_MULTIPART, response=CaseDetail,
    tags=TAGS, errors=[403, 404, 409, 415], links=PHOTOS_LINKS,
)  # fmt: skip
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
    "GET", "/cases/{case_id}/attachments/{attachment_id}", content_type="image/*", tags=TAGS,
    errors=[404],
)  # fmt: skip
async def download_my_attachment(call: Call) -> web.FileResponse:
    """A photo I sent with my case, as it was uploaded."""
    row = await triage.attachment_for(
        call.session, case_id=call.path_int("case_id"),
        attachment_id=call.path_int("attachment_id"), viewer=call.me, as_staff=False,
    )  # fmt: skip
    return await serve_attachment(call, row)


@api.op(
    "POST", "/cases/{case_id}/confirm", response=CaseOut, tags=TAGS, errors=[403, 404, 409],
    links=CASE_LINKS,
)  # fmt: skip
async def confirm_case_resolved(call: Call) -> CaseOut:
    """The rider confirms the resolution: the case is closed."""
    case_id = call.path_int("case_id")
    case = await rider_actions.confirm_resolved(call.session, case_id=case_id, user=call.me)
    return await rider_out(call, case)


@api.op(
    "POST", "/cases/{case_id}/reopen", body=ReopenIn, response=CaseOut, tags=TAGS,
    errors=[403, 404, 409], links=CASE_LINKS,
)  # fmt: skip
async def reopen_case(call: Call) -> CaseOut:
    """Reopen ("it is not resolved"): back to in progress, within 14 days of resolving."""
    case = await rider_actions.reopen(
        call.session, case_id=call.path_int("case_id"), user=call.me, reason=call.body.reason
    )
    return await rider_out(call, case)


@api.op(
    "POST", "/cases/{case_id}/rating", body=RatingIn, response=CaseOut, tags=TAGS,
    errors=[403, 404, 409], links=CASE_LINKS,
)  # fmt: skip
async def rate_case(call: Call) -> CaseOut:
    """Rate how a resolved case was handled, 1 to 5 stars, once."""
    b = call.body
    case = await rider_actions.rate(
        call.session, case_id=call.path_int("case_id"), user=call.me, stars=b.stars,
        comment=b.comment,
    )  # fmt: skip
    return await rider_out(call, case)
