"""Helpers for the cases tests: demo people and members, the /report flow, a case card.
Chat steps go through the one driver, tests/chat.py."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select

from app.runtime import Runtime
from models import User, Zone
from models.membership import Membership, MembershipStatus
from services.demo import load_demo_data
from tests.chat import PNG, Chat, pace
from tests.sandbox_client import SandboxClient

ADMIN, REP_XH, REP_BJ, SENIOR = 900001, 900002, 900003, 900004
RIDER, RIDER2 = 900101, 900102
XH = (30.2800, 120.1300)


async def people(
    rt: Runtime, sandbox: SandboxClient, *, members: tuple[int, ...] = (RIDER,)
) -> None:
    """Demo zones and staff, sandbox accounts for all, and active XH memberships."""
    async with rt.ctx.sessions() as session, session.begin():
        await load_demo_data(session)
        zone = (await session.execute(select(Zone).where(Zone.code == "XH"))).scalar_one()
        for n, tg in enumerate(members):
            user = await user_by_tg(session, tg)
            if user is not None:
                user.language = "en"
            else:
                user = User(telegram_id=tg, display_name=f"Rider{n}", language="en")
                session.add(user)
                await session.flush()
            session.add(
                Membership(
                    user_id=user.id,
                    zone_id=zone.id,
                    status=MembershipStatus.active,
                    member_number=f"XH-{n}",
                )
            )
    for tg, name in ((ADMIN, "Admin"), (REP_XH, "Li"), (REP_BJ, "Chen"), (SENIOR, "Zhao")):
        await sandbox.user(tg, name, language="zh")
    for tg in members:
        await sandbox.user(tg, f"Rider{tg}", language="en")


async def user_by_tg(session: Any, tg: int) -> User | None:
    return (await session.execute(select(User).where(User.telegram_id == tg))).scalar_one_or_none()


async def eventually(check: Any, tries: int = 100) -> Any:
    """The bot answers before its transaction commits: poll until `check()` holds."""
    for _ in range(tries):
        result = await check()
        if result:
            return result
        await asyncio.sleep(0.05)
    raise AssertionError("condition did not hold in time")


async def open_card(sandbox: SandboxClient, chat: int, message: dict) -> list[dict]:
    """A representative opens a case from a notice: header, description, history+buttons."""
    person = Chat(sandbox, chat)
    await pace()
    before = await person.last_id()
    await person.answer(await person.tap(message, "rc:open"))
    found: list[dict] = []
    for _ in range(20):
        found = await person.messages(after=before, wait=1)
        if found and found[-1].get("buttons"):
            return found
    raise AssertionError(f"no case card: {found}")


async def report(
    sandbox: SandboxClient,
    chat: int,
    *,
    category: str = "access",
    text: str = "Gate 3 blocks e-bikes",
    location: tuple[float, float] | None = XH,
    photos: int = 0,
    anonymous: bool = False,
) -> dict:
    """Walk the whole /report flow; returns the bot's "submitted" answer."""
    rider = Chat(sandbox, chat)
    menu = await rider.say("/report")
    [asked] = await rider.press(menu, f"rp:cat:{category}")
    assert "Describe" in asked["text"]
    await pace()
    place = await rider.say(text)
    assert "Where?" in place["text"]
    await pace()
    if location is None:
        photos_q = await rider.say("Skip", expect="Any photos?")
    else:
        photos_q = await rider.location(*location, expect="Any photos?")
    for _ in range(photos):
        await pace()
        photos_q = await rider.photo(PNG)
    anon_q = (await rider.press(photos_q, "rp:done"))[-1]
    confirm = (await rider.press(anon_q, f"rp:anon:{int(anonymous)}"))[-1]
    submitted = await rider.press(confirm, "rp:submit")
    assert submitted, "no answer to submit"
    return {"messages": submitted, "text": "\n".join(m["text"] or "" for m in submitted)}
