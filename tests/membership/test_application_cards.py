"""Applications that stay true: once one representative decides, every other copy loses its
decision buttons and shows the outcome and who decided; a tap on it says the same."""

from __future__ import annotations

import pytest

from tests.chat import Chat, all_data, deliver, has_button
from tests.membership.helpers import SENIOR, XH_REP, load_demo
from tests.membership.test_join_flow import RIDER, fill_form
from tests.sandbox_client import SandboxClient

pytestmark = pytest.mark.fast_taps


async def test_other_copies_show_who_decided(desk, sandbox: SandboxClient) -> None:
    await load_demo(desk)
    await sandbox.user(RIDER, "Rider", language="zh")
    for rep in (XH_REP, SENIOR):
        await sandbox.user(rep, f"rep{rep}", language="zh")
    summary = await fill_form(sandbox, "zh", name="阿强")
    await Chat(sandbox, RIDER).press_for(summary, "j:sub", has_button("menu:main"))
    mine = await Chat(sandbox, XH_REP).delivered(desk, has_button("md:a"))
    theirs = await Chat(sandbox, SENIOR).wait_for(has_button("md:a"))

    await sandbox.callback_answer(await sandbox.press(XH_REP, mine["message_id"], "md:a:1"))
    await deliver(desk)
    now = next(m for m in await sandbox.messages(SENIOR) if m["message_id"] == theirs["message_id"])
    assert [b["text"] for row in now["buttons"] for b in row] == ["✅ 已通过 · 代表 李强"]
    assert all_data(now) == ["md:i:1"]
    assert "阿强" in now["text"]  # the application itself stays as it was
    answer = await sandbox.callback_answer(await sandbox.press(SENIOR, now["message_id"], "md:i:1"))
    assert "代表 李强" in answer["text"] and "已经处理过" in answer["text"]
