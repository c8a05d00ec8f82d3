"""The desk as an aiohttp sub-application, mounted at /desk by api.app."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import aiohttp_jinja2
import jinja2
from aiohttp import web

from web import pages
from web.keys import CTX, SIGN_IN_WAIT, SignInWait
from web.middleware import desk_middleware

if TYPE_CHECKING:
    from app.runtime import Context

HERE = Path(__file__).resolve().parent


def page_modules() -> list[ModuleType]:
    """Every module of web/pages/, in name order: a new page is a new file there."""
    names = sorted(m.name for m in pkgutil.iter_modules(pages.__path__))
    return [importlib.import_module(f"{pages.__name__}.{name}") for name in names]


def create_desk_app(ctx: Context, *, sign_in_wait: SignInWait | None = None) -> web.Application:
    app = web.Application(middlewares=[desk_middleware])
    app[CTX] = ctx
    if sign_in_wait is not None:
        app[SIGN_IN_WAIT] = sign_in_wait
    # Autoescape everything: riders' text is shown as typed, never run as markup.
    aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    app.router.add_static("/static/", HERE / "static", name="static")
    for module in page_modules():
        app.add_routes(module.routes)
    return app
