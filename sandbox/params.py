"""Bot API request parameters from query string, JSON, urlencoded or multipart bodies."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .state import BotApiError, bad_request

MAX_UPLOAD = 50 * 1024 * 1024  # the real server refuses multipart bodies above 50 MB
MAX_FORM = 1024 * 1024


@dataclass
class Upload:
    data: bytes
    filename: str | None
    content_type: str | None


def _too_large() -> BotApiError:
    return BotApiError(413, "Request Entity Too Large")


async def read_params(request: web.Request) -> dict[str, Any]:
    """Merge query and body parameters; multipart file parts become Upload values."""
    params: dict[str, Any] = dict(request.query)
    if request.method != "POST" or not request.body_exists:
        return params
    ctype = request.content_type
    if ctype == "multipart/form-data":
        # read parts ourselves: the root app's client_max_size (1 MB by default) must not apply
        reader = await request.multipart()
        total = 0
        while (part := await reader.next()) is not None:
            if not hasattr(part, "read_chunk"):
                continue  # nested multipart is not something the Bot API uses
            chunks = []
            while chunk := await part.read_chunk(1 << 16):
                total += len(chunk)
                if total > MAX_UPLOAD:
                    raise _too_large()
                chunks.append(chunk)
            data = b"".join(chunks)
            if part.filename is not None:
                params[part.name or ""] = Upload(
                    data, part.filename, part.headers.get("Content-Type")
                )
            else:
                params[part.name or ""] = data.decode(part.get_charset(default="utf-8"))
        return params
    body = await request.content.read(MAX_FORM + 1)
    if len(body) > MAX_FORM:
        raise _too_large()
    if ctype == "application/json":
        try:
            data = json.loads(body or b"{}")
        except ValueError as exc:
            raise bad_request("can't parse JSON object") from exc
        if not isinstance(data, dict):
            raise bad_request("can't parse JSON object")
        params.update(data)
    elif ctype == "application/x-www-form-urlencoded":
        from urllib.parse import parse_qsl

        params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    return params


class Params:
    """Typed access to raw parameters, with Telegram's error wording."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw

    def has(self, name: str) -> bool:
        return self.raw.get(name) not in (None, "")

    def str(self, name: str, default: str | None = None) -> str | None:
        value = self.raw.get(name)
        if value is None:
            return default
        if isinstance(value, Upload):
            raise bad_request(f'field "{name}" must be of type String')
        return value if isinstance(value, str) else json.dumps(value)

    def int(self, name: str, default: int | None = None) -> int | None:
        value = self.raw.get(name)
        if value in (None, ""):
            return default
        if isinstance(value, bool):
            return int(value)
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f'field "{name}" must be of type Integer') from None

    def float(self, name: str) -> float | None:
        value = self.raw.get(name)
        if value in (None, ""):
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad_request(f'field "{name}" must be of type Float') from None

    def bool(self, name: str) -> bool:
        value = self.raw.get(name)
        if isinstance(value, str):
            return value.lower() in ("true", "1")
        return bool(value)

    def json(self, name: str) -> Any:
        """Nested objects: native in JSON bodies, JSON-serialized strings otherwise."""
        value = self.raw.get(name)
        if isinstance(value, str):
            if value == "":
                return None
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(f"can't parse {name} JSON object") from None
        return value

    def summary(self) -> dict[str, Any]:
        """A loggable copy: uploads and long strings shortened."""
        out: dict[str, Any] = {}
        for key, value in self.raw.items():
            if isinstance(value, Upload):
                out[key] = f"<upload {value.filename} {len(value.data)} bytes>"
            elif isinstance(value, str) and len(value) > 300:
                out[key] = value[:300] + "…"
            else:
                out[key] = value
        return out
