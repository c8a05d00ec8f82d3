"""Ask the union: a message outside any form reaches the zone's representatives as a question
case (or is added to the rider's open case), answered and escalated like any case."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from models import Case, Zone
from services.escalation.sweep import escalate_due_cases
from tests.cases.conftest import REP_XH, RIDER, eventually, open_card, people, report
from tests.chat import Chat, button, pace
from tests.sandbox_client import SandboxClient

pytestmark = pytest.mark.fast_taps

REF = re.compile(r"C-\d{4}-\d{5}")


async def _case(desk, ref: str) -> Case:
    async with desk.ctx.sessions() as s:
        return (await s.execute(select(Case).where(Case.ref == ref))).scalar_one()


async def test_a_question_reaches_the_zone_reps_is_answered_and_escalates(
    desk, sandbox: SandboxClient
):
    rep = Chat(sandbox, REP_XH)
    rider = Chat(sandbox, RIDER)
    await people(desk, sandbox)
    help_ = await sandbox.reply_to(RIDER, "/help")
    assert "Just write to me" in help_["text"] and "anonymously" in help_["text"]

    await pace()
    offer = await sandbox.reply_to(RIDER, "When is the next union meeting?")
    assert "Send this to the union" in offer["text"]
    assert "didn't understand" not in offer["text"]
    await pace()
    more = await sandbox.reply_to(RIDER, "And where is it?")  # people write in pieces
    assert "When is the next union meeting?\nAnd where is it?" in more["text"]
    answers = await rider.press(more, "ask:send:1")
    sent = answers[-1]["text"]
    ref = REF.search(sent).group(0)  # type: ignore[union-attr]
    assert "answer by" in sent

    case = await _case(desk, ref)
    async with desk.ctx.sessions() as s:
        xh = (await s.execute(select(Zone).where(Zone.code == "XH"))).scalar_one()
    assert (case.category, case.anonymous, case.zone_id) == ("question", True, xh.id)
    # The same promise and ladder as any case: the sweep comes (to warn) before the deadline.
    assert case.first_response_due_at is not None and case.next_escalation_at is not None
    assert case.next_escalation_at <= case.first_response_due_at

    # The zone's representative is told, and answers from the case like any case.
    new = await rep.delivered(desk, ref, newest=True)
    assert "提问" in new["text"] and "When is the next union meeting?" in new["text"]
    card = await open_card(sandbox, REP_XH, new)
    prompt = await rep.press(card[-1], button(card[-1], "rc:reply"))
    assert ref in prompt[-1]["text"]
    await pace()
    await sandbox.reply_to(REP_XH, "Saturday 10:00 at the Xihu station")
    answer = await rider.delivered(desk, "Saturday 10:00", newest=True)
    assert ref in answer["text"]

    # A question nobody answers is escalated like any case.
    await pace()
    offer = await sandbox.reply_to(RIDER, "Is there a winter jacket this year?")
    answers = await rider.press(offer, "ask:send:0")
    ref2 = REF.search(answers[-1]["text"]).group(0)  # type: ignore[union-attr]
    late = await _case(desk, ref2)
    assert late.anonymous is False
    report_ = await escalate_due_cases(
        desk.ctx.sessions, now=late.first_response_due_at + timedelta(minutes=1)
    )
    assert report_.escalations, report_
    raised = await rep.delivered(desk, "升级到第 1 级", newest=True)
    assert ref2 in raised["text"]


async def test_a_message_can_go_to_the_riders_open_case_or_nowhere(desk, sandbox: SandboxClient):
    rider = Chat(sandbox, RIDER)
    await people(desk, sandbox)
    done = await report(sandbox, RIDER, text="Gate 3 blocks e-bikes")
    ref = REF.search(done["text"]).group(0)  # type: ignore[union-attr]
    case = await _case(desk, ref)

    await pace()
    older = await sandbox.reply_to(RIDER, "The guard says")
    await pace()
    offer = await sandbox.reply_to(RIDER, "it is the new rule")
    assert f"ask:case:{case.id}" in offer["buttons"].__repr__()
    answers = await rider.press(offer, f"ask:case:{case.id}")
    assert ref in answers[-1]["text"]
    rep = Chat(sandbox, REP_XH)
    told = await rep.delivered(desk, "The guard says\nit is the new rule", newest=True)
    assert ref in told["text"]
    # Nothing new was opened.
    async with desk.ctx.sessions() as s:
        assert len(list((await s.execute(select(Case))).scalars())) == 1

    # The used offer lost its buttons; a tap on an older one says it was dealt with.
    assert not offer_buttons(await sandbox.messages(RIDER), offer["message_id"])
    await pace()
    stale = await sandbox.press(RIDER, older["message_id"], "ask:send:0")
    assert "dealt with already" in (await sandbox.callback_answer(stale))["text"]

    # Too long: the limit in a sentence, and what was written before is kept.
    await pace()
    first = await sandbox.reply_to(RIDER, "Short start.")
    await pace()
    too_long = await sandbox.reply_to(RIDER, "x" * 2100)
    assert "limit is 2000" in too_long["text"]
    await pace()
    dropped = await rider.press(first, "ask:drop:0")
    assert "not sent" in dropped[-1]["text"]

    async def one_case():
        async with desk.ctx.sessions() as s:
            return len(list((await s.execute(select(Case))).scalars())) == 1

    await eventually(one_case)


def offer_buttons(messages: list[dict], message_id: int) -> list:
    return next(m for m in messages if m["message_id"] == message_id).get("buttons") or []


async def test_someone_not_yet_a_member_can_ask_and_the_admins_answer(desk, sandbox: SandboxClient):
    from tests.cases.conftest import ADMIN

    await people(desk, sandbox, members=())
    await sandbox.user(RIDER, "Newcomer", language="en")
    offer = await sandbox.reply_to(RIDER, "How do I join if I ride for two platforms?")
    answers = await Chat(sandbox, RIDER).press(offer, "ask:send:0")
    ref = REF.search(answers[-1]["text"]).group(0)  # type: ignore[union-attr]
    case = await _case(desk, ref)
    assert case.zone_id is None and case.category == "question"
    told = await Chat(sandbox, ADMIN).delivered(desk, ref, newest=True)
    assert "two platforms" in told["text"]
