"""Multipart bodies (a report, or photos added to a case), the page cursor, and serving an
attachment."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp import web

from api.endpoint import MAX_ID, MAX_JSON, Call, from_json, loads
from api.keys import CTX
from api.multipart import form_parts, read_part, read_text
from api.v1.case_schemas import ReportIn
from api.v1.schemas import NO_NUL
from models.cases import AttachmentKind, CaseAttachment
from services import limits as lim
from services.cases import reporting
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
from services.errors import NotFound


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
