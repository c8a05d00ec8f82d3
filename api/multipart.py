"""Reading multipart/form-data bodies (case photos, claim evidence) part by part, with limits.

Anything aiohttp cannot parse (a broken part header, a cut body) is one clear 400, whether it
shows while finding the next part or while reading one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import BodyPartReader, web
from aiohttp.http_exceptions import HttpProcessingError

UNREADABLE = (ValueError, AssertionError, KeyError, HttpProcessingError)


def _unreadable() -> web.HTTPBadRequest:
    return web.HTTPBadRequest(text="not a readable multipart body")


async def form_parts(request: web.Request) -> AsyncIterator[BodyPartReader]:
    if not request.content_type.startswith("multipart/"):
        raise web.HTTPUnsupportedMediaType(text="send multipart/form-data")
    try:
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):
                raise web.HTTPBadRequest(text="nested multipart is not supported")
            yield part
    except UNREADABLE:
        raise _unreadable() from None


async def read_part(part: BodyPartReader, limit: int) -> bytes:
    """The part's bytes, refused with 413 as soon as they pass `limit`."""
    data = bytearray()
    try:
        while chunk := await part.read_chunk(64 * 1024):
            data += chunk
            if len(data) > limit:
                raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=len(data))
    except UNREADABLE:
        raise _unreadable() from None
    return bytes(data)


async def read_text(part: BodyPartReader, limit: int) -> str:
    """A text field: UTF-8, and no NUL (which PostgreSQL cannot store), as in JSON bodies."""
    value = (await read_part(part, limit)).decode(errors="replace")
    if "\x00" in value:
        raise web.HTTPUnprocessableEntity(text=f"{part.name}: text may not contain NUL")
    return value
