"""Per-IP and per-token request limits for /api, answered with 429 and Retry-After.

Moving windows from the `limits` library, in memory: each instance counts its own
requests (a shared store such as Redis would be the next step for many instances)."""

from __future__ import annotations

import hashlib
import math
import time
from typing import Any

from aiohttp import web
from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter

from api.endpoint import bearer
from api.problems import problem


class RateLimits:
    def __init__(self, *, per_ip: str, per_token: str, sign_in: str) -> None:
        self.limiter = MovingWindowRateLimiter(MemoryStorage())
        self.per_ip: RateLimitItem = parse(per_ip)
        self.per_token: RateLimitItem = parse(per_token)
        self.sign_in: RateLimitItem = parse(sign_in)

    def _checks(self, request: web.Request) -> list[tuple[RateLimitItem, str]]:
        ip = request.remote or "unknown"
        checks = [(self.per_ip, f"ip:{ip}")]
        if request.path.startswith("/api/v1/auth/"):
            checks.append((self.sign_in, f"sign-in:{ip}"))
        token = bearer(request)
        if token:
            checks.append((self.per_token, "token:" + hashlib.sha256(token.encode()).hexdigest()))
        return checks

    @web.middleware
    async def middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if not request.path.startswith("/api/v1/") or request.path.endswith(
            ("/openapi.json", "/docs")
        ):
            return await handler(request)
        for item, key in self._checks(request):
            if not await self.limiter.hit(item, key):
                reset, _ = await self.limiter.get_window_stats(item, key)
                wait = max(1, math.ceil(reset - time.time()))
                return problem(
                    429,
                    "rate_limited",
                    f"too many requests; try again in {wait} s",
                    headers={"Retry-After": str(wait)},
                )
        return await handler(request)
