"""New-claim notices stay true: when a representative moves the claim's stage, every copy of
the notice to the zone's representatives shows the new stage and who moved it, in place."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from sqlalchemy import select

from app.runtime import Runtime
from models import User
from models.chat import StaffNotice
from models.claims import CounterpartyKind, WorkRelation
from services.claims import filing
from tests.chat import Chat, button, deliver
from tests.claims.conftest import REP_XH, RIDER
from tests.sandbox_client import SandboxClient

pytestmark = pytest.mark.fast_taps

SENIOR = 900004


async def _message(sandbox: SandboxClient, chat: int, message_id: int) -> dict:
    return next(m for m in await sandbox.messages(chat) if m["message_id"] == message_id)


async def test_every_copy_of_a_claim_notice_shows_the_new_stage(
    claims_desk: Runtime, sandbox: SandboxClient
) -> None:
    rep = Chat(sandbox, REP_XH)
    rt = claims_desk
    await sandbox.user(SENIOR, "高级代表 赵磊", language="zh")
    form = filing.ClaimForm(
        counterparty_kind=CounterpartyKind.station,
        counterparty_name="顺丰 西溪站",
        relation=WorkRelation.agency,
        amount_fen=4050,
        period_start=date(2026, 1, 1),
        period_end=date(2026, 1, 31),
        knew_on=date(2026, 2, 10),
        work_ended_on=date(2026, 2, 1),
    )
    async with rt.ctx.sessions() as s, s.begin():
        rider = (await s.execute(select(User).where(User.telegram_id == RIDER))).scalar_one()
        _, case = await filing.file_claim(
            s, user=rider, form=form, today=date(2026, 6, 15), max_bytes=1 << 20
        )
        ref = case.ref
        told = set(
            (
                await s.execute(select(StaffNotice.chat_id).where(StaffNotice.case_id == case.id))
            ).scalars()
        )
    assert REP_XH in told and len(told) >= 2, told  # the zone's rep and at least one other
    await deliver(rt)
    copies = {chat: await Chat(sandbox, chat).wait_for("新欠薪索赔") for chat in told}
    mine = copies[REP_XH]
    assert ref in mine["text"]

    # 李强 opens the claim from his notice and moves it to negotiation.
    last = (await sandbox.messages(REP_XH))[-1]["message_id"]
    await sandbox.press(REP_XH, mine["message_id"], button(mine, "📂"))
    card = await rep.wait_for("欠薪索赔 " + ref, after=last)
    last = (await sandbox.messages(REP_XH))[-1]["message_id"]
    await sandbox.press(REP_XH, card["message_id"], button(card, "➡️ 协商"))
    await rep.wait_for("欠薪索赔 " + ref, after=last)

    for _ in range(50):  # the move commits just after the bot answered
        await deliver(rt)
        edited = [await _message(sandbox, c, m["message_id"]) for c, m in copies.items()]
        if all("阶段：协商" in m["text"] for m in edited):
            break
        await asyncio.sleep(0.1)
    for now in edited:
        assert "阶段：协商" in now["text"] and "李强" in now["text"], now
        assert ref in now["text"] and button(now, "📂"), now
