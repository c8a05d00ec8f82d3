"""Per request: the page language, the CSRF check, renewed session cookies, error pages."""

from __future__ import annotations

import hmac
import logging
import secrets
from typing import Any

from aiohttp import web

from services.errors import DomainError, NotFound
from services.texts import LANGUAGES
from web.cookies import clear_session, set_cookie, set_session
from web.keys import (
    CSRF,
    CSRF_COOKIE,
    CSRF_FIELD,
    CSRF_HEADER,
    CTX,
    LANG,
    LANG_COOKIE,
    NEW_TOKENS,
    SIGNED_OUT,
)
from web.render import render
from web.texts import PageText

log = logging.getLogger(__name__)
SAFE = frozenset({"GET", "HEAD", "OPTIONS"})
YEAR = 365 * 24 * 3600
# A representative asking for another zone's case learns nothing: it is "not found".
NOT_FOUND_CODES = frozenset({"case_not_your_zone"})


def page_language(request: web.Request) -> tuple[str, bool]:
    """?lang= switches (and is remembered); else the cookie; else the desk's default."""
    asked = request.query.get("lang")
    if asked in LANGUAGES:
        return asked, True
    kept = request.cookies.get(LANG_COOKIE)
    if kept in LANGUAGES:
        return kept, False
    return request.app[CTX].settings.default_language, False


async def csrf_ok(request: web.Request, token: str | None) -> bool:
    if not token:
        return False
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        sent = str((await request.post()).get(CSRF_FIELD) or "")
    return bool(sent) and hmac.compare_digest(sent.encode(), token.encode())


def error_page(request: web.Request, status: int, message: Any) -> web.Response:
    t = PageText(request[LANG])
    key = f"desk.error.title_{status}"
    title = t(key) if t.has(key) else t("desk.error.title_other")
    return render("error.html", request, {"title": title, "message": message}, status=status)


@web.middleware
async def desk_middleware(request: web.Request, handler: Any) -> web.StreamResponse:
    lang, switched = page_language(request)
    request[LANG] = lang
    cookie = request.cookies.get(CSRF_COOKIE)
    token = cookie or secrets.token_urlsafe(32)
    request[CSRF] = token
    t = PageText(lang)
    try:
        if request.method not in SAFE and not await csrf_ok(request, cookie):
            response: web.StreamResponse = error_page(request, 403, t("desk.error.csrf"))
        else:
            response = await handler(request)
    except web.HTTPException as exc:
        if exc.status == 404:
            response = error_page(request, 404, t("desk.error.not_found"))
        elif exc.status >= 400:
            response = error_page(request, exc.status, exc.reason)
        else:  # a redirect: answered as a plain response so the cookies below still go out
            response = web.Response(status=exc.status, headers=exc.headers)
            for name, morsel in exc.cookies.items():
                response.cookies[name] = morsel
    except DomainError as exc:
        if isinstance(exc, NotFound) or exc.code in NOT_FOUND_CODES:
            response = error_page(request, 404, t("desk.error.not_found"))
        else:
            response = error_page(request, exc.status, t.error(exc.code, exc.params))
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        response = error_page(request, 500, t("desk.error.nothing_changed"))
    if not cookie:
        set_cookie(response, request, CSRF_COOKIE, token, max_age=YEAR)
    if switched:
        set_cookie(response, request, LANG_COOKIE, lang, max_age=YEAR)
    if (tokens := request.get(NEW_TOKENS)) is not None:
        set_session(response, request, tokens)
    elif request.get(SIGNED_OUT):
        clear_session(response)
    return response
