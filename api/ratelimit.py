"""Per-IP and per-token request limits for /api, answered with 429 and Retry-After.

Moving windows from the `limits` library. With REDIS_URL set the counts live in Redis, so
every web instance of one desk (`serve --no-scheduler` beside `serve`) counts together;
otherwise each instance counts its own, in memory. If Redis cannot be reached the request
is served and a warning logged: the limits protect the desk, they must not take it down.

Behind a reverse proxy every request comes from the proxy: with TRUSTED_PROXIES set, a
request from one of them is counted (and seen by every handler, as `request.remote`) under
the client its X-Forwarded-For names — the rightmost address that is not a trusted proxy,
since a client can write anything to the left of what our proxies append."""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
import time
from typing import Any

from aiohttp import web
from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from limits.storage import storage_from_string

from api.endpoint import bearer
from api.problems import problem

log = logging.getLogger(__name__)


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def networks(value: str) -> list[Network]:
    """`127.0.0.1, 10.0.0.0/8, ::1` as networks; ValueError naming an entry that is not one."""
    found = []
    for entry in filter(None, (e.strip() for e in value.split(","))):
        try:
            found.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(f"{entry!r} is not an IP address or network") from None
    return found


def _trusted(address: str, trusted: list[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in trusted)


def client_address(request: web.Request, trusted: list[Network]) -> str | None:
    """Who sent the request: the peer, or behind trusted proxies the client they name."""
    peer = request.remote
    if not trusted or peer is None or not _trusted(peer, trusted):
        return peer
    hops = [h.strip() for v in request.headers.getall("X-Forwarded-For", []) for h in v.split(",")]
    for hop in reversed(hops):
        if not _trusted(hop, trusted):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer  # not an address: our proxy did not write it, trust nothing
    return hops[0] if hops else peer  # only proxies all the way (e.g. a health check)


def storage(redis_url: str | None, namespace: str) -> Storage:
    if not redis_url:
        return MemoryStorage()
    return storage_from_string(  # type: ignore[return-value]
        "async+" + redis_url, implementation="redispy", key_prefix=namespace, wrap_exceptions=True
    )


class RateLimits:
    def __init__(
        self,
        *,
        per_ip: str,
        per_token: str,
        sign_in: str,
        redis_url: str | None = None,
        namespace: str = "riderunion",
        trusted_proxies: str = "",
    ) -> None:
        self.trusted = networks(trusted_proxies)
        self.limiter = MovingWindowRateLimiter(storage(redis_url, namespace))
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

    async def sign_in_wait(self, request: web.Request) -> int | None:
        """For the web desk's sign-in forms: the same per-IP sign-in budget as /api/v1/auth
        (one bucket for both). Seconds to wait when it is spent, else None."""
        key = f"sign-in:{request.remote or 'unknown'}"
        try:
            if await self.limiter.hit(self.sign_in, key):
                return None
            reset, _ = await self.limiter.get_window_stats(self.sign_in, key)
        except StorageError as exc:
            log.warning("rate limits not counted, their store failed: %s", exc)
            return None
        return max(1, math.ceil(reset - time.time()))

    @web.middleware
    async def middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if self.trusted and (client := client_address(request, self.trusted)) != request.remote:
            request = request.clone(remote=client)
        if not request.path.startswith("/api/v1/") or request.path.endswith(
            ("/openapi.json", "/docs")
        ):
            return await handler(request)
        for item, key in self._checks(request):
            try:
                if await self.limiter.hit(item, key):
                    continue
                # The window is read only for a refusal's Retry-After (a Redis round trip).
                reset, _ = await self.limiter.get_window_stats(item, key)
            except StorageError as exc:
                log.warning("rate limits not counted, their store failed: %s", exc)
                break
            wait = max(1, math.ceil(reset - time.time()))
            return problem(
                429,
                "rate_limited",
                f"too many requests; try again in {wait} s",
                headers={"Retry-After": str(wait)},
            )
        return await handler(request)
