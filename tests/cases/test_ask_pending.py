"""A question waiting for its decision when the rider starts a command: they are told it was
not sent, with their words, instead of it vanishing; the old offer's buttons say so too."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models import Case
from tests.cases.conftest import RIDER, people
from tests.chat import button, pace
from tests.sandbox_client import SandboxClient

pytestmark = pytest.mark.fast_taps


async def test_a_command_over_a_pending_question_says_it_was_not_sent(desk, sandbox: SandboxClient):
    await people(desk, sandbox)
    offer = await sandbox.reply_to(RIDER, "Is there a winter jacket this year?")
    assert button(offer, "ask:send:0")
    await pace()
    sent = await sandbox.send(RIDER, "/report")
    told = (await sandbox.messages(RIDER, after=sent, wait=10))[0]
    assert "not sent" in told["text"] and "winter jacket" in told["text"], told
    # The command still runs: its own answer follows.
    assert await sandbox.messages(RIDER, after=told["message_id"], wait=10), "no /report answer"

    # The offer is gone: its button says it was dealt with, and nothing was sent.
    await pace()
    query = await sandbox.press(RIDER, offer["message_id"], button(offer, "ask:send:0"))
    assert (await sandbox.callback_answer(query)).get("show_alert")
    async with desk.ctx.sessions() as s:
        assert not list((await s.execute(select(Case))).scalars())
