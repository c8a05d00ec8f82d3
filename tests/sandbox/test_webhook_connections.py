"""Webhook delivery in parallel as Telegram does it: up to max_connections POSTs at once,
never two of one chat, a chat's updates in their order even through a retry."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from aiogram import Bot
from aiohttp import web

from sandbox.webhook import chat_of

from .conftest import USER_ID, Sandbox, serve

OTHERS = [2001, 2002, 2003, 2004, 2005]  # riders beside USER_ID, one private chat each


class Receiver:
    """A real webhook that logs each POST, can hold it until the test releases it, and can
    answer 500 once to a given text."""

    def __init__(self, *, hold: bool = False, delay: float = 0, fail_once: str = "") -> None:
        self.hold, self.delay, self.fail_once = hold, delay, fail_once
        self.held: list[tuple[str, asyncio.Event]] = []  # (text, its release), oldest first
        self.log: list[tuple[str, str, int]] = []  # ("start" | "end", text, status)
        self.active: dict[int, int] = {}  # chat -> its POSTs in flight now
        self.peak_total = self.peak_chat = 0
        self.app = web.Application()
        self.app.router.add_post("/hook", self.hook)

    async def hook(self, request: web.Request) -> web.Response:
        message = (await request.json())["message"]
        chat, text = message["chat"]["id"], message["text"]
        self.active[chat] = self.active.get(chat, 0) + 1
        self.peak_chat = max(self.peak_chat, self.active[chat])
        self.peak_total = max(self.peak_total, sum(self.active.values()))
        self.log.append(("start", text, 0))
        try:
            if self.hold:
                release = asyncio.Event()
                self.held.append((text, release))
                await release.wait()
            await asyncio.sleep(self.delay)
            status = 200
            if text == self.fail_once:
                self.fail_once, status = "", 500
            self.log.append(("end", text, status))
            return web.json_response({}, status=status)
        finally:
            self.active[chat] -= 1

    def answered(self) -> list[str]:
        return [text for event, text, status in self.log if event == "end" and status == 200]

    def release_all(self) -> None:
        for _, release in self.held:
            release.set()


async def until(condition: Callable[[], bool], what: str) -> None:
    for _ in range(250):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"still not: {what}")


async def riders(sb: Sandbox) -> None:
    for rider in OTHERS:
        await sb.ok("POST", "/users", {"id": rider, "first_name": f"R{rider}"})


async def test_max_connections_posts_are_in_flight_at_once_and_the_next_waits(
    sb: Sandbox, bot: Bot
) -> None:
    await riders(sb)
    chats = [USER_ID, *OTHERS]
    receiver = Receiver(hold=True)
    runner, base = await serve(receiver.app)
    try:
        assert await bot.set_webhook(f"{base}/hook", max_connections=5)
        for chat in chats:
            await sb.ok("POST", f"/chats/{chat}/send", {"text": str(chat)})
        await until(lambda: len(receiver.held) == 5, "5 POSTs held")
        await asyncio.sleep(0.3)  # time enough for a 6th POST, were one allowed
        assert {text for text, _ in receiver.held} == {str(chat) for chat in chats[:5]}
        info = await bot.get_webhook_info()
        assert info.max_connections == 5
        assert info.pending_update_count == 6  # those in flight are not delivered yet
        receiver.held[0][1].set()  # one answer frees a connection: the 6th goes
        await until(lambda: len(receiver.held) == 6, "the 6th POST")
        assert receiver.held[5][0] == str(chats[5]) and receiver.peak_total == 5
        receiver.release_all()
        await until(lambda: len(receiver.answered()) == 6, "all answered")
        assert (await bot.get_webhook_info()).pending_update_count == 0
    finally:
        receiver.release_all()
        await runner.cleanup()


async def test_a_chat_has_one_post_at_a_time_in_order_even_through_a_retry(
    sb: Sandbox, bot: Bot
) -> None:
    await riders(sb)
    receiver = Receiver(delay=0.1, fail_once="a1")
    runner, base = await serve(receiver.app)
    try:
        assert await bot.set_webhook(f"{base}/hook")
        for chat, text in [(USER_ID, "a1"), (USER_ID, "a2"), (OTHERS[0], "b1")]:
            await sb.ok("POST", f"/chats/{chat}/send", {"text": text})
        await until(lambda: len(receiver.answered()) == 3, "3 answered")
        assert receiver.peak_chat == 1  # never two POSTs of one chat at once
        assert [entry for entry in receiver.log if entry[1] != "b1"] == [
            ("start", "a1", 0),
            ("end", "a1", 500),
            ("start", "a1", 0),  # the failed update stays first for its chat
            ("end", "a1", 200),
            ("start", "a2", 0),
            ("end", "a2", 200),
        ]
        # The other chat went alongside and did not wait for a1's retry.
        assert receiver.peak_total == 2
        assert receiver.answered() == ["b1", "a1", "a2"]
        made = (await sb.ok("GET", "/webhook/deliveries"))["deliveries"]
        assert sorted(d["status"] for d in made) == [200, 200, 200, 500]
        info = await bot.get_webhook_info()
        assert info.max_connections == 40 and "500" in info.last_error_message
    finally:
        await runner.cleanup()


async def test_max_connections_is_clamped_to_1_100_as_telegram_does(sb: Sandbox) -> None:
    # The Bot API server reads it with get_integer_arg(..., 40, 1, 100): a clamp, no error.
    for asked, kept in [(None, 40), (0, 1), (101, 100), (5, 5), ("7", 7)]:
        extra = {} if asked is None else {"max_connections": asked}
        status, body = await sb.call("setWebhook", url="https://desk.invalid/hook", **extra)
        assert (status, body["result"]) == (200, True)
        status, body = await sb.call("getWebhookInfo")
        assert (status, body["result"]["max_connections"]) == (200, kept)
    await sb.call("deleteWebhook")
    status, body = await sb.call("getWebhookInfo")
    assert status == 200 and "max_connections" not in body["result"]


async def test_delete_webhook_cancels_the_posts_in_flight_and_keeps_their_updates(
    sb: Sandbox, bot: Bot
) -> None:
    receiver = Receiver(hold=True)
    runner, base = await serve(receiver.app)
    try:
        assert await bot.set_webhook(f"{base}/hook")
        await sb.ok("POST", f"/chats/{USER_ID}/send", {"text": "held"})
        await until(lambda: len(receiver.held) == 1, "the POST held")
        assert await bot.delete_webhook()
        receiver.release_all()  # an answer now reaches nobody
        assert [u.message.text for u in await bot.get_updates()] == ["held"]
        assert (await sb.ok("GET", "/webhook/deliveries"))["deliveries"] == []
    finally:
        receiver.release_all()
        await runner.cleanup()


def test_chat_of_orders_by_chat_then_sender_and_leaves_the_rest_free() -> None:
    chat = {"id": -100, "type": "group", "title": "g"}
    sender = {"id": 7, "is_bot": False, "first_name": "Li"}
    message = {"message_id": 1, "date": 0, "chat": chat, "from": sender, "text": "hi"}
    assert chat_of({"update_id": 1, "message": message}) == -100
    query = {"id": "1", "from": sender, "message": message, "chat_instance": "1"}
    assert chat_of({"update_id": 2, "callback_query": query}) == -100
    inline = {"id": "2", "from": sender, "query": "", "offset": ""}
    assert chat_of({"update_id": 3, "inline_query": inline}) == 7
    assert chat_of({"update_id": 4, "poll": {"id": "p", "question": "?", "options": []}}) is None
