"""Rendering a template with what every desk page needs (base.html uses all of it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from markupsafe import Markup

from models import User, Zone
from services.cases.categories import category
from services.cases.formatting import local
from services.csv_export import csv_bytes
from services.errors import Invalid
from services.membership.members import zone_name
from services.texts import text
from web.keys import CSRF, CSRF_FIELD, CTX, LANG, ME, Viewer
from web.nav import NAV
from web.texts import PageText


def page_context(request: web.Request) -> dict[str, Any]:
    lang = request.get(LANG, "zh")
    token = request.get(CSRF, "")
    router = request.app.router
    # match_info is a dict of the path's parts: empty (falsy) on /cases, so test for None.
    route = request.match_info.route if request.match_info is not None else None
    current = route.name if route is not None else None
    nav = [
        (str(router[e.route].url_for()), e.key, e.route == current)
        for e in NAV
        if e.route in router
    ]

    def lang_url(code: str) -> str:
        return str(request.rel_url.update_query(lang=code))

    def csrf_field() -> Markup:
        return Markup('<input type="hidden" name="{}" value="{}">').format(CSRF_FIELD, token)

    def url(name: str, query: dict[str, Any] | None = None, **parts: Any) -> str:
        target = router[name].url_for(**{k: str(v) for k, v in parts.items()})
        return str(target.with_query(query) if query else target)

    return {
        "t": PageText(lang),
        "lang": lang,
        "me": request.get(ME),
        "nav": nav,
        "csrf_token": token,
        "csrf_field": csrf_field,
        "lang_url": lang_url,
        "url": url,
        "static": lambda name: str(router["static"].url_for(filename=name)),
        "names": Names(lang, request.app[CTX].settings.timezone),
    }


class Names:
    """How the desk shows stored values: local times, and catalogue names of codes."""

    def __init__(self, lang: str, tz: str) -> None:
        self.lang, self.tz = lang, tz

    def when(self, dt: datetime | None) -> str:
        return local(dt, self.tz)

    def status(self, value: str) -> str:
        return text(self.lang, f"cases.status.{value}")

    def severity(self, value: str) -> str:
        return text(self.lang, f"cases.severity.{value}")

    def category(self, code: str) -> str:
        try:
            names = category(code).names  # without the chat's emoji: not every font has them
        except Invalid:  # a code no longer in the data file still shows
            return code
        return names.get(self.lang) or names["zh"]

    def zone(self, zone: Zone | None) -> str:
        return zone_name(zone, self.lang) if zone is not None else "—"

    def person(self, user: User | Viewer | None) -> str:
        if user is None:
            return "—"
        return user.display_name or (f"@{user.username}" if user.username else f"#{user.id}")


def render(
    template: str, request: web.Request, context: dict[str, Any] | None = None, *, status: int = 200
) -> web.Response:
    full = page_context(request) | (context or {})
    response = aiohttp_jinja2.render_template(template, request, full, status=status)
    response.headers["Cache-Control"] = "no-store"  # pages show live, per-person data
    response.headers["X-Frame-Options"] = "DENY"
    return response


def redirect(location: str) -> web.Response:
    """303 See Other: after a form, the browser GETs the page (a reload does not resend)."""
    return web.Response(status=303, headers={"Location": location})


def csv_response(header: list[str], rows: list[list[object]], *, filename: str) -> web.Response:
    """A download of a list as the desk shows it (services.csv_export: BOM, formula-safe)."""
    return web.Response(
        body=csv_bytes(header, rows),
        content_type="text/csv",
        charset="utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
