"""The HTTP side: one aiohttp application with /healthz, /api/v1, /admin and the sandbox."""

from __future__ import annotations

from hashlib import sha256
from typing import TYPE_CHECKING

from aiohttp import web

from api import health, verify
from api.keys import CTX
from api.problems import problems
from api.ratelimit import RateLimits
from api.v1 import api as api_v1
from api.v1 import docs

if TYPE_CHECKING:
    from app.runtime import Context

UPLOAD_LIMIT = 12 * 1024 * 1024  # a 10 MB photo plus its multipart envelope


def create_web_app(ctx: Context) -> web.Application:
    s = ctx.settings
    # Instances of one desk share its database: that names their counts in Redis.
    desk = sha256(s.database_url.encode()).hexdigest()[:12]
    limits = RateLimits(
        per_ip=s.api_rate_per_ip, per_token=s.api_rate_per_token, sign_in=s.api_rate_sign_in,
        redis_url=s.redis_url, namespace=f"riderunion-{desk}",
        trusted_proxies=s.trusted_proxies,
    )  # fmt: skip
    app = web.Application(client_max_size=UPLOAD_LIMIT, middlewares=[problems, limits.middleware])
    app[CTX] = ctx
    app.add_routes(health.routes)
    app.add_routes(verify.routes)
    app.add_routes(docs.routes)
    app.add_routes(api_v1.routes())
    return app
