"""Tips: a rider writes one in chat, a zone representative approves it through the outbox
buttons (decided once), other riders confirm it; stale after 90 quiet days."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from models import Tip, TipStatus, User
from services.demo import load_demo_data
from services.errors import Conflict, Forbidden, Invalid
from services.guides import load_dir, tips
from tests.chat import Chat, buttons
from tests.sandbox_client import SandboxClient

from .conftest import DEMO_DIR
from .test_bot_guide import CENTRE, open_route

pytestmark = pytest.mark.fast_taps

AUTHOR, OTHER = 700301, 700302
REP_XH, REP_BJ, SENIOR = 900002, 900003, 900004
ROUTES = load_dir(DEMO_DIR)


async def user(session, telegram_id: int) -> User:  # type: ignore[no-untyped-def]
    return (await session.execute(select(User).where(User.telegram_id == telegram_id))).scalar_one()


async def open_compound(sandbox: SandboxClient, chat: int, name: str) -> dict:
    await open_route(sandbox, chat)
    near = await sandbox.reply_to(chat, location=CENTRE)
    await sandbox.press(chat, near["message_id"], buttons(near)[name])
    [view] = await Chat(sandbox, chat).latest(near["message_id"])
    return view


async def test_tip_moderation_flow(desk, sandbox: SandboxClient) -> None:  # type: ignore[no-untyped-def]
    author = Chat(sandbox, AUTHOR)
    async with desk.ctx.sessions() as session:
        await load_demo_data(session)
        await session.commit()
    for uid, name in [
        (AUTHOR, "小王"),
        (OTHER, "小李"),
        (REP_XH, "李强"),
        (REP_BJ, "陈芳"),
        (SENIOR, "赵磊"),
    ]:
        await sandbox.user(uid, name, language="zh")

    view = await open_compound(sandbox, AUTHOR, "青桐里")
    await sandbox.press(AUTHOR, view["message_id"], buttons(view)["✍️ 补充一条提示"])
    [where] = await author.latest(view["message_id"])
    await sandbox.press(AUTHOR, where["message_id"], buttons(where)["青桐里侧门"])
    [ask] = await author.latest(where["message_id"])
    assert "青桐里 · 青桐里侧门" in ask["text"]
    too_long = await sandbox.reply_to(AUTHOR, "长" * 501)
    assert "太长了（501 字），最多 500 字" in too_long["text"]
    photo = await sandbox.reply_to(AUTHOR, location=CENTRE)
    assert "用文字写" in photo["text"]
    summary = await sandbox.reply_to(AUTHOR, "侧门 5 月起 22:00 关门，晚上走北边")
    assert "发给代表审核吗" in summary["text"]  # the form engine's summary with Submit
    await sandbox.press(AUTHOR, summary["message_id"], buttons(summary)["✅ 提交"])
    [done] = await author.latest(summary["message_id"])
    assert "交给代表审核" in done["text"]

    [review] = await Chat(sandbox, REP_XH).inbox(desk)
    [senior_copy] = await Chat(sandbox, SENIOR).inbox(desk)
    assert "侧门 5 月起 22:00 关门" in review["text"] and "青桐里 · 青桐里侧门" in review["text"]
    assert await sandbox.messages(REP_BJ) == []  # the compound lies in XH, not BJ
    approve = buttons(review)["✅ 通过"]
    q = await sandbox.press(REP_XH, review["message_id"], approve)
    assert (await sandbox.callback_answer(q))["text"] == "提示 #1 已公开。"
    late = await sandbox.press(SENIOR, senior_copy["message_id"], buttons(senior_copy)["❌ 不通过"])
    refused = await sandbox.callback_answer(late)
    assert refused["show_alert"] and "已经由 代表 李强 处理过了" in refused["text"]

    before = len(await sandbox.messages(AUTHOR))
    told = (await author.inbox(desk, more_than=before))[-1]
    assert "已经公开了" in told["text"] and "青桐里 · 青桐里侧门" in told["text"]

    other_view = await open_compound(sandbox, OTHER, "青桐里")
    assert "#1 侧门 5 月起 22:00 关门，晚上走北边（0 位骑手确认）" in other_view["text"]
    confirm = buttons(other_view)["👍 提示 #1 依然有效"]
    q = await sandbox.press(OTHER, other_view["message_id"], confirm)
    assert "已有 1 位骑手确认" in (await sandbox.callback_answer(q))["text"]
    q = await sandbox.press(OTHER, other_view["message_id"], confirm)
    assert "已经确认过" in (await sandbox.callback_answer(q))["text"]
    again = await open_compound(sandbox, AUTHOR, "青桐里")
    assert "（1 位骑手确认）" in again["text"]
    q = await sandbox.press(AUTHOR, again["message_id"], confirm)
    assert "自己写的" in (await sandbox.callback_answer(q))["text"]


async def test_rules_and_staleness(db_url: str) -> None:
    from models.db import make_engine, make_sessionmaker

    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)
    try:
        async with sessions() as session:
            await load_demo_data(session)
            author = User(telegram_id=1, display_name="A")
            rider = User(telegram_id=2, display_name="B")
            session.add_all([author, rider])
            await session.flush()
            rep_bj = await user(session, REP_BJ)
            rep_xh = await user(session, REP_XH)
            with pytest.raises(Invalid):
                await tips.add_tip(
                    session, author=author, routes=ROUTES, target_id="demo/xh-01", body=" "
                )
            tip = await tips.add_tip(
                session, author=author, routes=ROUTES, target_id="demo/xh-01", body="东门有车棚"
            )
            assert tip.target_kind == "compound" and tip.compound_id == "demo/xh-01"
            with pytest.raises(Forbidden):  # a BJ representative does not review XH tips
                await tips.decide_tip(
                    session, tip_id=tip.id, reviewer=rep_bj, approve=True, routes=ROUTES
                )
            with pytest.raises(Forbidden):
                await tips.decide_tip(
                    session, tip_id=tip.id, reviewer=rider, approve=True, routes=ROUTES
                )
            assert await tips.published_tips(session, compound_id="demo/xh-01") == []  # pending
            await tips.decide_tip(
                session, tip_id=tip.id, reviewer=rep_xh, approve=True, routes=ROUTES
            )
            with pytest.raises(Conflict):
                await tips.decide_tip(
                    session, tip_id=tip.id, reviewer=rep_xh, approve=False, routes=ROUTES
                )
            assert (await session.get(Tip, tip.id)).status == TipStatus.published  # type: ignore[union-attr]

            published = tip.decided_at
            assert published is not None
            [fresh] = await tips.published_tips(
                session, compound_id="demo/xh-01", now=published + timedelta(days=89)
            )
            assert not fresh.stale and fresh.confirmations == 0
            [old] = await tips.published_tips(
                session, compound_id="demo/xh-01", now=published + timedelta(days=91)
            )
            assert old.stale
            with time_machine.travel(published + timedelta(days=60)):  # a rider says "still true"
                assert await tips.confirm_tip(session, tip_id=tip.id, user=rider) == 1
            [renewed] = await tips.published_tips(
                session, compound_id="demo/xh-01", now=published + timedelta(days=91)
            )
            assert not renewed.stale and renewed.confirmations == 1
            [quiet] = await tips.published_tips(
                session, compound_id="demo/xh-01", now=published + timedelta(days=151)
            )
            assert quiet.stale
    finally:
        await engine.dispose()
