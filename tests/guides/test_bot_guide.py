"""/guide end to end through the sandbox: handbook, route guide at chosen times, bad input."""

from __future__ import annotations

import base64
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from bot.outbox_sender import OutboxSender
from services.outbox import enqueue
from tests.chat import Chat, buttons
from tests.sandbox_client import SandboxClient

pytestmark = pytest.mark.fast_taps

RIDER = 700201
SH = ZoneInfo("Asia/Shanghai")
# The smallest valid PNG (1×1 pixel): a photo where text or a location is asked.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
CENTRE = {"latitude": 30.2800, "longitude": 120.1300}
FRIDAY_LATE = datetime(2025, 3, 7, 23, 30, tzinfo=SH)
FRIDAY_NOON = datetime(2025, 3, 7, 12, 0, tzinfo=SH)


@pytest.fixture
async def rider(desk, sandbox: SandboxClient) -> int:
    await sandbox.user(RIDER, "小王", language="zh")
    return RIDER


async def test_handbook_topics_with_back(rider: int, sandbox: SandboxClient) -> None:
    person = Chat(sandbox, rider)
    menu = await sandbox.reply_to(rider, "/guide")
    assert set(buttons(menu)) == {
        "📖 新手手册",
        "🔎 搜手册",
        "🧭 小区路线（哪个门能进）",
        "🤝 找个老骑手带我",
        "🚉 骑手驿站（喝水、充电、修车）",
    }
    await sandbox.press(rider, menu["message_id"], buttons(menu)["📖 新手手册"])
    topics = await person.edited(menu["message_id"], menu["text"])
    assert "怎么少超时" in buttons(topics) and "⬅️ 返回" in buttons(topics)
    await sandbox.press(rider, menu["message_id"], buttons(topics)["怎么少超时"])
    topic = await person.edited(menu["message_id"], topics["text"])
    assert topic["text"].startswith("怎么少超时")
    assert "• 先看送达地址" in topic["text"]  # Markdown list shown as bullets
    assert {"type": "bold"}.items() <= topic["entities"][0].items()
    assert len(topic["text"]) < 4096
    await sandbox.press(rider, menu["message_id"], buttons(topic)["⬅️ 返回"])
    back = await person.edited(menu["message_id"], topic["text"])
    assert "怎么少超时" in buttons(back)


async def test_handbook_search_by_word(rider: int, sandbox: SandboxClient) -> None:
    found = await sandbox.reply_to(rider, "/guide 超时")
    assert "超时" in found["text"] and "怎么少超时" in buttons(found)
    menu = await sandbox.reply_to(rider, "/guide")
    await sandbox.press(rider, menu["message_id"], buttons(menu)["🔎 搜手册"])
    [ask] = await Chat(sandbox, rider).latest(menu["message_id"])
    assert "发一个词" in ask["text"]
    nothing = await sandbox.reply_to(rider, "量子力学")
    assert "没找到" in nothing["text"] and "怎么少超时" in buttons(nothing)


async def test_main_menu_button_opens_the_guide(desk, rider: int, sandbox: SandboxClient) -> None:
    # The main menu is another flow's; a message carrying its button stands in for it.
    person = Chat(sandbox, rider)
    async with desk.ctx.sessions() as session:
        await enqueue(
            session,
            chat_id=rider,
            payload={
                "text": "menu",
                "reply_markup": {
                    "inline_keyboard": [[{"text": "指南", "callback_data": "menu:guide"}]]
                },
            },
        )
        await session.commit()
    await OutboxSender(desk.ctx.bot, desk.ctx.sessions, per_chat_per_second=50).drain_until_empty()
    [anchor] = await person.latest(0)
    await sandbox.press(rider, anchor["message_id"], "menu:guide")
    [menu] = await person.latest(anchor["message_id"])
    assert menu["text"].startswith("新手指南") and len(buttons(menu)) == 5


async def open_route(sandbox: SandboxClient, chat: int) -> dict:
    menu = await sandbox.reply_to(chat, "/guide")
    label = next(k for k in buttons(menu) if k.startswith("🧭"))
    await sandbox.press(chat, menu["message_id"], buttons(menu)[label])
    [ask] = await Chat(sandbox, chat).latest(menu["message_id"])
    return ask


async def test_location_gives_three_nearest_with_gate_now(
    rider: int, sandbox: SandboxClient
) -> None:
    ask = await open_route(sandbox, rider)
    assert ask["reply_keyboard"]
    with time_machine.travel(FRIDAY_LATE, tick=True):
        answer = await sandbox.reply_to(rider, location=CENTRE)
    text = answer["text"]
    # Hand distances: 300 m W + 250 m N → 390 m; 350 m E + 200 m N → 400 m; 100 W + 600 N → 610.
    first, second, third = text.split("\n\n")[1:4]
    assert first.startswith("1. 柳岸晓风苑 · 390 米") and "24 小时开放" in first
    assert "电动车专用通道" in first  # the gate's riders' note
    assert second.startswith("2. 青桐里 · 400 米")
    assert "青桐里侧门：已关闭，明天 08:00 开放" in second  # Friday night → Saturday 08:00
    assert third.startswith("3. ") and "610 米" in third
    assert list(buttons(answer))[:3] == ["柳岸晓风苑", "青桐里", buttons_name(third)]


def buttons_name(block: str) -> str:
    return block.split(". ", 1)[1].split(" · ")[0]


async def test_english_rider_sees_open_until(desk, sandbox: SandboxClient) -> None:
    await sandbox.user(RIDER + 1, "Wang", language="en")
    await open_route(sandbox, RIDER + 1)
    with time_machine.travel(FRIDAY_NOON, tick=True):
        answer = await sandbox.reply_to(
            RIDER + 1, location={"latitude": 30.2818, "longitude": 120.1336}
        )
    assert "Qingtong Li (青桐里) · " in answer["text"]
    assert "青桐里侧门: open now, closes 22:00" in answer["text"]


async def test_building_number_gives_gate_and_pin(rider: int, sandbox: SandboxClient) -> None:
    person = Chat(sandbox, rider)
    await open_route(sandbox, rider)
    with time_machine.travel(FRIDAY_NOON, tick=True):
        near = await sandbox.reply_to(rider, location=CENTRE)
        await sandbox.press(rider, near["message_id"], buttons(near)["柳岸晓风苑"])
        [view] = await person.latest(near["message_id"])
        assert "1幢、2幢、3幢、4幢、5幢" in view["text"]
        assert "柳岸晓风苑正门" in view["text"]  # listed as banned for e-bikes
        sent = await sandbox.send(rider, "3号楼")
        answer, pin = await person.latest(sent, n=2)
    assert (
        "柳岸晓风苑 3幢" in answer["text"]
        and "柳岸晓风苑侧门：开放中，22:00 关闭" in answer["text"]
    )
    assert pin["venue"]["title"] == "柳岸晓风苑 · 柳岸晓风苑侧门"
    assert pin["venue"]["location"]["latitude"] == pytest.approx(30.28, abs=0.01)

    unknown = await sandbox.reply_to(rider, "99")
    assert "没有“99”这栋楼" in unknown["text"] and "1幢, 2幢, 3幢, 4幢, 5幢" in unknown["text"]
    photo = await sandbox.reply_to(rider, photo=PNG)
    assert "请发楼号" in photo["text"]


async def test_far_away_location_offers_name_search(rider: int, sandbox: SandboxClient) -> None:
    await open_route(sandbox, rider)
    far = await sandbox.reply_to(rider, location={"latitude": 31.23, "longitude": 121.47})
    assert "5 公里内还没有收录的小区" in far["text"] and "小区名字" in far["text"]
    found = await sandbox.reply_to(rider, "qingtong")
    assert buttons(found) and "青桐里" in buttons(found)
    none = await sandbox.reply_to(rider, "不存在的小区")
    assert "没找到叫“不存在的小区”的小区" in none["text"]
    wrong = await sandbox.reply_to(rider, photo=PNG)
    assert "请发送位置" in wrong["text"]


async def test_plain_location_outside_the_guide_is_not_taken(
    rider: int, sandbox: SandboxClient
) -> None:
    located = await sandbox.reply_to(rider, location=CENTRE)
    assert "离你最近" not in located["text"]
