"""The contract, served: /api/v1/openapi.json, and at /api/v1/docs Swagger UI over it (vendored,
so the page works offline) to read every operation and try it against this server."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from api import openapi
from api.v1 import api

STATIC = Path(__file__).resolve().parent.parent / "static"
routes = web.RouteTableDef()


@routes.get("/api/v1/openapi.json")
async def openapi_json(request: web.Request) -> web.Response:
    return web.json_response(openapi.build(api, title="Rider union desk API", version="1"))


@routes.get("/api/v1/docs")
async def docs(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "api-docs.html")


routes.static("/api/v1/docs/assets", STATIC / "swagger-ui")
