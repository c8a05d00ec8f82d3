"""A real aiogram Dispatcher polling the sandbox: the path the app's bot takes."""

from __future__ import annotations

import asyncio

from aiogram import Bot, Dispatcher, F
from aiogram.filters import CommandStart
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from sandbox import SandboxState

from .conftest import USER_ID, Sandbox


async def test_polling_dispatcher_conversation(sb: Sandbox, bot: Bot) -> None:
    dp = Dispatcher()

    @dp.message(CommandStart())
    async def start(message: Message) -> None:
        markup = InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="加入", callback_data="join")]]
        )
        await message.answer(
            f"<b>欢迎</b>, {message.from_user.first_name}!", parse_mode="HTML", reply_markup=markup
        )

    @dp.callback_query(F.data == "join")
    async def join(query: CallbackQuery) -> None:
        await query.answer("已加入")
        await query.message.edit_text("✅ 已加入")

    polling = asyncio.create_task(
        dp.start_polling(bot, handle_signals=False, close_bot_session=False, polling_timeout=1)
    )
    try:
        await sb.ok("POST", f"/chats/{USER_ID}/send", {"text": "/start"})
        data = await sb.ok("GET", f"/chats/{USER_ID}/messages?after=0&wait=5")
        welcome = data["messages"][0]
        assert welcome["html"] == "<b>欢迎</b>, Li!"
        pressed = await sb.ok(
            "POST",
            f"/chats/{USER_ID}/press",
            {"message_id": welcome["message_id"], "callback_data": "join"},
        )
        answer = await sb.ok("GET", f"/callbacks/{pressed['callback_query_id']}?wait=5")
        assert answer["answered"] and answer["text"] == "已加入"
        for _ in range(50):
            view = (await sb.ok("GET", f"/chats/{USER_ID}/messages"))["messages"][0]
            if view["edited"]:
                break
            await asyncio.sleep(0.05)
        assert view["text"] == "✅ 已加入" and view["buttons"] == []
    finally:
        await dp.stop_polling()
        await asyncio.wait_for(polling, 5)


async def test_in_process_object_api(sb: Sandbox, bot: Bot) -> None:
    state: SandboxState = sb.state
    state.create_user(id=9, first_name="Zhao", language_code="zh")
    update_id, message_id = state.user_send(9, {"text": "hi"})
    assert (await bot.get_updates())[-1].update_id == update_id and message_id == 1
    await bot.send_message(9, "hello")
    assert [m["text"] for m in state.bot_messages(9)] == ["hello"]
