"""The representative's case view: the compound and building around the place, a pin on
request, the rider as the union knows them (member name and number), and the phone only for
the representative who has the case, each look recorded."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models import Case, CaseEvent, User
from models.membership import Membership
from services.cases import staff_view
from services.errors import Forbidden
from tests.cases.conftest import REP_XH, RIDER, SENIOR, open_card, people, report
from tests.chat import Chat, button, buttons, pace
from tests.sandbox_client import SandboxClient

pytestmark = pytest.mark.fast_taps

BUILDING_2 = (30.28217, 120.13364)  # 青桐里 (Qingtong Li), at building 2栋


async def test_place_pin_member_and_phone_for_the_assignee_only(desk, sandbox: SandboxClient):
    await people(desk, sandbox)
    async with desk.ctx.sessions() as s, s.begin():
        user = (await s.execute(select(User).where(User.telegram_id == RIDER))).scalar_one()
        m = (await s.execute(select(Membership).where(Membership.user_id == user.id))).scalar_one()
        m.name, m.phone, m.member_number = "王小明", "13800001234", "XH-2026-000007"

    done = await report(sandbox, RIDER, text="Gate blocks e-bikes", location=BUILDING_2)
    ref = done["text"].split("Reported as ")[1].split(".")[0]
    told = await Chat(sandbox, REP_XH).delivered(desk, ref, newest=True)
    card = (await open_card(sandbox, REP_XH, told))[-1]
    assert "青桐里 · 2栋" in card["text"], card["text"]
    assert "王小明 · XH-2026-000007" in card["text"] and "Rider0" not in card["text"]
    assert not [d for d in buttons(card).values() if d.startswith("rc:phone")]

    # A pin on request: a venue named by its compound and building.
    await pace()
    before = (await sandbox.messages(REP_XH))[-1]["message_id"]
    await sandbox.callback_answer(
        await sandbox.press(REP_XH, card["message_id"], button(card, "rc:pin"))
    )
    [pin] = await sandbox.messages(REP_XH, after=before, wait=5)
    assert pin["venue"]["title"] == "青桐里 · 2栋" and ref in pin["venue"]["address"]
    assert pin["location"]["latitude"] == pytest.approx(BUILDING_2[0])

    # The phone: not before the case is theirs; then on a tap, recorded.
    async with desk.ctx.sessions() as s:
        case = (await s.execute(select(Case).where(Case.ref == ref))).scalar_one()
        senior = (await s.execute(select(User).where(User.telegram_id == SENIOR))).scalar_one()
        with pytest.raises(Forbidden):
            await staff_view.rider_phone(s, case_id=case.id, actor=senior)
    await pace()
    await sandbox.callback_answer(
        await sandbox.press(REP_XH, card["message_id"], button(card, "rc:claim"))
    )
    card = await Chat(sandbox, REP_XH).message(card["message_id"])
    await pace()
    before = (await sandbox.messages(REP_XH))[-1]["message_id"]
    await sandbox.callback_answer(
        await sandbox.press(REP_XH, card["message_id"], button(card, "rc:phone"))
    )
    [shown] = await sandbox.messages(REP_XH, after=before, wait=5)
    assert "13800001234" in shown["text"] and "王小明" in shown["text"]
    async with desk.ctx.sessions() as s:
        looks = list(
            (
                await s.execute(
                    select(CaseEvent, User)
                    .join(User, User.id == CaseEvent.actor_id)
                    .where(CaseEvent.kind == "phone_shown")
                )
            ).all()
        )
    assert [(e.public, u.telegram_id) for e, u in looks] == [(False, REP_XH)]
    # The rider's own view of the case does not show it.
    await pace()
    mine = await sandbox.reply_to(RIDER, "/mycases")
    await sandbox.press(RIDER, mine["message_id"], button(mine, "mc:open"))
    [view] = await sandbox.messages(RIDER, after=mine["message_id"], wait=5)
    assert "phone" not in view["text"] and "13800001234" not in view["text"]
