"""The control API: users, groups, presses, message long-poll, same-origin check."""

from __future__ import annotations

import asyncio

from aiogram import Bot
from aiogram.types import (
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from .conftest import USER_ID, Sandbox, b64, png


async def test_users_are_idempotent_and_listed(sb: Sandbox) -> None:
    user = await sb.ok("POST", "/users", {"id": USER_ID, "first_name": "Li", "username": "li"})
    assert user["username"] == "li" and user["phone_number"] == "+8613800000000"
    users = (await sb.ok("GET", "/users"))["users"]
    assert [u["id"] for u in users] == [USER_ID]
    status, body = await sb.control("POST", "/users", {"first_name": "no id"})
    assert status == 400 and "id" in body["error"]


async def test_press_validation(sb: Sandbox, bot: Bot) -> None:
    markup = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Go", callback_data="go")]]
    )
    msg = await bot.send_message(USER_ID, "pick", reply_markup=markup)
    status, body = await sb.control(
        "POST", f"/chats/{USER_ID}/press", {"message_id": msg.message_id, "callback_data": "nope"}
    )
    assert status == 400 and "'go'" in body["error"]
    status, body = await sb.control(
        "POST", f"/chats/{USER_ID}/press", {"message_id": 99, "callback_data": "go"}
    )
    assert status == 400
    status, body = await sb.control("POST", f"/chats/{USER_ID}/press", {"text": "Go"})
    assert status == 400 and "reply keyboard" in body["error"]


async def test_reply_keyboard_contact_button_sends_own_contact(sb: Sandbox, bot: Bot) -> None:
    markup = ReplyKeyboardMarkup(
        keyboard=[
            [KeyboardButton(text="📱 Share", request_contact=True)],
            [KeyboardButton(text="📍 Where", request_location=True), KeyboardButton(text="Skip")],
        ]
    )
    await bot.send_message(USER_ID, "phone?", reply_markup=markup)
    pressed = await sb.ok("POST", f"/chats/{USER_ID}/press", {"text": "📱 Share"})
    status, body = await sb.control("POST", f"/chats/{USER_ID}/press", {"text": "📍 Where"})
    assert status == 400 and "location" in body["error"]
    await sb.ok(
        "POST",
        f"/chats/{USER_ID}/press",
        {"text": "📍 Where", "location": {"latitude": 30.5, "longitude": 114.3}},
    )
    await sb.ok("POST", f"/chats/{USER_ID}/press", {"text": "Skip"})
    updates = await bot.get_updates()
    contact = updates[0].message.contact
    assert updates[0].update_id == pressed["update_id"]
    assert (contact.user_id, contact.phone_number) == (USER_ID, "+8613800000000")
    assert updates[1].message.location.latitude == 30.5
    assert updates[2].message.text == "Skip"
    await bot.send_message(USER_ID, "done", reply_markup=ReplyKeyboardRemove())
    status, _ = await sb.control("POST", f"/chats/{USER_ID}/press", {"text": "Skip"})
    assert status == 400
    views = (await sb.ok("GET", f"/chats/{USER_ID}/messages"))["messages"]
    assert views[-1]["remove_keyboard"] is True


async def test_messages_long_poll_and_all(sb: Sandbox, bot: Bot) -> None:
    waiter = asyncio.create_task(sb.ok("GET", f"/chats/{USER_ID}/messages?after=0&wait=5"))
    await asyncio.sleep(0.1)
    assert not waiter.done()
    sent = await bot.send_message(USER_ID, "hello")
    data = await asyncio.wait_for(waiter, 2)
    assert [m["message_id"] for m in data["messages"]] == [sent.message_id]
    await sb.ok("POST", f"/chats/{USER_ID}/send", {"text": "hi bot"})
    only_bot = await sb.ok("GET", f"/chats/{USER_ID}/messages?after=0")
    everyone = await sb.ok("GET", f"/chats/{USER_ID}/messages?after=0&all=1")
    assert len(only_bot["messages"]) == 1
    assert [m["from_bot"] for m in everyone["messages"]] == [True, False]
    empty = await sb.ok("GET", f"/chats/{USER_ID}/messages?after={sent.message_id}&wait=0.2")
    assert empty["messages"] == []
    # the page follows edits of old messages with changed_since
    rev = everyone["rev"]
    await bot.edit_message_text("hello!", chat_id=USER_ID, message_id=sent.message_id)
    changed = await sb.ok("GET", f"/chats/{USER_ID}/messages?changed_since={rev}&all=1")
    assert [m["text"] for m in changed["messages"]] == ["hello!"]


async def test_user_photo_document_and_group(sb: Sandbox, bot: Bot) -> None:
    await sb.ok("POST", f"/chats/{USER_ID}/send", {"photo": b64(png(4, 4)), "caption": "收据"})
    await sb.ok(
        "POST",
        f"/chats/{USER_ID}/send",
        {"document": b64(b"a,b\n"), "file_name": "t.csv", "mime_type": "text/csv"},
    )
    status, body = await sb.control("POST", f"/chats/{USER_ID}/send", {"sticker": "x"})
    assert status == 400 and '"text"' in body["error"]
    await sb.ok("POST", "/users", {"id": 2002, "first_name": "Wang"})
    await sb.ok("POST", "/groups", {"id": -5, "title": "g", "members": [USER_ID, 2002]})
    status, body = await sb.control("POST", "/chats/-5/send", {"text": "no sender"})
    assert status == 400 and "from" in body["error"]
    await sb.ok("POST", "/chats/-5/send", {"text": "/help@riderunion_sandbox_bot", "from": 2002})
    updates = await bot.get_updates()
    photo = updates[0].message
    assert photo.caption == "收据" and photo.photo[-1].width == 4
    file = await bot.get_file(photo.photo[-1].file_id)
    assert (await bot.download_file(file.file_path)).read() == png(4, 4)
    assert updates[1].message.document.file_name == "t.csv"
    group = updates[2].message
    assert group.chat.type == "group" and group.from_user.id == 2002
    reply = await bot.send_photo(
        -5, BufferedInputFile(png(), "x.png"), reply_to_message_id=group.message_id
    )
    assert reply.reply_to_message.text == "/help@riderunion_sandbox_bot"


async def test_same_origin_check(sb: Sandbox) -> None:
    host = sb.base.removeprefix("http://")
    body = {"id": 5, "first_name": "x"}
    async with sb.http.post(
        f"{sb.api}/users", json=body, headers={"Origin": "http://evil.example"}
    ) as resp:
        assert resp.status == 403
        assert "Access-Control-Allow-Origin" not in resp.headers
    async with sb.http.post(
        f"{sb.api}/users", json=body, headers={"Origin": f"http://{host}"}
    ) as resp:
        assert resp.status == 200
    async with sb.http.get(f"{sb.api}/users", headers={"Origin": "http://evil.example"}) as resp:
        assert resp.status == 200 and "Access-Control-Allow-Origin" not in resp.headers


async def test_faults_calls_reset_and_page(sb: Sandbox, bot: Bot) -> None:
    status, body = await sb.control("POST", "/faults", {"method": "sendMessage", "status": 418})
    assert status == 400 and "status" in body["error"]
    await bot.send_message(USER_ID, "logged")
    calls = (await sb.ok("GET", "/calls?method=sendmessage"))["calls"]
    assert len(calls) == 1 and calls[0]["params"]["text"] == "logged"
    await sb.ok("POST", "/reset")
    assert (await sb.ok("GET", "/users"))["users"] == []
    async with sb.http.get(f"{sb.base}/sandbox/") as resp:
        assert resp.status == 200 and "<script" in await resp.text()
    async with sb.http.get(f"{sb.base}/sandbox/static/app.js") as resp:
        assert resp.status == 200
