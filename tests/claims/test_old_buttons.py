"""Buttons sent before the callback actions got their words ("wc:o:7", "wf:itemok") still
work: they are read as the words, and pressed in a chat they do what they did."""

from __future__ import annotations

from datetime import date

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from sqlalchemy import select

from app.runtime import Runtime
from bot.claims.buttons import ClaimTotalsButton, WageClaimAction
from bot.claims.form import CLAIM
from models import User
from models.claims import CounterpartyKind, WorkRelation
from services.claims import filing
from tests.chat import Chat, all_data, has_document
from tests.claims.conftest import RIDER
from tests.sandbox_client import SandboxClient


def test_old_actions_are_read_as_words_and_new_ones_round_trip() -> None:
    for old, word in WageClaimAction.OLD_ACTIONS.items():
        pressed = WageClaimAction.unpack(f"wc:{old}:7:demand")
        assert (pressed.action, pressed.claim_id, pressed.value) == (word, 7, "demand")
        assert WageClaimAction.unpack(pressed.pack()) == pressed
    for old, word in CLAIM.cb.OLD_ACTIONS.items():  # the form's, on the form engine
        pressed = CLAIM.cb.unpack(f"wf:{old}:x")
        assert (pressed.action, pressed.value) == (word, "x")
        assert CLAIM.cb.unpack(pressed.pack()) == pressed
    assert CLAIM.cb.unpack("wf:noorders:").action == "skip"
    assert WageClaimAction(action="open", claim_id=7).pack() == "wc:open:7:"
    assert CLAIM.cb.unpack("wf:back:").action == "back"  # words were words already
    assert ClaimTotalsButton.unpack("wt:zone").by == "zone"


async def test_a_claim_button_sent_before_the_rename_still_opens_the_claim(
    claims_desk: Runtime, sandbox: SandboxClient
) -> None:
    rt, rider = claims_desk, Chat(sandbox, RIDER)
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
        user = (await s.execute(select(User).where(User.telegram_id == RIDER))).scalar_one()
        claim, case = await filing.file_claim(
            s, user=user, form=form, today=date(2026, 6, 15), max_bytes=1 << 20
        )
        claim_id, ref = claim.id, case.ref
    assert rt.ctx.bot is not None
    old = await rt.ctx.bot.send_message(
        RIDER,
        "an old notice",
        reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[
                [InlineKeyboardButton(text="open", callback_data=f"wc:o:{claim_id}:")],
                [InlineKeyboardButton(text="pdf", callback_data=f"wc:p:{claim_id}:")],
            ]
        ),
    )
    await sandbox.press(RIDER, old.message_id, f"wc:o:{claim_id}:")
    card = await rider.wait_for("欠薪索赔 " + ref, after=old.message_id)
    assert f"wc:pdf:{claim_id}:" in all_data(card)
    await sandbox.press(RIDER, old.message_id, f"wc:p:{claim_id}:")
    await rider.wait_for(has_document, after=card["message_id"])
