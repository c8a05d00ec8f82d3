"""Telegram's limits and errors, and injected faults."""

from __future__ import annotations

import asyncio

import pytest
from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup

from .conftest import USER_ID, MakeSandbox, Sandbox, png


async def test_text_length_limits(bot: Bot) -> None:
    assert (await bot.send_message(USER_ID, "x" * 4096)).text == "x" * 4096
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(USER_ID, "x" * 4097)
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(USER_ID, "<b> </b>", parse_mode="HTML")


async def test_callback_data_limit(bot: Bot) -> None:
    def markup(data: str) -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="b", callback_data=data)]]
        )

    await bot.send_message(USER_ID, "ok", reply_markup=markup("é" * 32))  # 64 bytes
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(USER_ID, "no", reply_markup=markup("x" * 65))


@pytest.mark.parametrize(
    ("markup", "error"),
    [
        ("<b>open", 'end tag corresponding to start tag "b"'),
        ("<b>x</i>", "Unmatched end tag"),
        ("<script>x</script>", 'Unsupported start tag "script"'),
    ],
)
async def test_bad_html(bot: Bot, markup: str, error: str) -> None:
    with pytest.raises(TelegramBadRequest, match="can't parse entities") as info:
        await bot.send_message(USER_ID, markup, parse_mode="HTML")
    assert error in str(info.value)


async def test_unknown_chat_blocked_user_bad_token(sb: Sandbox, bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(424242, "hi")
    await sb.ok("POST", f"/users/{USER_ID}/block")
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(USER_ID, "hi")
    await sb.ok("POST", f"/users/{USER_ID}/unblock")
    await bot.send_message(USER_ID, "welcome back")
    status, body = await sb.call("getMe", token="not-a-token")
    assert (status, body) == (401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
    bad = sb.bot(token="12:x")  # too short after the colon
    with pytest.raises(TelegramUnauthorizedError):
        await bad.get_me()
    await bad.session.close()
    status, body = await sb.call("noSuchMethod")
    assert (status, body["description"]) == (404, "Not Found")
    status, body = await sb.call("GETME")  # method names are case-insensitive
    assert status == 200 and body["result"]["is_bot"]


async def test_edit_errors(bot: Bot) -> None:
    msg = await bot.send_message(USER_ID, "same")
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text("same", chat_id=USER_ID, message_id=msg.message_id)
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=USER_ID, message_id=999)
    with pytest.raises(TelegramBadRequest, match="no caption in the message to edit"):
        await bot.edit_message_caption(chat_id=USER_ID, message_id=msg.message_id, caption="c")
    await bot.delete_message(USER_ID, msg.message_id)
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(USER_ID, msg.message_id)


async def test_callback_answer_errors(sb: Sandbox, bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query("12345")
    markup = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="b", callback_data="d")]]
    )
    msg = await bot.send_message(USER_ID, "m", reply_markup=markup)
    pressed = await sb.ok(
        "POST", f"/chats/{USER_ID}/press", {"message_id": msg.message_id, "callback_data": "d"}
    )
    with pytest.raises(TelegramBadRequest, match="MESSAGE_TOO_LONG"):
        await bot.answer_callback_query(pressed["callback_query_id"], text="x" * 201)
    await bot.answer_callback_query(pressed["callback_query_id"])
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(pressed["callback_query_id"])


async def test_file_errors(bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="wrong file identifier/HTTP URL specified"):
        await bot.send_photo(USER_ID, "http://127.0.0.1:9/nothing.png")
    with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
        await bot.send_document(USER_ID, "no-such-file-id")
    with pytest.raises(TelegramBadRequest, match="IMAGE_PROCESS_FAILED"):
        await bot.send_photo(USER_ID, BufferedInputFile(b"not an image", "x.png"))
    big = png() + b"\0" * (10 * 1024 * 1024)
    with pytest.raises(TelegramBadRequest, match="file is too big"):
        await bot.send_photo(USER_ID, BufferedInputFile(big, "big.png"))


async def test_per_chat_flood_limit(sb: Sandbox, bot: Bot) -> None:
    # an answer plus the next question is fine
    await bot.send_message(USER_ID, "answer")
    await bot.send_message(USER_ID, "next question")
    results = await asyncio.gather(
        *(bot.send_message(USER_ID, f"burst {i}") for i in range(20)), return_exceptions=True
    )
    limited = [r for r in results if isinstance(r, TelegramRetryAfter)]
    assert 15 <= len(limited) <= 18
    assert all(r.retry_after >= 1 for r in limited)
    status, body = await sb.call("sendMessage", chat_id=USER_ID, text="again")
    assert status == 429 and body["parameters"]["retry_after"] >= 1
    assert (
        body["description"] == f"Too Many Requests: retry after {body['parameters']['retry_after']}"
    )


async def test_global_flood_limit(make_sandbox: MakeSandbox) -> None:
    sb = await make_sandbox(global_rate=1, global_burst=3)
    for uid in (1, 2, 3, 4):
        await sb.ok("POST", "/users", {"id": uid, "first_name": f"u{uid}"})
    statuses = [(await sb.call("sendMessage", chat_id=uid, text="hi"))[0] for uid in (1, 2, 3, 4)]
    assert statuses == [200, 200, 200, 429]


@pytest.mark.parametrize(
    ("status", "error"),
    [(429, TelegramRetryAfter), (500, TelegramServerError), (403, TelegramForbiddenError)],
)
async def test_status_faults(sb: Sandbox, bot: Bot, status: int, error: type) -> None:
    await sb.ok("POST", "/faults", {"method": "sendMessage", "status": status, "count": 1})
    with pytest.raises(error):
        await bot.send_message(USER_ID, "fails")
    assert (await bot.send_message(USER_ID, "works")).text == "works"
    calls = (await sb.ok("GET", "/calls?method=sendMessage"))["calls"]
    assert [c["status"] for c in calls] == [status, 200]
    assert sb.state.chats[USER_ID].messages[1].content["text"] == "works"  # not performed


async def test_timeout_and_drop_faults(sb: Sandbox, bot: Bot) -> None:
    await sb.ok("POST", "/faults", {"method": "*", "status": "timeout", "count": 1, "delay": 0.3})
    with pytest.raises(TelegramServerError):
        await bot.get_me()
    await sb.ok("POST", "/faults", {"method": "getMe", "status": "timeout", "delay": 1.2})
    with pytest.raises(TelegramNetworkError):
        await bot.get_me(request_timeout=0.4)
    await sb.ok("DELETE", "/faults")
    await sb.ok("POST", "/faults", {"method": "sendMessage", "status": "drop", "count": 1})
    with pytest.raises(TelegramNetworkError):
        await bot.send_message(USER_ID, "lost")
    assert (await bot.send_message(USER_ID, "kept")).message_id == 1


async def test_lost_answer_fault_delivers_then_cuts_the_connection(sb: Sandbox, bot: Bot) -> None:
    """Telegram's own ambiguity: the message is in the chat, but the caller only sees the
    connection die, so a retry sends it twice."""
    await sb.ok("POST", "/faults", {"method": "sendMessage", "status": "lost_answer"})
    with pytest.raises(TelegramNetworkError):
        await bot.send_message(USER_ID, "delivered, answer lost")
    assert (await bot.send_message(USER_ID, "next")).message_id == 2  # the first one took 1
    stored = sb.state.chats[USER_ID].messages
    assert [m.content["text"] for m in stored.values()] == ["delivered, answer lost", "next"]
    calls = (await sb.ok("GET", "/calls?method=sendMessage"))["calls"]
    assert [c["status"] for c in calls] == ["delivered, answer dropped", 200]
    status, body = await sb.control("POST", "/faults", {"method": "sendMessage", "status": "x"})
    assert status == 400 and "lost_answer" in body["error"]
