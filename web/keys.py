"""Typed keys for what the desk application and its requests carry."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from app.runtime import Context
    from services.auth import Tokens


@dataclass(frozen=True)
class Viewer:
    id: int
    display_name: str
    username: str | None
    role: str


CTX: web.AppKey[Context] = web.AppKey("desk_ctx")
# The API's per-IP sign-in budget (api.ratelimit), shared by the desk's sign-in forms.
SignInWait = Callable[[web.Request], Awaitable[int | None]]
SIGN_IN_WAIT: web.AppKey[SignInWait] = web.AppKey("desk_sign_in_wait")

# Cookies. The session pair is the API's access and refresh token (services.auth): one
# sign-in machinery, revocable, hashed in the database.
ACCESS_COOKIE = "desk_access"
REFRESH_COOKIE = "desk_refresh"
CSRF_COOKIE = "desk_csrf"
LANG_COOKIE = "desk_lang"
CSRF_FIELD = "csrf"
CSRF_HEADER = "X-CSRF-Token"

# What a request carries between the guard, the middleware and the templates.
# Who is signed in, as plain values: an error page is drawn after the session has closed.
ME: web.RequestKey[Viewer] = web.RequestKey("desk_me")
LANG: web.RequestKey[str] = web.RequestKey("desk_lang")
CSRF: web.RequestKey[str] = web.RequestKey("desk_csrf")
# Renewed session tokens to set on the answer; or the session ended: clear the cookies.
NEW_TOKENS: web.RequestKey[Tokens] = web.RequestKey("desk_new_tokens")
SIGNED_OUT: web.RequestKey[bool] = web.RequestKey("desk_signed_out")
