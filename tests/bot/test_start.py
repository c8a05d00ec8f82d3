"""The first conversation, end to end: sandbox HTTP → aiogram → services → database → back."""

from __future__ import annotations

from sqlalchemy import select

from models import User
from tests.conftest import DeskFactory
from tests.sandbox_client import SandboxClient

RIDER = 700001


async def test_start_greets_in_chinese_by_default(desk, sandbox: SandboxClient) -> None:
    await sandbox.user(RIDER, "小王", language="zh-hans")
    answer = await sandbox.reply_to(RIDER, "/start")
    assert "你好，小王" in answer["text"]
    assert "骑手工会服务台" in answer["text"]
    assert any(e["type"] == "bold" for e in answer["entities"])


async def test_start_greets_in_english_for_english_telegram(desk, sandbox: SandboxClient) -> None:
    await sandbox.user(RIDER, "Wang", language="en-US")
    answer = await sandbox.reply_to(RIDER, "/start")
    assert answer["text"].startswith("👋 Hello, Wang!")


async def test_unsupported_language_falls_back_to_chinese(desk, sandbox: SandboxClient) -> None:
    await sandbox.user(RIDER, "Ivan", language="ru")
    answer = await sandbox.reply_to(RIDER, "/help")
    assert "我能帮你做这些" in answer["text"]


async def test_names_with_markup_are_shown_as_typed(desk, sandbox: SandboxClient) -> None:
    await sandbox.user(RIDER, "<b>Boss</b> & co", language="en")
    answer = await sandbox.reply_to(RIDER, "/start")
    assert "Hello, <b>Boss</b> & co!" in answer["text"]


async def test_language_switch_is_kept(desk, sandbox: SandboxClient) -> None:
    await sandbox.user(RIDER, "小王", language="zh")
    menu = await sandbox.reply_to(RIDER, "/language")
    labels = {b["text"]: b["callback_data"] for row in menu["buttons"] for b in row}
    assert labels == {"中文": "lang:zh", "English": "lang:en"}
    query = await sandbox.press(RIDER, menu["message_id"], "lang:en")
    assert (await sandbox.callback_answer(query))["text"].startswith("OK, I will speak English")
    help_ = await sandbox.reply_to(RIDER, "/help")
    assert help_["text"].startswith("What I can do for you")
    async with desk.ctx.sessions() as session:
        user = (await session.execute(select(User).where(User.telegram_id == RIDER))).scalar_one()
    assert user.language == "en"


async def test_unknown_input_gets_a_helpful_answer(desk, sandbox: SandboxClient) -> None:
    await sandbox.user(RIDER, "Wang", language="en")
    # Words outside any form are offered to the union's representatives (tests/cases/test_ask).
    assert "Send this to the union" in (await sandbox.reply_to(RIDER, "hello?"))["text"]
    # A command over the waiting question says first that it was not sent, then answers.
    dropped = await sandbox.reply_to(RIDER, "/frobnicate")
    assert "not sent" in dropped["text"] and "hello?" in dropped["text"]
    [answer] = await sandbox.messages(RIDER, after=dropped["message_id"], wait=10)
    assert "no command /frobnicate" in answer["text"]
    located = await sandbox.reply_to(RIDER, location={"latitude": 30.28, "longitude": 120.13})
    assert "Send /start first" in located["text"]


async def test_commands_menu_is_published_in_both_languages(desk, sandbox: SandboxClient) -> None:
    calls = await sandbox.calls("setMyCommands")
    languages = {c.get("params", {}).get("language_code") for c in calls}
    assert {"zh", "en"} <= languages


async def test_message_sent_while_bot_is_down_is_answered_after_restart(
    desks: DeskFactory, sandbox: SandboxClient
) -> None:
    first = await desks.start()
    await sandbox.user(RIDER, "Wang", language="en")
    menu = await sandbox.reply_to(RIDER, "/language")
    await sandbox.press(RIDER, menu["message_id"], "lang:en")
    [confirmed] = await sandbox.messages(RIDER, after=menu["message_id"], wait=10)
    assert confirmed["text"].startswith("OK, I will speak English")
    await desks.stop(first)

    sent = await sandbox.send(RIDER, "/help")  # nobody is polling now
    assert await sandbox.messages(RIDER, after=sent, wait=1) == []
    await desks.start()
    answers = await sandbox.messages(RIDER, after=sent, wait=10)
    # Answered once, in the language chosen before the restart.
    assert [a["text"].split("\n")[0] for a in answers] == ["What I can do for you:"]


async def test_staff_get_their_commands_in_their_own_chat(
    desks: DeskFactory, sandbox: SandboxClient, db_url: str
) -> None:
    from aiogram.types import BotCommandScopeChat

    from models import Role
    from models.db import make_engine, make_sessionmaker, unit_of_work
    from services.users import create_staff

    await sandbox.user(RIDER + 5, "Rep", language="en")
    engine = make_engine(db_url)
    async with unit_of_work(make_sessionmaker(engine)) as session:
        await create_staff(
            session, telegram_id=RIDER + 5, display_name="Rep", role=Role.rep, language="en"
        )
    await engine.dispose()
    runtime = await desks.start()
    bot = runtime.ctx.bot
    mine = await bot.get_my_commands(scope=BotCommandScopeChat(chat_id=RIDER + 5))
    assert {"queue", "recruits", "report"} <= {c.command for c in mine}
    assert mine[0].description == "Start / main menu"  # in the representative's language
    everyone = await bot.get_my_commands(language_code="en")
    assert "report" in {c.command for c in everyone} and "queue" not in {
        c.command for c in everyone
    }


async def test_a_reply_meeting_flood_control_waits_and_is_still_sent(desk, sandbox) -> None:
    """Notices the outbox just sent can leave a chat at Telegram's per-chat limit; the answer
    to the rider's message waits the retry_after and goes anyway."""
    await sandbox.user(RIDER, "Wang", language="en")
    await sandbox.fault("sendMessage", 429, count=1, retry_after=1)
    answer = await sandbox.reply_to(RIDER, "/help")
    assert answer["text"].startswith("What I can do for you")  # the answer, not an apology
    refused = [c for c in await sandbox.calls("sendMessage") if c.get("status") == 429]
    assert len(refused) == 1
