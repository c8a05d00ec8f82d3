"""The HTTP side: one aiohttp application with /healthz, /api/v1, /admin and the sandbox."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from api import health, verify
from api.keys import CTX

if TYPE_CHECKING:
    from app.runtime import Context


def create_web_app(ctx: Context) -> web.Application:
    app = web.Application(client_max_size=20 * 1024 * 1024)
    app[CTX] = ctx
    app.add_routes(health.routes)
    app.add_routes(verify.routes)
    return app
