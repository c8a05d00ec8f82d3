"""The whole life of a case through the sandbox: a rider reports, a representative claims,
asks, the rider answers, the case is resolved, confirmed and rated."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models import Case, CaseEvent, CaseStatus
from models.cases import CaseAttachment
from tests.cases.conftest import REP_XH, RIDER, eventually, open_card, people, report
from tests.chat import Chat, button, pace
from tests.sandbox_client import SandboxClient

pytestmark = pytest.mark.fast_taps


async def test_report_claim_question_answer_resolve_confirm_rate(desk, sandbox: SandboxClient):
    rep = Chat(sandbox, REP_XH)
    rider = Chat(sandbox, RIDER)
    await people(desk, sandbox)
    done = await report(
        sandbox, RIDER, category="accident", text="Hit by a car at gate 2", photos=2, anonymous=True
    )
    assert "Reported as C-" in done["text"]
    assert "answer at the latest by" in done["text"]
    assert "120" in done["text"]  # the accident category's first guidance

    async def stored():
        async with desk.ctx.sessions() as s:
            found = (await s.execute(select(Case))).scalar_one_or_none()
            return found and (found, (await s.execute(select(CaseAttachment))).scalars().all())

    case, photos = await eventually(stored)
    assert case.ref in done["text"] and case.anonymous and case.severity.value == "urgent"
    assert len(photos) == 2 and all(p.file_id and p.size for p in photos)

    # The on-duty representative of XH hears of it with Claim / Open buttons.
    dm = await rep.delivered(desk, case.ref, newest=True)
    claimed = await sandbox.press(REP_XH, dm["message_id"], button(dm, "rc:claim"))
    assert "你接手了" in (await sandbox.callback_answer(claimed))["text"]
    await rider.delivered(desk, "has taken the case", newest=True)

    # The representative asks; the rider is told in English and answers.
    card = await open_card(sandbox, REP_XH, dm)
    assert "骑手 小刘" in "\n".join(m["text"] for m in card)  # reps see who, even if anonymous
    prompt = (await rep.press(card[-1], f"rc:ask:{case.id}"))[-1]
    await pace()
    await sandbox.reply_to(REP_XH, "Which hospital are you at?")
    asked = await rider.delivered(desk, "Which hospital", newest=True)
    assert "waiting for you" in asked["text"], prompt
    [_prompt] = await rider.press(asked, "mc:add")
    await pace()
    ok = await sandbox.reply_to(RIDER, "City hospital, ward 3")
    assert "Added to" in ok["text"]

    async def answered():
        async with desk.ctx.sessions() as s:
            return (await s.get(Case, case.id)).status is CaseStatus.in_progress

    await eventually(answered)

    # Resolved: the rider confirms and rates.
    card = await open_card(sandbox, REP_XH, dm)
    await rep.press(card[-1], f"rc:resolve:{case.id}")
    await pace()
    done_msg = await sandbox.reply_to(REP_XH, "Injury claim filed with the platform")
    assert "marked resolved" in done_msg["text"] or "解决" in done_msg["text"]
    resolved = await rider.delivered(desk, "Injury claim filed", newest=True)
    [thanks] = await rider.press(resolved, "mc:confirm:")
    [comment_q] = await rider.press(thanks, f"rt:{case.id}:5")
    assert "comment" in comment_q["text"]
    await pace()
    assert "Thank you" in (await sandbox.reply_to(RIDER, "Quick and kind"))["text"]

    async def commented():
        async with desk.ctx.sessions() as s:
            return (await s.get(Case, case.id)).rating_comment

    await eventually(commented)
    async with desk.ctx.sessions() as s:
        final = await s.get(Case, case.id)
        events = await s.execute(select(CaseEvent).order_by(CaseEvent.id))
        kinds = [e.kind for e in events.scalars()]
    assert final.status is CaseStatus.closed and final.rating == 5
    assert final.rating_comment == "Quick and kind" and final.first_response_at is not None
    expected = ("reported", "claimed", "question", "rider_answer", "resolved", "confirmed", "rated")
    assert [k for k in kinds if k in expected] == list(expected)
