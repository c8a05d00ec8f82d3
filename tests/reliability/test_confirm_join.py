"""A join application's Submit under send faults: one application, the rider told once that
it was sent, and a press again answered with the application's status."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from models.membership import Membership
from services.texts import text
from tests.chat import button, deliver, plain
from tests.membership.helpers import BJ_REP, SENIOR, XH_REP, load_demo
from tests.membership.test_join_flow import RIDER, fill_form
from tests.sandbox_client import SandboxClient

# The form is tapped through fast.
pytestmark = pytest.mark.fast_taps

SENT = plain("en", "membership.submitted", zone="XXX", reps="YYY").split("XXX")[0]


async def _sent(sandbox: SandboxClient) -> list[str]:
    return [m["text"] for m in await sandbox.messages(RIDER) if SENT in (m["text"] or "")]


async def test_join_submit_under_faults_applies_once_and_says_so(
    desk, sandbox: SandboxClient
) -> None:
    await load_demo(desk)
    await sandbox.user(RIDER, "Rider", language="en")
    for rep in (XH_REP, BJ_REP, SENIOR):
        await sandbox.user(rep, f"rep{rep}", language="zh")
    summary = await fill_form(sandbox, "en")
    submit = button(summary, "j:sub")
    # After the application committed, everything the press sends fails: the spinner's
    # answer, the confirmation, and taking the buttons off the summary.
    for method in ("answerCallbackQuery", "sendMessage", "editMessageReplyMarkup"):
        await sandbox.fault(method, 500)
    await sandbox.press(RIDER, summary["message_id"], submit)
    second = await sandbox.press(RIDER, summary["message_id"], submit)  # a double tap
    already = await sandbox.callback_answer(second)
    for _ in range(40):
        await deliver(desk)
        if await _sent(sandbox):
            break
        await asyncio.sleep(0.1)
    assert len(await _sent(sandbox)) == 1
    applied_on = text("en", "error.already_applied", date="XXX").split("XXX")[0]
    assert already["text"].startswith(applied_on), already

    later = await sandbox.press(RIDER, summary["message_id"], submit)
    assert (await sandbox.callback_answer(later))["text"].startswith(applied_on)
    async with desk.ctx.sessions() as s:
        assert len(list((await s.execute(select(Membership))).scalars())) == 1
    assert len(await _sent(sandbox)) == 1
