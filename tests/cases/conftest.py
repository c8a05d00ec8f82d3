"""Helpers for the cases tests: demo people, members, and the outbox delivered on demand."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import select

from app.runtime import Runtime
from bot.outbox_sender import OutboxSender
from models import User, Zone
from models.membership import Membership, MembershipStatus
from services.demo import load_demo_data
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


async def drain(rt: Runtime) -> None:
    await OutboxSender(rt.ctx.bot, rt.ctx.sessions, per_chat_per_second=50).drain_until_empty()


async def notice(rt: Runtime, sandbox: SandboxClient, chat: int, contains: str) -> dict:
    """Deliver the outbox until a message containing `contains` reaches the chat (the change
    that queued it commits just after the bot answered its author)."""
    seen: list[str] = []
    for _ in range(50):
        await drain(rt)
        for m in reversed(await sandbox.messages(chat)):
            if contains in (m["text"] or ""):
                return m
        await asyncio.sleep(0.1)
    seen = [m["text"] for m in await sandbox.messages(chat)]
    raise AssertionError(f"no notice with {contains!r} in chat {chat}: {seen[-3:]}")


def buttons(message: dict) -> dict[str, str]:
    return {b["text"]: b["callback_data"] for row in message.get("buttons") or [] for b in row}


def button(message: dict, prefix: str) -> str:
    found = [d for d in buttons(message).values() if d.startswith(prefix)]
    assert found, f"no button {prefix!r} in {message}"
    return found[0]


async def last(sandbox: SandboxClient, chat: int, after: int = 0, wait: float = 5) -> dict:
    found = await sandbox.messages(chat, after=after, wait=wait)
    assert found, f"nothing new in chat {chat}"
    return found[-1]


async def pace() -> None:
    """Let the bot's previous answer land before the next tap (the folder's sandbox allows
    taps far faster than a person's, see sandbox_limits)."""
    await asyncio.sleep(0.05)


async def wait_for(sandbox: SandboxClient, chat: int, *, after: int, contains: str) -> dict:
    """The first bot message after `after` whose text contains `contains`."""
    seen: list[str] = []
    for _ in range(20):
        for m in await sandbox.messages(chat, after=after, wait=1):
            if contains in (m["text"] or ""):
                return m
            seen.append(m["text"])
            after = max(after, m["message_id"])
    raise AssertionError(f"no message with {contains!r}; saw {seen}")


async def press_and_wait(sandbox: SandboxClient, chat: int, message: dict, data: str) -> list[dict]:
    """Press an inline button and return what the bot answered in the chat."""
    await pace()
    before = (await sandbox.messages(chat))[-1]["message_id"]
    query = await sandbox.press(chat, message["message_id"], data)
    await sandbox.callback_answer(query)
    return await sandbox.messages(chat, after=before, wait=5)


async def open_card(sandbox: SandboxClient, chat: int, message: dict) -> list[dict]:
    """A representative opens a case from a notice: header, description, history+buttons."""
    await pace()
    before = (await sandbox.messages(chat))[-1]["message_id"]
    await sandbox.callback_answer(await sandbox.press(chat, message["message_id"],
                                                      button(message, "rc:open")))  # fmt: skip
    for _ in range(20):
        found = await sandbox.messages(chat, after=before, wait=1)
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
    menu = await sandbox.reply_to(chat, "/report")
    [asked] = await press_and_wait(sandbox, chat, menu, f"rp:cat:{category}")
    assert "Describe" in asked["text"]
    await pace()
    place = await sandbox.reply_to(chat, text)
    assert "Where?" in place["text"]
    await pace()
    if location is None:
        sent = await sandbox.send(chat, "Skip")
    else:
        where = {"latitude": location[0], "longitude": location[1]}
        sent = await sandbox.send(chat, location=where)
    photos_q = await wait_for(sandbox, chat, after=sent, contains="Any photos?")
    for _ in range(photos):
        await pace()
        photos_q = await sandbox.reply_to(chat, photo=PNG)
    anon_q = (await press_and_wait(sandbox, chat, photos_q, button(photos_q, "rp:done")))[-1]
    answers = await press_and_wait(sandbox, chat, anon_q, f"rp:anon:{int(anonymous)}")
    confirm = answers[-1]
    submitted = await press_and_wait(sandbox, chat, confirm, button(confirm, "rp:submit"))
    assert submitted, "no answer to submit"
    return {"messages": submitted, "text": "\n".join(m["text"] or "" for m in submitted)}


# A 1×1 PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


@pytest.fixture
def sandbox_limits() -> dict[str, float]:
    """This folder taps through forms faster than a person types: looser per-chat limits."""
    return {"per_chat_rate": 50, "per_chat_burst": 50}
