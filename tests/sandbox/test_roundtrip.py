"""aiogram talks to the sandbox over real HTTP and parses every answer with its own types."""

from __future__ import annotations

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)
from aiohttp import web

from .conftest import TOKEN, USER_ID, Sandbox, png, serve


def keyboard(*pairs: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=t, callback_data=d)] for t, d in pairs]
    )


async def test_get_me(bot: Bot) -> None:
    me = await bot.get_me()
    assert me.id == int(TOKEN.split(":")[0])
    assert me.is_bot and me.username == "riderunion_sandbox_bot"


async def test_send_html_with_inline_keyboard(sb: Sandbox, bot: Bot) -> None:
    msg = await bot.send_message(
        USER_ID,
        "<b>你好</b> 😀 <a href='https://example.org'>link</a> &lt;ok&gt;",
        parse_mode="HTML",
        reply_markup=keyboard(("Yes", "yes"), ("No", "no")),
    )
    assert msg.text == "你好 😀 link <ok>"
    assert [(e.type, e.offset, e.length) for e in msg.entities] == [
        ("bold", 0, 2),
        ("text_link", 6, 4),  # the emoji counts two UTF-16 units
    ]
    assert msg.from_user.is_bot and msg.chat.id == USER_ID
    assert msg.reply_markup.inline_keyboard[1][0].callback_data == "no"
    views = (await sb.ok("GET", f"/chats/{USER_ID}/messages"))["messages"]
    assert views[0]["html"] == ('<b>你好</b> 😀 <a href="https://example.org">link</a> &lt;ok&gt;')
    assert views[0]["buttons"] == [
        [{"text": "Yes", "callback_data": "yes"}],
        [{"text": "No", "callback_data": "no"}],
    ]


async def test_markdown_v2(bot: Bot) -> None:
    msg = await bot.send_message(USER_ID, "*bold* _it_ 1\\.5", parse_mode="MarkdownV2")
    assert msg.text == "bold it 1.5"
    assert [e.type for e in msg.entities] == ["bold", "italic"]


async def test_message_ids_increase_per_chat(bot: Bot) -> None:
    first = await bot.send_message(USER_ID, "one")
    second = await bot.send_message(USER_ID, "two")
    assert second.message_id == first.message_id + 1


async def test_edit_and_delete(sb: Sandbox, bot: Bot) -> None:
    msg = await bot.send_message(USER_ID, "draft", reply_markup=keyboard(("A", "a")))
    edited = await bot.edit_message_text(
        "final", chat_id=USER_ID, message_id=msg.message_id, reply_markup=keyboard(("B", "b"))
    )
    assert edited.text == "final" and edited.edit_date
    markup = await bot.edit_message_reply_markup(
        chat_id=USER_ID, message_id=msg.message_id, reply_markup=keyboard(("C", "c"))
    )
    assert markup.reply_markup.inline_keyboard[0][0].callback_data == "c"
    view = (await sb.ok("GET", f"/chats/{USER_ID}/messages"))["messages"][0]
    assert view["edited"] and view["text"] == "final" and view["buttons"][0][0]["text"] == "C"
    assert await bot.delete_message(USER_ID, msg.message_id) is True
    view = (await sb.ok("GET", f"/chats/{USER_ID}/messages"))["messages"][0]
    assert view["deleted"]


async def test_photo_and_document_upload_get_file_download(sb: Sandbox, bot: Bot) -> None:
    image = png(7, 5)
    photo_msg = await bot.send_photo(
        USER_ID, BufferedInputFile(image, "p.png"), caption="<i>map</i>", parse_mode="HTML"
    )
    size = photo_msg.photo[-1]
    assert (size.width, size.height) == (7, 5)
    assert photo_msg.caption == "map" and photo_msg.caption_entities[0].type == "italic"
    file = await bot.get_file(size.file_id)
    assert (await bot.download_file(file.file_path)).read() == image
    # sending by file_id reuses the stored file
    again = await bot.send_photo(USER_ID, size.file_id)
    assert again.photo[-1].file_unique_id == size.file_unique_id

    pdf = b"%PDF-1.4 fake but fine\n" * 100
    doc_msg = await bot.send_document(USER_ID, BufferedInputFile(pdf, "report.pdf"))
    assert doc_msg.document.file_name == "report.pdf"
    assert doc_msg.document.mime_type == "application/pdf"
    file = await bot.get_file(doc_msg.document.file_id)
    assert (await bot.download_file(file.file_path)).read() == pdf
    async with sb.http.get(f"{sb.api}/files/{doc_msg.document.file_id}") as resp:
        assert resp.content_type == "application/pdf"
        assert await resp.read() == pdf


async def test_location_and_venue(sb: Sandbox, bot: Bot) -> None:
    loc = await bot.send_location(USER_ID, latitude=31.23, longitude=121.47)
    assert (loc.location.latitude, loc.location.longitude) == (31.23, 121.47)
    venue = await bot.send_venue(
        USER_ID, latitude=31.2, longitude=121.4, title="骑手之家", address="人民路 1 号"
    )
    assert venue.venue.title == "骑手之家" and venue.location.latitude == 31.2
    views = (await sb.ok("GET", f"/chats/{USER_ID}/messages"))["messages"]
    assert views[1]["venue"]["address"] == "人民路 1 号"


async def test_answer_callback_query(sb: Sandbox, bot: Bot) -> None:
    msg = await bot.send_message(USER_ID, "pick", reply_markup=keyboard(("Go", "go")))
    pressed = await sb.ok(
        "POST", f"/chats/{USER_ID}/press", {"message_id": msg.message_id, "callback_data": "go"}
    )
    updates = await bot.get_updates()
    query = updates[-1].callback_query
    assert query.id == pressed["callback_query_id"] and query.data == "go"
    assert query.message.message_id == msg.message_id
    assert await bot.answer_callback_query(query.id, text="收到", show_alert=True)
    answer = await sb.ok("GET", f"/callbacks/{query.id}")
    assert answer == {"answered": True, "text": "收到", "show_alert": True, "url": None}


async def test_reply_keyboard_commands_chat_member(sb: Sandbox, bot: Bot) -> None:
    markup = ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text="Share phone", request_contact=True)]],
        resize_keyboard=True,
    )
    await bot.send_message(USER_ID, "phone?", reply_markup=markup)
    view = (await sb.ok("GET", f"/chats/{USER_ID}/messages"))["messages"][0]
    assert view["reply_keyboard"] == [
        [{"text": "Share phone", "request_contact": True, "request_location": False}]
    ]
    await bot.set_my_commands([BotCommand(command="start", description="开始")])
    assert (await bot.get_my_commands())[0].command == "start"
    assert await bot.delete_my_commands()
    assert await bot.get_my_commands() == []
    await sb.ok("POST", "/users", {"id": 7, "first_name": "Admin"})
    await sb.ok(
        "POST", "/groups", {"id": -100, "title": "骑手群", "members": [USER_ID], "admins": [7]}
    )
    assert (await bot.get_chat_member(-100, 7)).status == "administrator"
    assert (await bot.get_chat_member(-100, USER_ID)).status == "member"
    assert (await bot.get_chat(-100)).title == "骑手群"
    assert await bot.send_chat_action(USER_ID, "typing")


async def test_photo_by_url_and_caption_edit(bot: Bot) -> None:
    image = png(6, 6)

    async def serve_png(request: web.Request) -> web.Response:
        return web.Response(body=image, content_type="image/png")

    app = web.Application()
    app.router.add_get("/p.png", serve_png)
    runner, base = await serve(app)
    try:
        msg = await bot.send_photo(USER_ID, f"{base}/p.png", caption="old")
    finally:
        await runner.cleanup()
    assert msg.photo[-1].width == 6
    edited = await bot.edit_message_caption(
        chat_id=USER_ID, message_id=msg.message_id, caption="<u>new</u>", parse_mode="HTML"
    )
    assert edited.caption == "new" and edited.caption_entities[0].type == "underline"


async def test_get_file_over_20_mb(bot: Bot) -> None:
    big = b"\0" * (20 * 1024 * 1024 + 1)
    msg = await bot.send_document(USER_ID, BufferedInputFile(big, "big.bin"))
    with pytest.raises(TelegramBadRequest, match="file is too big"):
        await bot.get_file(msg.document.file_id)
