"""The desk's cookies: HttpOnly, SameSite=Lax, and Secure whenever served over https."""

from __future__ import annotations

from aiohttp import web

from services import auth
from web.keys import ACCESS_COOKIE, REFRESH_COOKIE


def is_https(request: web.Request) -> bool:
    # Behind a TLS-terminating proxy the request arrives as http; the proxy says so.
    forwarded = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
    return request.secure or forwarded == "https"


def set_cookie(
    response: web.StreamResponse, request: web.Request, name: str, value: str, *, max_age: int
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/desk",
        httponly=True,
        samesite="Lax",
        secure=is_https(request),
    )


def set_session(response: web.StreamResponse, request: web.Request, tokens: auth.Tokens) -> None:
    set_cookie(
        response,
        request,
        ACCESS_COOKIE,
        tokens.access_token,
        max_age=int(auth.ACCESS_TTL.total_seconds()),
    )
    set_cookie(
        response,
        request,
        REFRESH_COOKIE,
        tokens.refresh_token,
        max_age=int(auth.REFRESH_TTL.total_seconds()),
    )


def clear_session(response: web.StreamResponse) -> None:
    response.del_cookie(ACCESS_COOKIE, path="/desk")
    response.del_cookie(REFRESH_COOKIE, path="/desk")
