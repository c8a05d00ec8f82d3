"""Typed keys for what the desk application and its requests carry."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from app.runtime import Context

CTX: web.AppKey[Context] = web.AppKey("desk_ctx")

# Cookies. The session pair is the API's access and refresh token (services.auth): one
# sign-in machinery, revocable, hashed in the database.
ACCESS_COOKIE = "desk_access"
REFRESH_COOKIE = "desk_refresh"
CSRF_COOKIE = "desk_csrf"
LANG_COOKIE = "desk_lang"
CSRF_FIELD = "csrf"
CSRF_HEADER = "X-CSRF-Token"

# What a request carries between the guard, the middleware and the templates.
ME = "desk_me"  # the signed-in User
LANG = "desk_lang"
CSRF = "desk_csrf"
NEW_TOKENS = "desk_new_tokens"  # renewed session tokens to set on the answer
SIGNED_OUT = "desk_signed_out"  # the session ended: clear the cookies
