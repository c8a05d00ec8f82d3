"""One answer for "the database cannot be reached now": 503 problem+json with Retry-After.

Whichever layer reports it (SQLAlchemy, the pool, asyncpg, aiosqlite, the socket, a timeout),
the client is told to come back shortly, never a 500: nothing was changed, and the same request
will work once the database is back (the pool reconnects by itself, see models.db)."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from api.problems import language, problem
from models.db import database_unavailable
from services.texts import text

log = logging.getLogger(__name__)
RETRY_AFTER = 5  # seconds: a restart or failover of the database takes about that long


def unavailable_response(lang: str) -> web.Response:
    return problem(
        503,
        "database_unavailable",
        text(lang, "error.database_unavailable"),
        headers={"Retry-After": str(RETRY_AFTER)},
    )


@web.middleware
async def database_unavailable_as_503(request: web.Request, handler: Any) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except Exception as exc:
        if not database_unavailable(exc):
            raise
        log.warning(
            "database unavailable on %s %s: %r", request.method, request.path, exc, exc_info=True
        )
        return unavailable_response(language(request))
