"""RFC 9457 problem details for every error the API gives."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web
from pydantic import ValidationError

from services.errors import DomainError
from services.texts import text

log = logging.getLogger(__name__)
PROBLEM = "application/problem+json"


def problem(
    status: int, code: str, detail: str, *, headers: dict[str, str] | None = None, **extra: Any
) -> web.Response:
    body = {
        "type": f"https://riderunion.example/problems/{code}",
        "title": code.replace("_", " "),
        "status": status,
        "detail": detail,
        "code": code,
        **extra,
    }
    return web.json_response(body, status=status, content_type=PROBLEM, headers=headers)


def _detail(code: str, params: dict[str, Any], lang: str) -> str:
    try:
        return text(lang, f"error.{code}", **params)
    except KeyError:
        return code.replace("_", " ")


def language(request: web.Request) -> str:
    accept = request.headers.get("Accept-Language", "")
    return "en" if accept.lower().startswith("en") else "zh"


@web.middleware
async def problems(request: web.Request, handler: Any) -> web.StreamResponse:
    if not request.path.startswith("/api/"):
        return await handler(request)
    try:
        return await handler(request)
    except DomainError as exc:
        headers = {}
        if "retry_after" in exc.params:
            headers["Retry-After"] = str(exc.params["retry_after"])
        params = {k: v for k, v in exc.params.items() if isinstance(v, str | int | float)}
        return problem(
            exc.status,
            exc.code,
            _detail(exc.code, exc.params, language(request)),
            headers=headers,
            params=params,
        )
    except ValidationError as exc:
        errors = [
            {"loc": [str(p) for p in e["loc"]], "msg": e["msg"], "type": e["type"]}
            for e in exc.errors(include_url=False, include_context=False)
        ]
        return problem(
            422, "invalid_request", "the request does not match the schema", errors=errors
        )
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = exc.reason.lower().replace(" ", "_")
        return problem(exc.status, code, exc.text or exc.reason, headers=_keep(exc.headers))
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return problem(500, "internal_error", "something went wrong; nothing was changed")


def _keep(headers: Any) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k in ("Retry-After", "Allow", "WWW-Authenticate")}
