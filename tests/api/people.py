"""People for API tests: members signed in through the chat, staff signed in by password."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from models import User, Zone
from models.db import unit_of_work
from services import auth
from services.demo import load_demo_data
from services.membership import applications
from tests.api.conftest import ApiClient, sign_in_by_chat
from tests.sandbox_client import SandboxClient

ADMIN, REP_XH, REP_BJ, SENIOR = 900001, 900002, 900003, 900004
PASSWORD = "a-long-test-password"


async def by_telegram(session: Any, telegram_id: int) -> User:
    return (await session.execute(select(User).where(User.telegram_id == telegram_id))).scalar_one()


async def zone_id(runtime: Any, code: str) -> int:
    async with unit_of_work(runtime.ctx.sessions) as session:
        await load_demo_data(session)
        return (await session.execute(select(Zone.id).where(Zone.code == code))).scalar_one()


async def applicant(
    runtime: Any,
    client: ApiClient,
    sandbox: SandboxClient,
    *,
    telegram_id: int,
    username: str,
    zone: str = "XH",
    approve: bool = False,
) -> str:
    """A rider signed in through the chat with an application filed (approved if asked);
    returns their access token."""
    tokens = await sign_in_by_chat(
        runtime, client, sandbox, telegram_id=telegram_id, username=username
    )
    zid = await zone_id(runtime, zone)
    async with unit_of_work(runtime.ctx.sessions) as session:
        user = await by_telegram(session, telegram_id)
        form = applications.Application(
            name=username.title(),
            phone=f"138{telegram_id % 10**8:08d}",
            platforms=["meituan"],
            work_kinds=["food"],
            zone_id=zid,
            vehicle="ebike",
        )
        m = await applications.apply(session, user=user, form=form)
        if approve:
            admin = await by_telegram(session, ADMIN)
            await applications.decide(session, membership_id=m.id, actor=admin, approve=True)  # type: ignore[arg-type]
    return tokens["access_token"]


async def member(runtime: Any, client: ApiClient, sandbox: SandboxClient, **kw: Any) -> str:
    return await applicant(runtime, client, sandbox, approve=True, **kw)


async def staff(runtime: Any, client: ApiClient, telegram_id: int) -> str:
    """A demo representative or admin signed in with a password."""
    async with unit_of_work(runtime.ctx.sessions) as session:
        await load_demo_data(session)
        await auth.set_password(
            session, user=await by_telegram(session, telegram_id), password=PASSWORD
        )
    status, tokens, _ = await client.call(
        "POST", "/auth/password", json={"login": str(telegram_id), "password": PASSWORD}
    )
    assert status == 200, tokens
    return tokens["access_token"]
