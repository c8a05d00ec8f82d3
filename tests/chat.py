"""The one chat driver for bot tests: a person's chat with the bot in the sandbox.

    rider = Chat(sandbox, RIDER)
    menu = await rider.say("/report")               # send, return the bot's first answer
    [asked] = await rider.press(menu, "Access")     # tap a button, return what followed
    place = await rider.wait_for("Where?", after=asked["message_id"])
    await rider.location(30.28, 120.13)

A button is named by `which`: its label (exactly, else the first label starting with it, else
the first label containing it) or, failing that, the start of its callback data (`"rc:open"`),
so a test may name a button as a person sees it or by the action it carries.

`deliver(rt)` sends what the outbox holds now (notices to other people are queued, not sent
by the handler that decided them); `Chat.delivered` does so until a message arrives.
"""

from __future__ import annotations

import asyncio
import base64
import html
import re
from collections.abc import Callable
from typing import Any

from bot.outbox_sender import OutboxSender
from services.texts import text as catalogue_text
from tests.sandbox_client import SandboxClient

Match = str | Callable[[dict], bool] | None

# A 1×1 PNG: the sandbox only accepts photos it can read.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


def buttons(message: dict) -> dict[str, str]:
    """The inline buttons of a message: label -> callback data."""
    return {b["text"]: b["callback_data"] for row in message.get("buttons") or [] for b in row}


def all_data(message: dict) -> list[str]:
    """Every button's callback data, in order (labels may repeat)."""
    return [b["callback_data"] for row in message.get("buttons") or [] for b in row]


def find_button(message: dict, which: str) -> str | None:
    """The callback data of the button named `which` (see the module docstring), or None."""
    found = buttons(message)
    if which in found:
        return found[which]
    for test in (str.startswith, str.__contains__):
        labels = [label for label in found if test(label, which)]
        if labels:
            return found[labels[0]]
    return next((d for d in all_data(message) if d.startswith(which)), None)


def button(message: dict, which: str) -> str:
    """The callback data of the button named `which`; fails naming the buttons there are."""
    data = find_button(message, which)
    assert data is not None, f"no button {which!r} in {list(buttons(message))}: {message}"
    return data


def has_button(which: str) -> Callable[[dict], bool]:
    """A message predicate: it carries a button named `which`."""
    return lambda m: find_button(m, which) is not None


def has_document(message: dict) -> bool:
    return bool(message.get("document"))


def matches(message: dict, match: Match) -> bool:
    """`match` is a text the message contains, a predicate, or None (any message)."""
    if message.get("deleted"):
        return False
    if match is None:
        return True
    if isinstance(match, str):
        return match in (message.get("text") or "")
    return bool(match(message))


def plain(lang: str, key: str, **values: object) -> str:
    """A catalogue text as the chat shows it: tags become entities, entities characters."""
    return html.unescape(re.sub(r"<[^>]+>", "", catalogue_text(lang, key, **values)))


async def pace() -> None:
    """Let the bot's previous answer land before the next tap (tests marked `fast_taps` tap
    far faster than a person)."""
    await asyncio.sleep(0.05)


async def deliver(rt: Any) -> int:
    """Send everything the outbox holds now (at test speed); returns how many were sent."""
    assert rt.ctx.bot is not None
    sender = OutboxSender(rt.ctx.bot, rt.ctx.sessions, per_chat_per_second=50)
    return await sender.drain_until_empty()


class Chat:
    """One person's private chat with the bot (or a group, for `tap(..., by=)`)."""

    def __init__(self, sandbox: SandboxClient, chat_id: int) -> None:
        self.sandbox, self.id = sandbox, chat_id

    # What the chat holds.
    async def messages(self, *, after: int = 0, wait: float = 0) -> list[dict]:
        return await self.sandbox.messages(self.id, after=after, wait=wait)

    async def last_id(self) -> int:
        """The id of the newest message in the chat (0 when empty)."""
        found = await self.messages()
        return found[-1]["message_id"] if found else 0

    async def last(self, *, after: int = 0, wait: float = 5) -> dict:
        """The newest message after `after`, waiting up to `wait` s for one."""
        found = await self.messages(after=after, wait=wait)
        assert found, f"nothing new in chat {self.id} after {after}"
        return found[-1]

    async def latest(self, after: int, n: int = 1) -> list[dict]:
        """Every message (or edit) newer than `after`, once there are at least `n` (or 40 s
        passed: the caller's unpacking then says what was missing)."""
        found: list[dict] = []
        for _ in range(20):
            found = await self.messages(after=after, wait=2)
            if len(found) >= n:
                break
        return found

    async def wait_for(self, match: Match = None, *, after: int = 0, seconds: float = 30) -> dict:
        """The first message after `after` that matches (see `matches`); a message edited into
        a match counts too."""
        found: list[dict] = []
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while loop.time() < deadline:
            found = await self.messages(after=after, wait=0.5)
            for m in found:
                if matches(m, match):
                    return m
            if found:
                await asyncio.sleep(0.1)
        seen = [m.get("text") for m in found]
        raise AssertionError(f"no message matching {match!r} in chat {self.id}; saw {seen[-5:]}")

    async def message(self, message_id: int) -> dict:
        """Message `message_id` as the chat shows it now (with its edits)."""
        found = await self.messages(after=message_id - 1)
        return next(m for m in found if m["message_id"] == message_id)

    async def edited(self, message_id: int, old_text: str) -> dict:
        """Message `message_id` once its text is no longer `old_text`."""
        for _ in range(50):
            found = await self.messages(after=message_id - 1)
            current = next(m for m in found if m["message_id"] == message_id)
            if current["text"] != old_text:
                return current
            await asyncio.sleep(0.1)
        raise AssertionError(f"message {message_id} in chat {self.id} was not edited")

    # What the person does.
    async def send(self, text: str | None = None, **content: Any) -> int:
        """Send a message (text, location=, contact=, photo= bytes, document= ...); its id."""
        return await self.sandbox.send(self.id, text, **content)

    async def say(self, text: str | None = None, *, expect: Match = None, **content: Any) -> dict:
        """Send a message and return the bot's first answer matching `expect`."""
        sent = await self.send(text, **content)
        return await self.wait_for(expect, after=sent)

    async def location(self, latitude: float, longitude: float, *, expect: Match = None) -> dict:
        where = {"latitude": latitude, "longitude": longitude}
        return await self.say(location=where, expect=expect)

    async def photo(
        self, data: bytes = PNG, caption: str | None = None, *, expect: Match = None
    ) -> dict:
        extra = {"caption": caption} if caption is not None else {}
        return await self.say(photo=data, expect=expect, **extra)

    async def document(
        self, data: bytes, file_name: str, *, expect: Match = None, **extra: Any
    ) -> dict:
        body = base64.b64encode(data).decode()
        return await self.say(document=body, file_name=file_name, expect=expect, **extra)

    async def contact(self, phone_number: str, *, expect: Match = None, **contact: Any) -> dict:
        return await self.say(contact={"phone_number": phone_number, **contact}, expect=expect)

    async def tap(self, message: dict, which: str, *, by: int | None = None) -> str:
        """Tap the button named `which` (in a group: as user `by`); the callback query id."""
        data = button(message, which)
        if by is not None:
            return await self.sandbox.press_in_group(self.id, message["message_id"], data, by)
        return await self.sandbox.press(self.id, message["message_id"], data)

    async def answer(self, query_id: str, wait: float = 10) -> dict:
        """The bot's answer to a tap (the toast or alert)."""
        return await self.sandbox.callback_answer(query_id, wait)

    async def press(self, message: dict, which: str, *, wait: float = 5) -> list[dict]:
        """Tap, wait for the bot to answer the tap, return the messages (and edits) that
        followed it in the chat (waiting up to `wait` s for the first)."""
        await pace()
        before = await self.last_id()
        await self.answer(await self.tap(message, which))
        return await self.messages(after=before, wait=wait)

    async def press_for(self, message: dict, which: str, expect: Match = None) -> dict:
        """Tap and return the first message after it that matches `expect`."""
        before = await self.last_id()
        await self.tap(message, which)
        return await self.wait_for(expect, after=before)

    async def reply_button(self, label: str, location: dict[str, float] | None = None) -> int:
        """Tap a reply-keyboard button (a location one sends `location`)."""
        return await self.sandbox.press_label(self.id, label, location)

    # Messages other people's actions queue for this chat.
    async def delivered(
        self, rt: Any, match: Match = None, *, after: int = 0, newest: bool = False
    ) -> dict:
        """Deliver the outbox until a matching message reaches this chat (the change that
        queued it may commit just after the bot answered its author); the first such message
        after `after`, or the newest one with `newest=True`."""
        for _ in range(50):
            await deliver(rt)
            found = [m for m in await self.messages(after=after) if matches(m, match)]
            if found:
                return found[-1] if newest else found[0]
            await asyncio.sleep(0.1)
        seen = [m.get("text") for m in await self.messages(after=after)]
        raise AssertionError(f"no message matching {match!r} in chat {self.id}: {seen[-3:]}")

    async def inbox(self, rt: Any, *, more_than: int = 0) -> list[dict]:
        """Deliver the outbox until this chat holds more than `more_than` messages; all of
        them."""
        for _ in range(50):
            await deliver(rt)
            found = await self.messages()
            if len(found) > more_than:
                return found
            await asyncio.sleep(0.05)
        raise AssertionError(f"nothing delivered to chat {self.id}")
