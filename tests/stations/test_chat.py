"""Stations in chat through the sandbox: /guide's button, the nearest stations open or closed,
booking with a tap, a full slot answered with the next free one, the reminder and its cancel
button, a cancel after the start refused, the volunteer's day and Done, /slot's refusals."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from app.scheduler import station_reminders
from models.db import unit_of_work
from services.demo import load_demo_data
from services.stations import counts, slots
from services.stations.places import stations_in
from tests.cases.conftest import user_by_tg
from tests.chat import Chat, buttons, deliver
from tests.sandbox_client import SandboxClient

SH = ZoneInfo("Asia/Shanghai")
RIDER, RIDER2, REP_XH = 700651, 700652, 900002
REPAIR = "demo/st-4"
CENTRE = {"latitude": 30.2800, "longitude": 120.1300}
# Tuesday 1 December 2026, 08:30 in Shanghai: the rest station (08:00-22:00) is open, the
# repair corner opens at 09:00, the riders' home at 10:00, the corner shop never closes.
MORNING = datetime(2026, 12, 1, 8, 30, tzinfo=SH)


def at(d: int, h: int, mi: int = 0) -> datetime:
    return datetime(2026, 12, d, h, mi, tzinfo=SH)


pytestmark = pytest.mark.fast_taps


@pytest.fixture
async def world(desk, sandbox: SandboxClient):  # type: ignore[no-untyped-def]
    """Demo staff, two riders, and two one-place puncture slots tomorrow at 14:00 and 15:00."""
    async with unit_of_work(desk.ctx.sessions) as s:
        await load_demo_data(s)
        rep = await user_by_tg(s, REP_XH)
        made = []
        for hour in (14, 15):
            made.append(
                await slots.publish_slot(
                    s,
                    actor=rep,
                    stations=stations_in(str(desk.settings.routes_dir)),
                    station_id=REPAIR,
                    kind="puncture",
                    starts_at=at(2, hour),
                    minutes=30,
                    capacity=1,
                    now=MORNING,
                )
            )
    await sandbox.user(RIDER, "小王", language="zh")
    await sandbox.user(RIDER2, "Bo", language="en")
    await sandbox.user(REP_XH, "李强", language="zh")
    return made


async def press(sandbox: SandboxClient, chat: int, message: dict, label: str) -> dict:
    """Tap an inline button whose label starts with `label`; the bot's next message."""
    data = next(v for k, v in buttons(message).items() if k.startswith(label))
    seen = max(m["message_id"] for m in await sandbox.messages(chat))
    await sandbox.press(chat, message["message_id"], data)
    [answer] = (await Chat(sandbox, chat).latest(seen))[:1]
    return answer


async def station_card(sandbox: SandboxClient, chat: int, name: str) -> dict:
    ask = await sandbox.reply_to(chat, "/stations")
    assert ask["reply_keyboard"]
    listing = await sandbox.reply_to(chat, location=CENTRE)
    return await press(sandbox, chat, listing, name)


async def test_nearest_stations_open_or_closed_from_the_guide(desk, world, sandbox) -> None:
    with time_machine.travel(MORNING, tick=True):
        menu = await sandbox.reply_to(RIDER, "/guide")
        ask = await press(sandbox, RIDER, menu, "🚉")
        assert "发送你的位置" in ask["text"] and "XH" in ask["text"] and ask["reply_keyboard"]
        wrong = await sandbox.reply_to(RIDER, "火星")
        assert "请点“发送我的位置”" in wrong["text"]
        listing = await sandbox.reply_to(RIDER, location=CENTRE)
    first, second, third, fourth = listing["text"].split("\n\n")[1:5]
    assert first.startswith("1. 文三路骑手驿站 · ") and "开放中，22:00 关闭" in first
    assert "饮用水、充电、微波炉" in first
    assert second.startswith("2. 志愿修车角") and "已关闭，09:00 开放" in second
    assert third.startswith("3. 古荡骑手之家") and "已关闭，10:00 开放" in third
    assert fourth.startswith("4. 爱心便利店歇脚点") and "24 小时开放" in fourth
    assert list(buttons(listing))[:2] == ["文三路骑手驿站", "志愿修车角"]
    # By zone instead of a location.
    await sandbox.reply_to(RIDER, "/stations")
    by_zone = await sandbox.reply_to(RIDER, "xh")
    assert (
        by_zone["text"].startswith("西湖示范片区 的驿站") and "1. 文三路骑手驿站" in by_zone["text"]
    )


async def test_book_full_next_reminder_cancel_and_done(desk, world, sandbox) -> None:
    first, second = world
    with time_machine.travel(MORNING, tick=True):
        # Both riders open the repair corner's card; the first takes the 14:00 place.
        other = await station_card(sandbox, RIDER2, "Volunteer repair corner")
        assert "tomorrow 14:00 · puncture repair (30 min) · 1 place(s) left" in other["text"]
        card = await station_card(sandbox, RIDER, "志愿修车角")
        assert "明天 14:00 · 补胎（30 分钟）· 剩 1 个位置" in card["text"]
        booked = await press(sandbox, RIDER, card, "明天 14:00")
        assert booked["text"].startswith("✅ 约好了：补胎，明天 14:00，志愿修车角")
        # The second taps 14:00 on the card opened before: full, and the next free offered.
        full = await press(sandbox, RIDER2, other, "tomorrow 14:00")
        assert (
            "That slot is full. The next one with a free place: 2026-12-02 15:00." in full["text"]
        )
        again = await station_card(sandbox, RIDER2, "Volunteer repair corner")
        assert "tomorrow 14:00 · puncture repair (30 min) · full" in again["text"]
        next_booked = await press(sandbox, RIDER2, full, "2026-12-02 15:00")
        assert next_booked["text"].startswith("✅ Booked: puncture repair, tomorrow 15:00")
        mine = await sandbox.reply_to(RIDER, "/bookings")
        assert "明天 14:00 · 补胎 · 志愿修车角" in mine["text"]

    # An hour before: the reminder, with a button that cancels.
    with time_machine.travel(at(2, 13, 5), tick=True):
        await station_reminders(desk.ctx)
        await station_reminders(desk.ctx)  # a second sweep sends nothing more
        await deliver(desk)
        reminder = (await Chat(sandbox, RIDER).latest(mine["message_id"]))[-1]
        assert reminder["text"].startswith("⏰ 提醒：你约的 补胎 在 2026-12-02 14:00")
        reminders = [m for m in await sandbox.messages(RIDER) if m["text"].startswith("⏰")]
        assert len(reminders) == 1
        cancelled = await press(sandbox, RIDER, reminder, "❌ 取消预约")
        assert cancelled["text"].startswith("已取消你 14:00 的预约")

    # After the start a cancel is refused with the reason.
    with time_machine.travel(at(2, 15, 1), tick=True):
        data = buttons(next_booked)["❌ Cancel booking"]
        query = await sandbox.press(RIDER2, next_booked["message_id"], data)
        alert = await sandbox.callback_answer(query)
        assert "The slot has started: it can no longer be cancelled" in alert["text"]

        # The volunteer's day, and Done.
        day = await sandbox.reply_to(REP_XH, "/station_day 2026-12-02")
        assert "1. 15:00 · 补胎 · 志愿修车角 · " in day["text"] and "✅" not in day["text"]
        await sandbox.press(REP_XH, day["message_id"], buttons(day)["✅ 完成 1"])
        for _ in range(50):
            [now_day] = [
                m for m in await sandbox.messages(REP_XH) if m["message_id"] == day["message_id"]
            ]
            if "✅" in now_day["text"]:
                break
            await sandbox.messages(REP_XH, after=10**9, wait=0.1)
        assert "15:00 · 补胎 · 志愿修车角 · Bo ✅" in now_day["text"] and not now_day["buttons"]
    async with unit_of_work(desk.ctx.sessions) as s:
        served = await counts.served_per_month(s)
    assert [(r.month, r.served) for r in served] == [("2026-12", 1)]
    assert second.id != first.id


async def test_volunteers_publish_with_slot_and_bad_input_is_explained(
    desk, world, sandbox
) -> None:
    with time_machine.travel(MORNING, tick=True):
        refused = await sandbox.reply_to(RIDER, "/slot demo/st-4 puncture 2026-12-03 10:00 30 2")
        assert refused["text"] == "只有驿站志愿者和代表能用这个命令。"
        usage = await sandbox.reply_to(REP_XH, "/slot")
        assert (
            "/slot 驿站编号 服务 日期 时间 分钟 名额" in usage["text"]
            and "demo/st-4" in usage["text"]
        )
        answers = {
            "/slot demo/st-4 puncture 2026-12-03 22:00 30 2": "开放时间：Mo-Su 09:00-21:00",
            "/slot demo/st-4 puncture 2026-11-30 10:00 30 2": "这个时间已经过去了",
            "/slot demo/st-4 puncture 2026-12-03 10:00 半小时 2": "“半小时”不是数字",
            "/slot demo/st-4 puncture 明天 10:00 30 2": "看不懂时间“明天 10:00”",
            "/slot demo/st-4 rocket 2026-12-03 10:00 30 2": "没有“rocket”这种服务",
            "/slot demo/nowhere puncture 2026-12-03 10:00 30 2": "没有这个驿站（demo/nowhere）",
            "/slot 驿站/4 puncture 2026-12-03 10:00 30 2": "这不是驿站编号",
        }
        for command, sentence in answers.items():
            answer = await sandbox.reply_to(REP_XH, command)
            assert sentence in answer["text"], (command, answer["text"])
        ok = await sandbox.reply_to(REP_XH, "/slot demo/st-4 brake_pads 2026-12-03 10:00 45 3")
        assert ok["text"] == "✅ 已发布：志愿修车角，周四 10:00，换刹车片，45 分钟，3 个名额。"
        wrong_day = await sandbox.reply_to(REP_XH, "/station_day 明天")
        assert "看不懂日期“明天”" in wrong_day["text"]
        empty = await sandbox.reply_to(REP_XH, "/station_day 2026-12-03")
        assert empty["text"] == "2026-12-03 你服务的驿站没有预约。"
