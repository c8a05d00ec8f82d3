"""The HTTP side: one aiohttp application with /healthz, /api/v1, the /desk and the sandbox."""

from __future__ import annotations

from hashlib import sha256
from typing import TYPE_CHECKING

from aiohttp import web

from api import health, verify
from api.keys import CTX
from api.problems import problems
from api.ratelimit import RateLimits
from api.unavailable import database_unavailable_as_503 as unavailable
from api.v1 import api as api_v1
from api.v1 import docs
from web.app import create_desk_app

if TYPE_CHECKING:
    from app.runtime import Context

UPLOAD_LIMIT = 12 * 1024 * 1024  # a 10 MB photo plus its multipart envelope


def create_web_app(ctx: Context) -> web.Application:
    s = ctx.settings
    # Instances of one desk share its database: that names their counts in Redis.
    desk = sha256(s.database_url.encode()).hexdigest()[:12]
    limits = RateLimits(
        per_ip=s.api_rate_per_ip,
        per_token=s.api_rate_per_token,
        sign_in=s.api_rate_sign_in,
        redis_url=s.redis_url,
        namespace=f"riderunion-{desk}",
        trusted_proxies=s.trusted_proxies,
    )
    middlewares = [problems, unavailable, limits.middleware]
    app = web.Application(client_max_size=UPLOAD_LIMIT, middlewares=middlewares)
    app[CTX] = ctx
    app.add_routes(health.routes)
    app.add_routes(verify.routes)
    app.add_routes(docs.routes)
    app.add_routes(api_v1.routes())
    # The web desk for representatives and admins; / and /admin lead to it.
    app.add_subapp("/desk", create_desk_app(ctx, sign_in_wait=limits.sign_in_wait))
    app.router.add_get("/", _to_desk)
    app.router.add_get("/admin", _to_desk)
    return app


async def _to_desk(request: web.Request) -> web.StreamResponse:
    raise web.HTTPFound("/desk/")
