"""Driving the join flow through the sandbox: find the bot's next message, press its buttons."""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import Callable

from bot.outbox_sender import OutboxSender
from models.db import unit_of_work
from services.demo import load_demo_data
from services.texts import text
from tests.sandbox_client import SandboxClient

XH_REP, BJ_REP, SENIOR = 900002, 900003, 900004


async def load_demo(rt) -> None:  # type: ignore[no-untyped-def]
    async with unit_of_work(rt.ctx.sessions) as session:
        await load_demo_data(session)


async def drain(rt) -> None:  # type: ignore[no-untyped-def]
    await OutboxSender(rt.ctx.bot, rt.ctx.sessions, per_chat_per_second=50).drain_until_empty()


async def wait_for(
    sandbox: SandboxClient, chat: int, after: int, pred: Callable[[dict], bool] = lambda m: True
) -> dict:
    """The first bot message after `after` that satisfies `pred` (10 s at most)."""
    for _ in range(100):
        for m in await sandbox.messages(chat, after=after, wait=0.5):
            if pred(m) and not m.get("deleted"):
                return m
        await asyncio.sleep(0.05)
    raise AssertionError(f"no matching message in chat {chat} after {after}")


def datas(message: dict) -> list[str]:
    return [b["callback_data"] for row in message.get("buttons") or [] for b in row]


def has_button(prefix: str) -> Callable[[dict], bool]:
    return lambda m: any(d.startswith(prefix) for d in datas(m))


def button(message: dict, prefix: str) -> str:
    """The full callback data of the button whose data starts with `prefix`."""
    return next(d for d in datas(message) if d.startswith(prefix))


async def say(sandbox: SandboxClient, chat: int, text: str | None = None, **content) -> dict:  # type: ignore[no-untyped-def]
    sent = await sandbox.send(chat, text, **content)
    return await wait_for(sandbox, chat, sent)


async def tap(sandbox: SandboxClient, chat: int, message: dict, data: str, expect: str) -> dict:
    """Press a button and return the next bot message that carries a button starting `expect`
    (or any next message when `expect` is empty)."""
    last = (await sandbox.messages(chat))[-1]["message_id"]
    await sandbox.press(chat, message["message_id"], button(message, data))
    return await wait_for(sandbox, chat, last, has_button(expect) if expect else lambda m: True)


def plain(lang: str, key: str, **values: object) -> str:
    """A catalogue text as the chat shows it: tags become entities, entities characters."""
    return html.unescape(re.sub(r"<[^>]+>", "", text(lang, key, **values)))


async def delivered(
    rt,
    sandbox: SandboxClient,
    chat: int,
    after: int,
    pred: Callable[[dict], bool],  # type: ignore[no-untyped-def]
) -> dict:
    """Drains the outbox until a matching message reaches `chat`: the handler that queued it
    may still be committing when the test gets its callback answer."""
    for _ in range(50):
        await drain(rt)
        for m in await sandbox.messages(chat, after=after):
            if pred(m):
                return m
        await asyncio.sleep(0.1)
    raise AssertionError(f"nothing delivered to chat {chat} after {after}")
