"""Who may see a desk page: signed-in staff. Riders get the 403 page, strangers the sign-in."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from models import User
from models.db import unit_of_work
from services import auth
from services.cases.access import is_staff, staff_zone_ids
from services.errors import Forbidden
from web.keys import (
    ACCESS_COOKIE,
    CTX,
    LANG,
    ME,
    NEW_TOKENS,
    REFRESH_COOKIE,
    SIGNED_OUT,
    Viewer,
)
from web.render import render
from web.texts import PageText


@dataclass
class Desk:
    """What a page handler gets: the request, one unit of work, and who is looking."""

    request: web.Request
    session: AsyncSession
    me: User
    zones: set[int] | None  # the zones this person serves; None: every zone (admins)

    @property
    def lang(self) -> str:
        return str(self.request[LANG])

    @property
    def t(self) -> PageText:
        return PageText(self.lang)

    def render(self, template: str, *, status: int = 200, **context: Any) -> web.Response:
        return render(template, self.request, context, status=status)

    def url(self, route: str, *, query: dict[str, Any] | None = None, **parts: str) -> str:
        url = self.request.app.router[route].url_for(**parts)
        return str(url.with_query(query) if query else url)


Page = Callable[[Desk], Awaitable[web.StreamResponse]]


async def signed_in_user_id(request: web.Request) -> int | None:
    """The user behind the session cookies. An expired access token is renewed with the
    refresh token (rotated, in its own transaction) and the new pair set on the answer."""
    sessions = request.app[CTX].sessions
    access = request.cookies.get(ACCESS_COOKIE)
    if access:
        try:
            async with unit_of_work(sessions) as session:
                return (await auth.authenticate(session, access_token=access)).id
        except auth.Unauthorized:
            pass
    refresh = request.cookies.get(REFRESH_COOKIE)
    if not refresh:
        return None
    try:
        async with unit_of_work(sessions) as session:
            tokens = await auth.refresh(session, refresh_token=refresh)
    except auth.Unauthorized:
        request[SIGNED_OUT] = True
        return None
    request[NEW_TOKENS] = tokens
    return tokens.user_id


def staff_only(handler: Page) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    @functools.wraps(handler)
    async def page(request: web.Request) -> web.StreamResponse:
        user_id = await signed_in_user_id(request)
        if user_id is None:
            target = request.app.router["sign_in"].url_for().with_query(next=request.path_qs)
            raise web.HTTPSeeOther(str(target))
        async with unit_of_work(request.app[CTX].sessions) as session:
            me = await session.get(User, user_id)
            if me is None:
                raise web.HTTPSeeOther(str(request.app.router["sign_in"].url_for()))
            request[ME] = Viewer(me.id, me.display_name, me.username, me.role.value)  # type: ignore[arg-type]
            if not is_staff(me):
                raise Forbidden("desk_staff_only")
            zones = await staff_zone_ids(session, user=me)
            return await handler(Desk(request, session, me, zones))

    return page
