"""getUpdates, long polling, conflicts and webhook delivery."""

from __future__ import annotations

import asyncio
import time

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramConflictError
from aiohttp import web

from .conftest import USER_ID, Sandbox, serve


async def test_user_text_reaches_get_updates_and_offset_confirms(sb: Sandbox, bot: Bot) -> None:
    sent = await sb.ok("POST", f"/chats/{USER_ID}/send", {"text": "/start hello"})
    updates = await bot.get_updates()
    assert [u.update_id for u in updates] == [sent["update_id"]]
    msg = updates[0].message
    assert msg.text == "/start hello" and msg.from_user.id == USER_ID
    assert msg.entities[0].type == "bot_command" and msg.entities[0].length == 6
    second = await sb.ok("POST", f"/chats/{USER_ID}/send", {"text": "again"})
    # without an offset nothing is forgotten
    assert len(await bot.get_updates()) == 2
    updates = await bot.get_updates(offset=sent["update_id"] + 1)
    assert [u.update_id for u in updates] == [second["update_id"]]
    assert await bot.get_updates(offset=second["update_id"] + 1) == []


async def test_negative_offset_and_limit(sb: Sandbox, bot: Bot) -> None:
    ids = [
        (await sb.ok("POST", f"/chats/{USER_ID}/send", {"text": str(i)}))["update_id"]
        for i in range(5)
    ]
    assert [u.update_id for u in await bot.get_updates(limit=2)] == ids[:2]
    assert [u.update_id for u in await bot.get_updates(offset=-2)] == ids[3:]


async def test_user_updates_before_the_bot_connects_are_kept(sb: Sandbox) -> None:
    await sb.ok("POST", f"/chats/{USER_ID}/send", {"location": {"latitude": 1, "longitude": 2}})
    status, body = await sb.call("getUpdates")
    assert status == 200 and body["result"][0]["message"]["location"]["longitude"] == 2


async def test_long_poll_returns_as_soon_as_an_update_arrives(sb: Sandbox, bot: Bot) -> None:
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.2)
    assert not poll.done()
    await sb.ok("POST", f"/chats/{USER_ID}/send", {"text": "ping"})
    updates = await asyncio.wait_for(poll, 2)
    assert updates[0].message.text == "ping"
    assert time.monotonic() - started < 2


async def test_allowed_updates_filters_new_updates(sb: Sandbox, bot: Bot) -> None:
    await bot.get_updates(allowed_updates=["callback_query"])
    await sb.ok("POST", f"/chats/{USER_ID}/send", {"text": "ignored"})
    assert await bot.get_updates() == []


async def test_second_poller_terminates_the_first(sb: Sandbox, bot: Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.2)
    second = asyncio.create_task(bot.get_updates(timeout=1))
    with pytest.raises(TelegramConflictError, match="terminated by other getUpdates"):
        await asyncio.wait_for(first, 2)
    assert await second == []


async def test_webhook_delivery_with_secret_and_retries(sb: Sandbox, bot: Bot) -> None:
    received: list[tuple[dict, str | None]] = []
    failures = {"left": 2}

    async def hook(request: web.Request) -> web.Response:
        if failures["left"]:
            failures["left"] -= 1
            return web.Response(status=500)
        received.append(
            (await request.json(), request.headers.get("X-Telegram-Bot-Api-Secret-Token"))
        )
        return web.json_response({})

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner, base = await serve(app)
    try:
        await sb.ok("POST", f"/chats/{USER_ID}/send", {"text": "old"})
        assert await bot.set_webhook(
            f"{base}/hook", secret_token="s3cret", drop_pending_updates=True
        )
        with pytest.raises(TelegramConflictError, match="webhook is active"):
            await bot.get_updates()
        first = await sb.ok("POST", f"/chats/{USER_ID}/send", {"text": "one"})
        await sb.ok("POST", f"/chats/{USER_ID}/send", {"text": "two"})
        for _ in range(100):
            if len(received) == 2:
                break
            await asyncio.sleep(0.05)
        assert [u["message"]["text"] for u, _ in received] == ["one", "two"]
        assert received[0][0]["update_id"] == first["update_id"]
        assert {secret for _, secret in received} == {"s3cret"}
        info = await bot.get_webhook_info()
        assert info.url == f"{base}/hook" and info.pending_update_count == 0
        assert "500" in info.last_error_message and info.last_error_date
        assert await bot.delete_webhook()
        await sb.ok("POST", f"/chats/{USER_ID}/send", {"text": "polled"})
        assert (await bot.get_updates())[0].message.text == "polled"
    finally:
        await runner.cleanup()


async def test_webhook_reply_method_is_performed(sb: Sandbox) -> None:
    async def hook(request: web.Request) -> web.Response:
        update = await request.json()
        chat_id = update["message"]["chat"]["id"]
        return web.json_response({"method": "sendMessage", "chat_id": chat_id, "text": "pong"})

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner, base = await serve(app)
    try:
        status, _ = await sb.call("setWebhook", url=f"{base}/hook")
        assert status == 200
        await sb.ok("POST", f"/chats/{USER_ID}/send", {"text": "ping"})
        data = await sb.ok("GET", f"/chats/{USER_ID}/messages?wait=3")
        assert data["messages"][0]["text"] == "pong"
    finally:
        await runner.cleanup()


async def test_block_produces_my_chat_member(sb: Sandbox, bot: Bot) -> None:
    await bot.get_me()  # the bot exists before the block
    await sb.ok("POST", f"/users/{USER_ID}/block")
    update = (await bot.get_updates())[0]
    assert update.my_chat_member.new_chat_member.status == "kicked"
