"""Signing in to the desk: a staff password, or a code sent in chat (the API's services),
and signing out. Lockout after wrong tries is the service's, the same as the API's."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from models.db import unit_of_work
from services import auth
from services.errors import DomainError
from web.cookies import clear_session, set_session
from web.guard import Desk, signed_in_user_id, staff_only
from web.keys import ACCESS_COOKIE, CTX, LANG, SIGN_IN_WAIT
from web.render import redirect, render
from web.texts import PageText

routes = web.RouteTableDef()
STATUS = {"unauthorized": 401, "sign_in_locked": 429}


def _next(raw: object) -> str:
    """Only a desk page: a sign-in link must not send anyone to another site."""
    target = str(raw or "")
    if target.startswith("/desk") and not target.startswith("//") and "\\" not in target:
        return target
    return "/desk/"


def _page(request: web.Request, *, status: int = 200, **context: Any) -> web.Response:
    values = {"login": "", "step": "start", "error": None, "notice": None, "next": "/desk/"}
    return render("sign_in.html", request, values | context, status=status)


async def _too_many(request: web.Request, **context: Any) -> web.Response | None:
    """Sign-in tries from one address share the API's budget: past it, wait."""
    check = request.app.get(SIGN_IN_WAIT)
    wait = await check(request) if check is not None else None
    if wait is None:
        return None
    t = PageText(request[LANG])
    error = t("desk.sign_in.too_many", seconds=wait)
    response = _page(request, status=429, error=error, **context)
    response.headers["Retry-After"] = str(wait)
    return response


def _refused(request: web.Request, exc: DomainError, **context: Any) -> web.Response:
    t = PageText(request[LANG])
    return _page(request, status=exc.status, error=t.error(exc.code, exc.params), **context)


@routes.get("/", name="home")
@staff_only
async def home(desk: Desk) -> web.StreamResponse:
    """The desk opens on the unresolved cases."""
    if "cases" not in desk.request.app.router:
        raise web.HTTPNotFound()
    return redirect(desk.url("cases"))


@routes.get("/sign-in", name="sign_in")
async def sign_in_page(request: web.Request) -> web.StreamResponse:
    target = _next(request.query.get("next"))
    if await signed_in_user_id(request) is not None:
        raise web.HTTPSeeOther(target)
    return _page(request, next=target)


@routes.post("/sign-in/password", name="sign_in_password")
async def sign_in_with_password(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    login, target = str(form.get("login", "")), _next(form.get("next"))
    if (busy := await _too_many(request, login=login, next=target)) is not None:
        return busy
    try:
        async with unit_of_work(request.app[CTX].sessions) as session:
            tokens = await auth.sign_in_with_password(
                session, login=login, password=str(form.get("password", ""))
            )
    except DomainError as exc:
        return _refused(request, exc, login=login, next=target)
    response = redirect(target)
    set_session(response, request, tokens)
    return response


@routes.post("/sign-in/code", name="sign_in_code")
async def send_code(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    login, target = str(form.get("login", "")).strip(), _next(form.get("next"))
    t = PageText(request[LANG])
    if not login:
        return _page(request, status=422, error=t("desk.sign_in.login_missing"), next=target)
    if (busy := await _too_many(request, login=login, next=target)) is not None:
        return busy
    try:
        async with unit_of_work(request.app[CTX].sessions) as session:
            await auth.request_code(session, login=login)
    except DomainError as exc:
        return _refused(request, exc, login=login, next=target)
    # The same answer whether or not the login exists: nobody can probe for members.
    notice = t("desk.sign_in.code_sent")
    return _page(request, step="code", login=login, notice=notice, next=target)


@routes.post("/sign-in/code/verify", name="sign_in_code_verify")
async def verify_code(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    login, target = str(form.get("login", "")), _next(form.get("next"))
    if (busy := await _too_many(request, login=login, next=target, step="code")) is not None:
        return busy
    try:
        async with unit_of_work(request.app[CTX].sessions) as session:
            tokens = await auth.exchange_code(session, login=login, code=str(form.get("code", "")))
    except DomainError as exc:
        return _refused(request, exc, login=login, step="code", next=target)
    response = redirect(target)
    set_session(response, request, tokens)
    return response


@routes.post("/sign-out", name="sign_out")
async def sign_out(request: web.Request) -> web.StreamResponse:
    if access := request.cookies.get(ACCESS_COOKIE):
        async with unit_of_work(request.app[CTX].sessions) as session:
            await auth.sign_out(session, access_token=access)
    response = redirect(str(request.app.router["sign_in"].url_for()))
    clear_session(response)
    return response
