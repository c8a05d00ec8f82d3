"""Declaring an API operation once: its route, its pydantic models, its auth, its OpenAPI.

The same models validate requests, shape responses and generate /api/v1/openapi.json, so
the contract and the code cannot drift apart.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from api.keys import CTX
from models import User
from models.db import unit_of_work
from services import auth

MAX_JSON = 64 * 1024  # bytes; uploads have their own limits
MAX_ID = 2**31 - 1  # integer primary keys


@dataclass
class Call:
    request: web.Request
    session: AsyncSession
    user: User | None
    body: Any = None
    query: Any = None

    @property
    def me(self) -> User:
        assert self.user is not None, "operation declared without auth"
        return self.user

    def path_int(self, name: str) -> int:
        """A row id from the path; anything that cannot be one is simply not found."""
        raw = self.request.match_info[name]
        if not raw.isdigit() or not 0 < int(raw) <= MAX_ID:
            raise web.HTTPNotFound(text=f"no such {name.removesuffix('_id')}")
        return int(raw)

    @property
    def token(self) -> str | None:
        return bearer(self.request)


Handler = Callable[[Call], Awaitable[Any]]


def links(*operations: str, **parameters: str) -> dict[str, dict[str, Any]]:
    """OpenAPI links to `operations` (handlers' names), each named after its operation, their
    path parameters taken from this response: links("get_my_case", case_id="$response.body#/id").
    Point only at values always in the answer: a link into an empty list cannot be followed."""
    return {op: {"operationId": op, "parameters": parameters} for op in operations}


@dataclass
class Operation:
    method: str
    path: str
    handler: Handler
    summary: str
    tags: list[str]
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    auth: bool = True
    errors: list[int] = field(default_factory=list)
    content_type: str | None = None  # for non-JSON responses (CSV, PDF)
    multipart: dict[str, Any] | None = None  # schema of a multipart/form-data body
    # OpenAPI links from the success response to later operations, e.g.
    # {"GetCase": {"operationId": "get_my_case", "parameters": {"case_id": "$response.body#/id"}}}
    # They document the workflow and drive schemathesis' stateful run.
    links: dict[str, dict[str, Any]] = field(default_factory=dict)


class Api:
    """Collects operations; `.routes()` gives aiohttp routes, `.openapi()` the document."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.operations: list[Operation] = []

    def op(self, method: str, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        def register(fn: Handler) -> Handler:
            summary = kw.pop("summary", None) or (fn.__doc__ or fn.__name__).strip().split("\n")[0]
            self.operations.append(Operation(method, path, fn, summary=summary, **kw))
            return fn

        return register

    def routes(self) -> list[web.RouteDef]:
        return [
            web.route(o.method, self.prefix + o.path, _wrap(o), name=o.handler.__name__)
            for o in self.operations
        ]


def bearer(request: web.Request) -> str | None:
    value = request.headers.get("Authorization", "")
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _wrap(op: Operation) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handle(request: web.Request) -> web.StreamResponse:
        body = await _body(request, op)
        query = op.query.model_validate(dict(request.query)) if op.query else None
        async with unit_of_work(request.app[CTX].sessions) as session:
            user = None
            if op.auth:
                token = bearer(request)
                if token is None:
                    raise auth.Unauthorized("token_missing")
                user = await auth.authenticate(session, access_token=token)
            result = await op.handler(Call(request, session, user, body, query))
        if isinstance(result, web.StreamResponse):
            return result
        if result is None:
            return web.Response(status=204 if op.status == 200 else op.status)
        data = result.model_dump(mode="json") if isinstance(result, BaseModel) else result
        return web.json_response(data, status=op.status)

    return handle


async def _body(request: web.Request, op: Operation) -> Any:
    if op.multipart is not None:
        return None  # the handler reads the parts itself, with its own limits
    if op.body is None:
        return None
    if request.content_length is not None and request.content_length > MAX_JSON:
        raise web.HTTPRequestEntityTooLarge(max_size=MAX_JSON, actual_size=request.content_length)
    raw = await request.content.read(MAX_JSON + 1)
    if len(raw) > MAX_JSON:
        raise web.HTTPRequestEntityTooLarge(max_size=MAX_JSON, actual_size=len(raw))
    try:
        data = loads(raw or b"null")
    except (ValueError, UnicodeDecodeError):
        raise web.HTTPBadRequest(text="the body must be JSON") from None
    return from_json(op.body, data)


M = TypeVar("M", bound=BaseModel)


def from_json(model: type[M], data: Any) -> M:
    """Parsed JSON held to the types the schema promises: 0 is not false, "5" is not 5
    (pydantic's strict mode, which still reads ISO dates from strings)."""
    return model.model_validate_json(json.dumps(data), strict=True)


def loads(raw: bytes | str) -> Any:
    return json.loads(raw, parse_float=_number)


def _number(text: str) -> int | float:
    # JSON Schema counts 2.0 as an integer; strict pydantic would not.
    value = float(text)
    return int(value) if value.is_integer() else value
