"""OpenAPI 3.1 from the registered operations and their pydantic models."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from api.endpoint import MAX_ID, Api

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "required": ["type", "title", "status", "detail", "code"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "params": {"type": "object"},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
}
REASONS = {
    400: "Bad request",
    401: "Not signed in",
    403: "Not allowed",
    404: "Not found",
    409: "Conflict",
    413: "Too large",
    415: "Unsupported media type",
    422: "Invalid",
    429: "Too many requests",
    503: "The database is unavailable for a moment: retry after Retry-After seconds",
}


def build(api: Api, *, title: str, version: str) -> dict[str, Any]:
    models: list[tuple[type[BaseModel], str]] = []
    for o in api.operations:
        if o.body:
            models.append((o.body, "validation"))
        if o.response:
            models.append((o.response, "serialization"))
    keys, defs = models_json_schema(models, ref_template="#/components/schemas/{model}")
    schemas: dict[str, Any] = dict(defs.get("$defs", {}))
    schemas["Problem"] = PROBLEM_SCHEMA
    paths: dict[str, Any] = {}
    for o in api.operations:
        item: dict[str, Any] = {
            "operationId": o.handler.__name__,
            "summary": o.summary,
            "tags": o.tags,
            "parameters": _parameters(o.path, o.query, schemas),
            "responses": {},
        }
        if not o.auth:
            item["security"] = []
        if o.body:
            item["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": keys[(o.body, "validation")]}},
            }
        if o.multipart:
            # An "encoding" entry (OpenAPI's per-part content types) sits beside the schema.
            schema = {k: v for k, v in o.multipart.items() if k != "encoding"}
            media: dict[str, Any] = {"schema": schema}
            if "encoding" in o.multipart:
                media["encoding"] = o.multipart["encoding"]
            item["requestBody"] = {"required": True, "content": {"multipart/form-data": media}}
        ok: dict[str, Any] = {"description": "OK"}
        if o.response:
            ok["content"] = {"application/json": {"schema": keys[(o.response, "serialization")]}}
        elif o.content_type:
            ok["content"] = {o.content_type: {"schema": {"type": "string"}}}
        if o.links:
            ok["links"] = o.links
        item["responses"][str(o.status if o.response or o.content_type else 204)] = ok
        with_body = [400, 413] if o.body or o.multipart else []  # not JSON / too large
        # 503: any operation may meet the database gone (api/unavailable.py).
        errors = sorted({*o.errors, 422, 429, 503, *([401] if o.auth else []), *with_body})
        for status in errors:
            item["responses"][str(status)] = {
                "description": REASONS.get(status, "Error"),
                "content": {
                    "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
                },
            }
        paths.setdefault(api.prefix + openapi_path(o.path), {})[o.method.lower()] = item
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
    }


def _parameters(
    path: str, query: type[BaseModel] | None, schemas: dict[str, Any]
) -> list[dict[str, Any]]:
    """Path and query parameters; models a query refers to (enums) go to `schemas`."""
    params: list[dict[str, Any]] = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
        }
        if name.endswith("_id")
        else {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in re.findall(r"{(\w+)(?::[^}]*)?}", path)
    ]
    if query is not None:
        schema = query.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(schema.get("$defs", {}))
        required = set(schema.get("required", []))
        for name, prop in schema.get("properties", {}).items():
            params.append(
                {"name": name, "in": "query", "required": name in required, "schema": prop}
            )
    return params


def openapi_path(path: str) -> str:
    """aiohttp's `{name:regex}` becomes OpenAPI's plain `{name}`."""
    return re.sub(r"{(\w+):[^}]*}", r"{\1}", path)
