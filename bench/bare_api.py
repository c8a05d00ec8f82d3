"""The API benchmark's baseline: a bare aiohttp server answering the same two requests with
a small JSON body (the POST reads its multipart body first), nothing else.

    python bench/bare_api.py PORT
"""

from __future__ import annotations

import sys

from aiohttp import web

CASES = {"cases": [{"id": 1, "ref": "C-2026-00001", "status": "new"}], "next_cursor": None}


async def list_cases(request: web.Request) -> web.Response:
    return web.json_response(CASES)


async def post_case(request: web.Request) -> web.Response:
    reader = await request.multipart()
    while (part := await reader.next()) is not None:
        await part.read()  # type: ignore[union-attr]
    return web.json_response(CASES["cases"][0], status=201)


if __name__ == "__main__":
    app = web.Application()
    app.router.add_get("/api/v1/cases", list_cases)
    app.router.add_post("/api/v1/cases", post_case)
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=None, print=None)
