"""The desk's link to the API's interactive docs (Swagger UI at /api/v1/docs)."""

from __future__ import annotations

from aiohttp import web

routes = web.RouteTableDef()


@routes.get("/api-docs", name="api_docs")
async def api_docs(request: web.Request) -> web.StreamResponse:
    raise web.HTTPFound("/api/v1/docs")
