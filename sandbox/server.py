"""The sandbox aiohttp application, meant for root.add_subapp("/sandbox", create_sandbox_app())."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from . import botapi, control
from .state import SANDBOX_KEY, SandboxState

STATIC = Path(__file__).resolve().parent / "static"


@web.middleware
async def same_origin(request: web.Request, handler: Any) -> web.StreamResponse:
    """Refuse cross-site writes to the control API: a web page must not drive the sandbox."""
    origin = request.headers.get("Origin")
    if (
        origin is not None
        and request.method in ("POST", "PUT", "PATCH", "DELETE")
        and "/api/" in request.path
        and urlsplit(origin).netloc != request.host
    ):
        return web.json_response({"error": "cross-origin request refused"}, status=403)
    return await handler(request)


async def _index(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "index.html")


def create_sandbox_app(
    *,
    per_chat_rate: float = 1.0,
    per_chat_burst: int = 4,
    global_rate: float = 30.0,
    global_burst: int = 30,
    bot_username: str = "riderunion_sandbox_bot",
    demo_map: dict | None = None,
) -> web.Application:
    app = web.Application(middlewares=[same_origin, control.control_errors])
    state = SandboxState(
        per_chat_rate=per_chat_rate,
        per_chat_burst=per_chat_burst,
        global_rate=global_rate,
        global_burst=global_burst,
        bot_username=bot_username,
        demo_map=demo_map,
    )
    app[SANDBOX_KEY] = state

    async def close_state(_: web.Application) -> None:
        await state.close()

    app.on_cleanup.append(close_state)
    app.router.add_route("*", "/bot{token}/{method}", botapi.handle_method)
    app.router.add_get("/file/bot{token}/{path:.+}", botapi.handle_file)
    app.router.add_routes(control.routes)
    app.router.add_get("/", _index)
    app.router.add_static("/static", STATIC)
    return app
