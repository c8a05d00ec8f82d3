"""A notice to 2,000 members through the sandbox, which enforces Telegram's limits (about 30
messages a second overall, 1 a second per chat) and answers 429 past them: the running desk
(scheduler on, as deployed) delivers every message at the limit with no 429, and the
representative's one progress message is edited until it says all were sent, one member
who blocked the bot counted as unreachable."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from app.runtime import Runtime
from models.db import unit_of_work
from services.demo import load_demo_data
from services.surveys import notices
from services.surveys.audience import Audience
from tests.conftest import DeskFactory
from tests.sandbox_client import SandboxClient
from tests.surveys.conftest import FIRST_MEMBER, REP_XH, add_members, by_tg

MEMBERS = 2000
BLOCKED = FIRST_MEMBER + 7


@pytest.fixture
async def desk_2000(sqlite_url: str, sandbox: SandboxClient) -> AsyncIterator[Runtime]:
    factory = DeskFactory(sqlite_url, sandbox)
    rt = await factory.start(scheduler=True)
    async with unit_of_work(rt.ctx.sessions) as s:
        await load_demo_data(s)
        await add_members(s, MEMBERS, zone="XH")
    gate = asyncio.Semaphore(20)

    async def user(tg: int) -> None:
        async with gate:
            await sandbox.user(tg, f"member {tg}", language="zh")

    await asyncio.gather(user(REP_XH), *(user(FIRST_MEMBER + i) for i in range(MEMBERS)))
    yield rt
    for runtime in list(factory.running):
        await factory.stop(runtime)


async def test_notice_to_2000_at_the_limit_with_progress(
    desk_2000: Runtime, sandbox: SandboxClient
) -> None:
    rt = desk_2000
    await sandbox.block(BLOCKED)
    async with unit_of_work(rt.ctx.sessions) as s:
        rep = await by_tg(s, REP_XH)
        preview = await notices.preview_notice(s, actor=rep, audience=Audience.of(zones=["XH"]))
        assert preview.members == MEMBERS
        assert 65 <= preview.seconds <= 72  # 2,000 at about 30 a second
        notice = await notices.send_notice(
            s, author=rep, body="高温预警：明天 39°C，午间少接单。", audience=Audience()
        )
        notice_id = notice.id
    started = time.monotonic()
    seen: list[str] = []
    while time.monotonic() - started < 240:
        await asyncio.sleep(3)
        shown = [m for m in await sandbox.messages(REP_XH) if "#" in (m.get("text") or "")]
        if shown:
            seen.append(shown[-1]["text"])
            if shown[-1]["text"].startswith("✅"):
                break
    assert seen and seen[-1].startswith("✅"), seen[-3:]
    progress_messages = [m for m in await sandbox.messages(REP_XH) if "#" in (m["text"] or "")]
    assert len(progress_messages) == 1 and progress_messages[0]["edited"]  # one, edited
    assert f"已送达 {MEMBERS - 1}" in seen[-1] and "联系不上 1" in seen[-1]
    assert len(set(seen)) >= 3  # it moved while sending

    calls = await sandbox.calls("sendMessage")
    assert not [c for c in calls if c.get("status") == 429]
    delivered = sorted(
        c["time"]
        for c in calls
        if c.get("status") == 200 and str(c["params"].get("chat_id")) != str(REP_XH)
    )
    assert len(delivered) == MEMBERS - 1
    rate = (len(delivered) - 1) / (delivered[-1] - delivered[0])
    assert 25 <= rate <= 30.5, rate  # at Telegram's limit, not over it
    async with rt.ctx.sessions() as s:
        p = await notices.progress(s, notice_id=notice_id, viewer=await by_tg(s, REP_XH))
    assert (p.sent, p.failed, p.unreachable, p.pending) == (MEMBERS - 1, 0, 1, 0)
