"""Mentoring: newcomers (joined < 30 days) matched with the least busy opted-in
representative of their zone; both told through the outbox; /mentees lists the pairing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from models import Membership, Mentorship, Outbox, User, Zone
from models.db import make_engine, make_sessionmaker
from models.types import utcnow
from services.demo import load_demo_data
from services.errors import Conflict, Forbidden
from services.membership import mentors
from tests.chat import Chat, buttons
from tests.sandbox_client import SandboxClient

from .test_tips import REP_XH, SENIOR, user

pytestmark = pytest.mark.fast_taps

NEWBIE = 700401


async def member(session, telegram_id: int, *, days_ago: float, zone: str = "XH") -> User:  # type: ignore[no-untyped-def]
    u = User(telegram_id=telegram_id, display_name=f"新人{telegram_id}")
    session.add(u)
    await session.flush()
    z = (await session.execute(select(Zone).where(Zone.code == zone))).scalar_one()
    session.add(
        Membership(
            user_id=u.id,
            zone_id=z.id,
            status="active",
            joined_at=utcnow() - timedelta(days=days_ago),
        )
    )
    await session.flush()
    return u


async def test_matching_rules(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        async with make_sessionmaker(engine)() as session:
            await load_demo_data(session)
            rep, senior = await user(session, REP_XH), await user(session, SENIOR)
            newbie = await member(session, 1, days_ago=3)
            with pytest.raises(Conflict) as nobody:
                await mentors.request_mentor(session, user=newbie)
            assert nobody.value.code == "no_mentor_available"

            await mentors.set_mentoring(session, user=rep, accepting=True)
            await mentors.set_mentoring(session, user=senior, accepting=True)
            busy = await member(session, 2, days_ago=10)
            first = await mentors.request_mentor(session, user=busy)
            assert first.mentor_id == rep.id  # equal load: the lower id
            pairing = await mentors.request_mentor(session, user=newbie)
            assert pairing.mentor_id == senior.id  # the representative with fewer mentees
            with pytest.raises(Conflict) as twice:
                await mentors.request_mentor(session, user=newbie)
            assert twice.value.code == "already_mentored"
            told = (await session.execute(select(Outbox.chat_id))).scalars().all()
            assert told.count(SENIOR) == 1 and newbie.telegram_id in told

            old = await member(session, 3, days_ago=30.01)
            with pytest.raises(Forbidden) as late:
                await mentors.request_mentor(session, user=old)
            assert late.value.code == "mentor_newcomers_only"
            outsider = User(telegram_id=4, display_name="路人")
            session.add(outsider)
            await session.flush()
            with pytest.raises(Forbidden) as not_member:
                await mentors.request_mentor(session, user=outsider)
            assert not_member.value.code == "not_member"
            with pytest.raises(Forbidden):
                await mentors.set_mentoring(session, user=outsider, accepting=True)

            await mentors.set_mentoring(session, user=senior, accepting=False)
            bj_newbie = await member(session, 5, days_ago=1, zone="BJ")
            with pytest.raises(Conflict):  # BJ's rep never opted in; the senior (XH+BJ) stopped
                await mentors.request_mentor(session, user=bj_newbie)
            assert [m.user.id for m in await mentors.mentees(session, mentor=senior)] == [newbie.id]
            count = (await session.execute(select(Mentorship))).scalars().all()
            assert len(count) == 2
    finally:
        await engine.dispose()


async def test_mentor_in_chat(desk, sandbox: SandboxClient) -> None:  # type: ignore[no-untyped-def]
    newbie_chat = Chat(sandbox, NEWBIE)
    async with desk.ctx.sessions() as session:
        await load_demo_data(session)
        await session.commit()
    await sandbox.user(REP_XH, "李强")
    await sandbox.user(NEWBIE, "小新")
    assert "用法" in (await sandbox.reply_to(REP_XH, "/mentoring"))["text"]
    assert "没有在带" in (await sandbox.reply_to(REP_XH, "/mentees"))["text"]
    assert "可以找你" in (await sandbox.reply_to(REP_XH, "/mentoring on"))["text"]

    menu = await sandbox.reply_to(NEWBIE, "/guide")
    await sandbox.press(NEWBIE, menu["message_id"], buttons(menu)["🤝 找个老骑手带我"])
    [offer] = await newbie_chat.latest(menu["message_id"])
    assert "会员" in offer["text"] and "menu:join" in buttons(offer).values()

    async with desk.ctx.sessions() as session:
        newbie = (
            await session.execute(select(User).where(User.telegram_id == NEWBIE))
        ).scalar_one()
        zone = (await session.execute(select(Zone).where(Zone.code == "XH"))).scalar_one()
        session.add(
            Membership(user_id=newbie.id, zone_id=zone.id, status="active", joined_at=utcnow())
        )
        await session.commit()
    rep_seen = len(await sandbox.messages(REP_XH))
    q = await sandbox.press(NEWBIE, menu["message_id"], buttons(menu)["🤝 找个老骑手带我"])
    assert "找好带路人" in (await sandbox.callback_answer(q))["text"]
    seen = len(await sandbox.messages(NEWBIE))
    assert "代表 李强" in (await newbie_chat.inbox(desk, more_than=seen))[-1]["text"]
    assert "小新" in (await Chat(sandbox, REP_XH).inbox(desk, more_than=rep_seen))[-1]["text"]
    listed = await sandbox.reply_to(REP_XH, "/mentees")
    assert "你带的新人（1）" in listed["text"] and "小新" in listed["text"]
    q = await sandbox.press(NEWBIE, menu["message_id"], buttons(menu)["🤝 找个老骑手带我"])
    assert "已经有带路人了：代表 李强" in (await sandbox.callback_answer(q))["text"]
    assert "只有工会代表" in (await sandbox.reply_to(NEWBIE, "/mentoring on"))["text"]
