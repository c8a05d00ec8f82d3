"""Cards that stay true: every copy of a new-case notice is edited in place when the case
changes, the card a representative acts on is refreshed, and a late tap on 接手 says who took
the case and when."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from models import Case, Outbox, Zone
from models.chat import StaffNotice
from tests.cases.conftest import REP_XH, RIDER, SENIOR, open_card, people, report
from tests.chat import Chat, button, buttons, deliver, has_button, pace
from tests.sandbox_client import SandboxClient

pytestmark = pytest.mark.fast_taps

GROUP = -100600
REF = re.compile(r"C-\d{4}-\d{5}")


_claimable = has_button("rc:claim")  # the card still offers to take the case


async def test_every_copy_of_a_new_case_notice_follows_the_case(desk, sandbox: SandboxClient):
    rep = Chat(sandbox, REP_XH)
    await people(desk, sandbox)
    await sandbox.group(GROUP, "XH reps", members=[REP_XH, SENIOR], admins=[REP_XH])
    async with desk.ctx.sessions() as s, s.begin():
        zone = (await s.execute(select(Zone).where(Zone.code == "XH"))).scalar_one()
        zone.group_chat_id = GROUP

    done = await report(sandbox, RIDER, text="Gate 3 blocks e-bikes")
    ref = REF.search(done["text"]).group(0)  # type: ignore[union-attr]
    mine = await rep.delivered(desk, ref, newest=True)
    theirs = await Chat(sandbox, SENIOR).delivered(desk, ref, newest=True)
    group = await Chat(sandbox, GROUP).delivered(desk, ref, newest=True)
    assert all(_claimable(m) for m in (mine, theirs, group))
    # The senior representative opened the case before anyone took it.
    their_card = (await open_card(sandbox, SENIOR, theirs))[-1]
    assert _claimable(their_card)

    # 李强 takes it from his card: the card shows it at once, without the 接手 button.
    card = (await open_card(sandbox, REP_XH, mine))[-1]
    await pace()
    query = await sandbox.press(REP_XH, card["message_id"], button(card, "rc:claim"))
    assert "你接手了" in (await sandbox.callback_answer(query))["text"]
    card_now = await rep.message(card["message_id"])
    assert "李强" in card_now["text"] and not _claimable(card_now)
    assert buttons(card_now), "the actions that still apply stay"

    # A late tap on a copy not yet edited: who took it and when, in an alert.
    await pace()
    late = await sandbox.press(SENIOR, theirs["message_id"], button(theirs, "rc:claim"))
    answer = await sandbox.callback_answer(late)
    assert re.search(r"李强 已在 \d{4}-\d\d-\d\d \d\d:\d\d 接手 " + ref, answer["text"]), answer
    assert answer.get("show_alert")
    # A late tap on the card opened before: the same answer, and the card is refreshed.
    await pace()
    late = await sandbox.press(SENIOR, their_card["message_id"], button(their_card, "rc:claim"))
    assert "李强" in (await sandbox.callback_answer(late))["text"]
    their_card_now = await Chat(sandbox, SENIOR).message(their_card["message_id"])
    assert "李强" in their_card_now["text"] and not _claimable(their_card_now)

    # Every copy of the notice is edited in place: same message, who took it, no 接手.
    await deliver(desk)
    for chat, sent in ((REP_XH, mine), (SENIOR, theirs), (GROUP, group)):
        now = await Chat(sandbox, chat).message(sent["message_id"])
        assert "李强" in now["text"] and "已接手" in now["text"], now
        assert not _claimable(now) and button(now, "rc:open")
        assert "Gate 3 blocks e-bikes" in now["text"]
    group_now = await Chat(sandbox, GROUP).message(group["message_id"])
    assert "Rider" not in group_now["text"] or "匿名" not in group_now["text"]

    # Resolving shows on every copy too; one edit per copy per change, not one per step.
    await pace()
    prompt = await rep.press(card_now, "rc:resolve")
    assert ref in prompt[-1]["text"]
    await pace()
    await sandbox.reply_to(REP_XH, "Talked to the property office: gate 3 is open again")
    await Chat(sandbox, RIDER).delivered(desk, "gate 3 is open again", newest=True)
    await deliver(desk)
    for chat, sent in ((REP_XH, mine), (SENIOR, theirs), (GROUP, group)):
        now = await Chat(sandbox, chat).message(sent["message_id"])
        assert "已解决" in now["text"], now
    # The card the resolution was typed for shows it too.
    card_after = await rep.message(card["message_id"])
    assert "已解决" in card_after["text"]
    async with desk.ctx.sessions() as s:
        case = (await s.execute(select(Case).where(Case.ref == ref))).scalar_one()
        notices = list(
            (await s.execute(select(StaffNotice).where(StaffNotice.case_id == case.id))).scalars()
        )
        assert {n.chat_id for n in notices} == {REP_XH, SENIOR, GROUP}
        edits = list(
            (await s.execute(select(Outbox).where(Outbox.method == "editMessageText"))).scalars()
        )
    # Claimed (one edit), resolved (one edit, though it moved through in progress): per copy.
    assert len(edits) == 2 * len(notices), [e.payload.get("text") for e in edits]
    assert all(e.status.value == "sent" for e in edits)


async def test_a_change_before_the_notice_went_out_reaches_it(desk, sandbox: SandboxClient):
    """The edit waits for its original (sent first in its chat), then shows the change."""
    from models import User
    from services.cases import triage

    await people(desk, sandbox)
    await report(sandbox, RIDER, text="Broken charger at the swap cabinet", category="ebike")
    async with desk.ctx.sessions() as s, s.begin():
        case = (await s.execute(select(Case))).scalar_one()
        rep = (await s.execute(select(User).where(User.telegram_id == REP_XH))).scalar_one()
        await triage.claim(s, case_id=case.id, actor=rep)  # nothing was delivered yet
    await deliver(desk)
    [sent] = [m for m in await sandbox.messages(SENIOR) if case.ref in (m["text"] or "")]
    assert "李强" in sent["text"] and not _claimable(sent)
    async with desk.ctx.sessions() as s:
        rows = list((await s.execute(select(Outbox).where(Outbox.chat_id == SENIOR))).scalars())
    assert [(r.method, r.status.value) for r in rows] == [
        ("sendMessage", "sent"),
        ("editMessageText", "sent"),
    ]
