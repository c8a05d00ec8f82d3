"""The desk over plain HTTP: where / and /admin lead, cookie flags, lockout, sign-out, and a
session renewed with its refresh token."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import aiohttp
import pytest
from sqlalchemy import update

from app.runtime import Runtime
from models import ApiSession
from models.types import utcnow
from tests.conftest import DeskFactory
from tests.web.desk_world import PASSWORD, REP_XH, World, build_world


@pytest.fixture
async def world(desks, sandbox) -> World:  # type: ignore[no-untyped-def]
    return await build_world(await desks.start(), sandbox)


@pytest.fixture
async def client() -> AsyncIterator[aiohttp.ClientSession]:
    # unsafe: keep cookies for an IP address host (127.0.0.1), as a browser does.
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as c:
        yield c


async def csrf(client: aiohttp.ClientSession, url: str) -> str:
    async with client.get(url) as r:
        found = re.search(r'name="csrf" value="([^"]+)"', await r.text())
    assert found
    return found.group(1)


async def sign_in(client: aiohttp.ClientSession, base: str, password: str, **headers: str):  # type: ignore[no-untyped-def]
    token = await csrf(client, f"{base}/sign-in")
    form = {"login": str(REP_XH), "password": password, "csrf": token, "next": "/desk/members"}
    return await client.post(
        f"{base}/sign-in/password", data=form, allow_redirects=False, headers=headers
    )


async def test_root_and_admin_lead_to_the_desk(desk: Runtime, client) -> None:
    for path in ("/", "/admin"):
        async with client.get(desk.url + path, allow_redirects=False) as r:
            assert r.status == 302 and r.headers["Location"] == "/desk/"
    async with client.get(desk.url + "/desk/", allow_redirects=False) as r:
        assert r.status == 303 and r.headers["Location"].startswith("/desk/sign-in?next=")


async def test_cookie_flags_lockout_sign_out_and_renewal(world: World, client) -> None:
    base = world.url
    answer = await sign_in(client, base, PASSWORD, **{"X-Forwarded-Proto": "https"})
    assert answer.status == 303 and answer.headers["Location"] == "/desk/members"
    cookies = answer.headers.getall("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("desk_access="))
    assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie
    assert "Secure" in session_cookie  # served over https (behind a proxy)
    client.cookie_jar.clear()
    answer = await sign_in(client, base, PASSWORD)
    plain = next(c for c in answer.headers.getall("Set-Cookie") if c.startswith("desk_access="))
    assert "Secure" not in plain  # plain http (make run): the browser would drop it otherwise

    # The access token expires: the refresh token renews the session without a sign-in.
    async with world.rt.ctx.sessions() as s, s.begin():
        await s.execute(update(ApiSession).values(access_expires_at=utcnow()))
    async with client.get(f"{base}/cases", allow_redirects=False) as r:
        assert r.status == 200
        assert any(c.startswith("desk_access=") for c in r.headers.getall("Set-Cookie"))

    # Sign-out ends the session: the page asks for a sign-in again.
    token = await csrf(client, f"{base}/cases")
    async with client.post(f"{base}/sign-out", data={"csrf": token}, allow_redirects=False) as r:
        assert r.status == 303
    async with client.get(f"{base}/cases", allow_redirects=False) as r:
        assert r.status == 303 and "/desk/sign-in" in r.headers["Location"]

    # Five wrong passwords lock the account, as on the API; the right one then waits too.
    for _ in range(5):
        wrong = await sign_in(client, base, "not the password")
        assert wrong.status == 401
    locked = await sign_in(client, base, PASSWORD)
    assert locked.status == 429
    assert "minutes" in await locked.text() or "分钟" in await locked.text()


async def test_sign_in_tries_share_the_apis_per_ip_budget(desks, client) -> None:  # type: ignore[no-untyped-def]
    rt = await desks.start(api_rate_sign_in="3/minute")
    base = f"{rt.url}/desk"
    for _ in range(3):
        assert (await sign_in(client, base, "wrong password")).status == 401
    refused = await sign_in(client, base, PASSWORD)
    assert refused.status == 429 and int(refused.headers["Retry-After"]) >= 1
    # The API's sign-in counts in the same bucket.
    async with client.post(f"{rt.url}/api/v1/auth/code", json={"login": "x"}) as r:
        assert r.status == 429


async def test_a_database_that_is_down_gives_a_page_not_a_traceback(
    throwaway_pg, sandbox, client
) -> None:  # type: ignore[no-untyped-def]
    factory = DeskFactory(throwaway_pg.url, sandbox)
    try:
        world = await build_world(await factory.start(), sandbox)
        assert (await sign_in(client, world.url, PASSWORD)).status == 303
        await throwaway_pg.stop()
        async with client.get(f"{world.url}/cases?lang=en", allow_redirects=False) as r:
            assert r.status == 500
            assert "nothing was changed" in await r.text()
            assert "Traceback" not in await r.text()
        await throwaway_pg.start()
        async with client.get(f"{world.url}/cases", allow_redirects=False) as r:
            assert r.status == 200
    finally:
        for runtime in list(factory.running):
            await factory.stop(runtime)
