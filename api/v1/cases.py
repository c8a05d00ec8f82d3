"""A rider's cases: report with photos, list own, detail with the public history, and the
rider's answers (add information, confirm, reopen, rate). Rules live in services.cases."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from aiohttp import BodyPartReader, web
from aiohttp.http_exceptions import HttpProcessingError
from pydantic import BaseModel, Field

from api.endpoint import MAX_ID, MAX_JSON, Call
from api.keys import CTX
from api.v1 import api
from api.v1.schemas import Model
from models import Case, CaseEvent, User
from models.cases import AttachmentKind
from services import cases
from services.attachments import MAX_PHOTO_BYTES, MAX_PHOTOS, store_upload
from services.case_access import is_staff
from services.categories import policy
from services.membership import require_member

TAGS = ["cases"]
REPORTABLE = [c.code for c in policy().categories.values() if c.reportable]


# --- models ------------------------------------------------------------------------------------


class ReportIn(Model):
    category: str = Field(min_length=1, max_length=32, json_schema_extra={"enum": REPORTABLE})
    description: str = Field(min_length=1, max_length=4000, pattern=r"\S")
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    place: str | None = Field(default=None, max_length=128)
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


class CaseDetail(BaseModel):
    case: CaseOut
    history: list[EventOut]


class CasePage(BaseModel):
    cases: list[CaseOut]
    next_cursor: str | None = Field(description="pass as ?cursor= for the next page")


class PageQuery(Model):
    cursor: str | None = Field(default=None, pattern=r"^c[0-9a-z]{1,7}$")
    limit: int = Field(default=20, ge=1, le=100)


class InfoIn(Model):
    text: str = Field(min_length=1, max_length=4000)


class ReopenIn(Model):
    reason: str = Field(default="", max_length=1000)


class RatingIn(Model):
    stars: int = Field(ge=1, le=5)
    comment: str | None = Field(default=None, max_length=1000)


def case_out(case: Case) -> CaseOut:
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
    return min(int(cursor[1:], 36), MAX_ID + 1)


# --- the multipart report ----------------------------------------------------------------------

MULTIPART = {
    "type": "object",
    "required": ["report"],
    "additionalProperties": False,
    "properties": {
        "report": ReportIn.model_json_schema(),
        "photo": {
            "type": "array",
            "maxItems": MAX_PHOTOS,
            "items": {"type": "string", "format": "binary"},
            "description": f"JPEG, PNG or WebP, at most {MAX_PHOTO_BYTES // 2**20} MB each",
        },
    },
    "encoding": {
        "report": {"contentType": "application/json"},
        "photo": {"contentType": "image/jpeg, image/png, image/webp"},
    },
}
FIELDS = {"category", "description", "lat", "lon", "place", "anonymous"}


async def _read_part(part: BodyPartReader, limit: int) -> bytes:
    data = bytearray()
    while chunk := await part.read_chunk(64 * 1024):
        data += chunk
        if len(data) > limit:
            raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=len(data))
    return bytes(data)


async def read_report(request: web.Request) -> tuple[ReportIn, list[tuple[bytes, str | None]]]:
    """The `report` JSON part (or plain form fields) and up to five `photo` parts."""
    if not request.content_type.startswith("multipart/"):
        raise web.HTTPUnsupportedMediaType(text="send multipart/form-data")
    try:
        reader = await request.multipart()
    except (ValueError, AssertionError, KeyError):
        raise web.HTTPBadRequest(text="not a readable multipart body") from None
    report: dict[str, Any] = {}
    photos: list[tuple[bytes, str | None]] = []
    try:
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):
                raise web.HTTPBadRequest(text="nested multipart is not supported")
            name = part.name or ""
            if name == "photo":
                if len(photos) == MAX_PHOTOS:
                    raise web.HTTPUnprocessableEntity(text=f"at most {MAX_PHOTOS} photos")
                data = await _read_part(part, MAX_PHOTO_BYTES)
                photos.append((data, part.headers.get("Content-Type")))
            elif name == "report":
                try:
                    value = json.loads(await _read_part(part, MAX_JSON))
                except (ValueError, UnicodeDecodeError):
                    raise web.HTTPUnprocessableEntity(text="the report part must be JSON") from None
                if not isinstance(value, dict):
                    raise web.HTTPUnprocessableEntity(text="the report part must be an object")
                report.update(value)
            elif name in FIELDS:
                report[name] = (await _read_part(part, MAX_JSON)).decode(errors="replace")
            else:
                await _read_part(part, MAX_JSON)  # unknown parts are read and ignored
    except (ValueError, AssertionError, HttpProcessingError):  # e.g. a part's broken header
        raise web.HTTPBadRequest(text="not a readable multipart body") from None
    return ReportIn.model_validate(report), photos  # a mismatch is a 422 problem


# --- operations --------------------------------------------------------------------------------


@api.op(
    "POST",
    "/cases",
    multipart=MULTIPART,
    response=CaseOut,
    status=201,
    tags=TAGS,
    errors=[403, 404, 415],
)
async def report_case(call: Call) -> CaseOut:
    """Report an issue (members only): a `report` JSON part and up to five `photo` parts."""
    # Members only, and checked before a byte is stored.
    await require_member(call.session, user=call.me)
    body, photos = await read_report(call.request)
    folder = call.request.app[CTX].settings.upload_dir
    attachments = []
    for data, ctype in photos:
        path, digest = store_upload(data, content_type=ctype, dir=folder)
        attachments.append(
            cases.Attachment(
                kind=AttachmentKind.photo,
                size=len(data),
                mime_type=(ctype or "").split(";")[0] or None,
                path=str(path),
                sha256=digest,
            )
        )
    report = cases.Report(
        category=body.category,
        description=body.description,
        photos=attachments,
        lat=body.lat if body.lon is not None else None,
        lon=body.lon if body.lat is not None else None,
        place=body.place,
        anonymous=body.anonymous,
    )
    tz = call.request.app[CTX].settings.timezone
    return case_out(await cases.report_case(call.session, user=call.me, report=report, tz=tz))


@api.op("GET", "/cases", query=PageQuery, response=CasePage, tags=TAGS)
async def list_my_cases(call: Call) -> CasePage:
    """The signed-in rider's own cases, newest first, with a cursor to the next page."""
    page, more = await cases.my_cases_page(
        call.session, user=call.me, before_id=decode_cursor(call.query.cursor),
        limit=call.query.limit,
    )  # fmt: skip
    return CasePage(cases=[case_out(c) for c in page], next_cursor=encode_cursor(more))


async def _detail(call: Call, case: Case) -> CaseDetail:
    events = await cases.rider_history(call.session, case=case, viewer=call.me)
    return CaseDetail(
        case=case_out(case), history=[event_out(e, u, viewer=call.me) for e, u in events]
    )


@api.op("GET", "/cases/{case_id}", response=CaseDetail, tags=TAGS, errors=[404])
async def get_my_case(call: Call) -> CaseDetail:
    """One of the rider's cases (or one theirs was merged into) with its public history."""
    case = await cases.rider_view(call.session, case_id=call.path_int("case_id"), user=call.me)
    return await _detail(call, case)


@api.op(
    "POST", "/cases/{case_id}/info", body=InfoIn, response=CaseDetail, tags=TAGS,
    errors=[403, 404, 409],
)  # fmt: skip
async def add_case_info(call: Call) -> CaseDetail:
    """Add information to the case, or answer the representative's question."""
    case = await cases.add_info(
        call.session, case_id=call.path_int("case_id"), user=call.me, text_=call.body.text
    )
    return await _detail(call, case)


@api.op("POST", "/cases/{case_id}/confirm", response=CaseOut, tags=TAGS, errors=[403, 404, 409])
async def confirm_case_resolved(call: Call) -> CaseOut:
    """The rider confirms the resolution: the case is closed."""
    case_id = call.path_int("case_id")
    return case_out(await cases.confirm_resolved(call.session, case_id=case_id, user=call.me))


@api.op(
    "POST", "/cases/{case_id}/reopen", body=ReopenIn, response=CaseOut, tags=TAGS,
    errors=[403, 404, 409],
)  # fmt: skip
async def reopen_case(call: Call) -> CaseOut:
    """Reopen ("it is not resolved"): back to in progress, within 14 days of resolving."""
    case = await cases.reopen(
        call.session, case_id=call.path_int("case_id"), user=call.me, reason=call.body.reason
    )
    return case_out(case)


@api.op(
    "POST", "/cases/{case_id}/rating", body=RatingIn, response=CaseOut, tags=TAGS,
    errors=[403, 404, 409],
)  # fmt: skip
async def rate_case(call: Call) -> CaseOut:
    """Rate how a resolved case was handled, 1 to 5 stars, once."""
    b = call.body
    case = await cases.rate(
        call.session, case_id=call.path_int("case_id"), user=call.me, stars=b.stars,
        comment=b.comment,
    )  # fmt: skip
    return case_out(case)
