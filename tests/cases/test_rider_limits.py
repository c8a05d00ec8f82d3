"""What a rider meets in a report: the length limit said before asking, the category's advice
before any photo, withdrawing a report, and old buttons that answer what happened."""

from __future__ import annotations

import re

import pytest
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from sqlalchemy import select

from models import Case, CaseEvent, CaseStatus, User
from services.cases import triage
from tests.cases.conftest import REP_XH, RIDER, people, report
from tests.chat import Chat, button, deliver, pace
from tests.sandbox_client import SandboxClient

pytestmark = pytest.mark.fast_taps

REF = re.compile(r"C-\d{4}-\d{5}")


async def _case(desk, ref: str) -> Case:
    async with desk.ctx.sessions() as s:
        return (await s.execute(select(Case).where(Case.ref == ref))).scalar_one()


async def _rep(s) -> User:
    return (await s.execute(select(User).where(User.telegram_id == REP_XH))).scalar_one()


async def _open_mine(sandbox: SandboxClient, ref: str) -> dict:
    await pace()
    mine = await sandbox.reply_to(RIDER, "/mycases")
    [card] = await Chat(sandbox, RIDER).press(mine, "mc:open")
    assert ref in card["text"]
    return card


async def _press(sandbox: SandboxClient, message: dict, data: str) -> dict:
    await pace()
    return await sandbox.callback_answer(await sandbox.press(RIDER, message["message_id"], data))


async def test_limit_and_advice_come_before_they_are_needed(desk, sandbox: SandboxClient):
    await people(desk, sandbox)
    menu = await sandbox.reply_to(RIDER, "/report")
    [asked] = await Chat(sandbox, RIDER).press(menu, "rp:cat:access")
    # The limit before writing; the advice (photograph the notice) before the photo step.
    assert "up to 2000 characters" in asked["text"]
    assert "Photograph the notice or the gate" in asked["text"]


async def test_withdraw_before_and_after_an_answer(desk, sandbox: SandboxClient):
    rep = Chat(sandbox, REP_XH)
    rider = Chat(sandbox, RIDER)
    await people(desk, sandbox)
    first = REF.search((await report(sandbox, RIDER, text="Gate 3 blocks"))["text"]).group(0)  # type: ignore[union-attr]
    await rep.delivered(desk, first, newest=True)
    card = await _open_mine(sandbox, first)
    [confirm] = await rider.press(card, "mc:withdraw:")
    assert "No representative has answered yet" in confirm["text"]
    [done] = await rider.press(confirm, "mc:withdraw_yes:")
    assert f"{first} is withdrawn" in done["text"]
    case = await _case(desk, first)
    assert case.status is CaseStatus.closed and case.next_escalation_at is None
    told = await rep.delivered(desk, "撤回", newest=True)
    assert first in told["text"]
    # The card's old button answers what happened, and the card shows what applies now.
    answer = await _press(sandbox, card, button(card, "mc:withdraw:"))
    assert "out of date" in answer["text"] and "closed" in answer["text"]
    now = next(m for m in await sandbox.messages(RIDER) if m["message_id"] == card["message_id"])
    assert "mc:withdraw" not in str(now["buttons"]) and "menu:report" in str(now["buttons"])

    # Once a representative is on it, withdrawing asks them.
    await pace()
    second = REF.search((await report(sandbox, RIDER, text="Broken charger"))["text"]).group(0)  # type: ignore[union-attr]
    async with desk.ctx.sessions() as s, s.begin():
        await triage.claim(s, case_id=(await _case(desk, second)).id, actor=await _rep(s))
    card = await _open_mine(sandbox, second)
    [confirm] = await rider.press(card, "mc:withdraw:")
    assert "already on" in confirm["text"]
    [asked] = await rider.press(confirm, "mc:withdraw_yes:")
    assert "is asked to close it" in asked["text"]
    assert (await _case(desk, second)).status is CaseStatus.acknowledged
    assert "想撤回" in (await rep.delivered(desk, "想撤回", newest=True))["text"]
    async with desk.ctx.sessions() as s:
        kinds = [
            e.kind
            for e in (
                await s.execute(
                    select(CaseEvent).where(CaseEvent.case_id == (await _case(desk, second)).id)
                )
            ).scalars()
        ]
    assert "withdraw_asked" in kinds


async def test_old_resolve_and_rating_buttons_say_what_happened(desk, sandbox: SandboxClient):
    rider = Chat(sandbox, RIDER)
    await people(desk, sandbox)
    ref = REF.search((await report(sandbox, RIDER))["text"]).group(0)  # type: ignore[union-attr]
    async with desk.ctx.sessions() as s, s.begin():
        case_id = (await _case(desk, ref)).id
        await triage.claim(s, case_id=case_id, actor=await _rep(s))
        await triage.resolve(s, case_id=case_id, actor=await _rep(s), message="Gate open again")
    resolved = await rider.delivered(desk, "Gate open again", newest=True)
    [stars] = await rider.press(resolved, "mc:confirm:")
    await rider.press(stars, "rt:")
    await deliver(desk)

    # The same notice's buttons again: what happened, not "not resolved yet".
    answer = await _press(sandbox, resolved, button(resolved, "mc:reopen:"))
    assert "out of date" in answer["text"] and "closed" in answer["text"], answer
    # A notice sent before the buttons' actions were words carries "mc:no": still understood.
    before = InlineKeyboardButton(text="↩️", callback_data=f"mc:no:{case_id}")
    sent = await desk.ctx.bot.send_message(
        RIDER, "an older notice", reply_markup=InlineKeyboardMarkup(inline_keyboard=[[before]])
    )
    answer = await _press(sandbox, {"message_id": sent.message_id}, f"mc:no:{case_id}")
    assert "out of date" in answer["text"] and "closed" in answer["text"], answer
    # The old stars: already rated, and they go away.
    answer = await _press(sandbox, stars, button(stars, "rt:"))
    assert "already rated" in answer["text"]
    now = next(m for m in await sandbox.messages(RIDER) if m["message_id"] == stars["message_id"])
    assert not now.get("buttons")


async def test_mydata_is_a_readable_summary_beside_the_file(desk, sandbox: SandboxClient):
    from models.membership import Membership

    await people(desk, sandbox)
    async with desk.ctx.sessions() as s, s.begin():
        user = (await s.execute(select(User).where(User.telegram_id == RIDER))).scalar_one()
        m = (await s.execute(select(Membership).where(Membership.user_id == user.id))).scalar_one()
        m.name, m.phone, m.member_number = "王小明", "13800001234", "XH-2026-000007"
    ref = REF.search((await report(sandbox, RIDER))["text"]).group(0)  # type: ignore[union-attr]
    await pace()
    sent = await sandbox.send(RIDER, "/mydata")
    found: list[dict] = []
    for _ in range(20):
        found += await sandbox.messages(
            RIDER, after=(found or [{"message_id": sent}])[-1]["message_id"], wait=1
        )
        if len(found) >= 2:
            break
    document, summary = found[0], found[1]
    assert document["document"]["file_name"] == "mydata.json"
    text = summary["text"]
    assert "What the union keeps about you" in text and "{" not in text
    assert "XH-2026-000007" in text and "王小明" in text and "13800001234" in text
    assert ref in text and "Blocked access" in text
