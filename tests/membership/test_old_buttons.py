"""Buttons sent before the callback actions got their words ("md:a:1", "j:ok") still work:
they are read as the words, and pressed in a chat they do what they did."""

from __future__ import annotations

import pytest
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from sqlalchemy import select

from bot.membership.buttons import ApplicationDecision, LeaveConfirmation
from bot.membership.join_form import JOIN
from models.membership import Membership, MembershipStatus
from tests.chat import Chat, has_button
from tests.membership.helpers import SENIOR, XH_REP, load_demo
from tests.membership.test_join_flow import RIDER, fill_form
from tests.sandbox_client import SandboxClient

pytestmark = pytest.mark.fast_taps


def test_old_actions_are_read_as_words_and_new_ones_round_trip() -> None:
    for old, word in JOIN.cb.OLD_ACTIONS.items():  # the form's, on the form engine
        pressed = JOIN.cb.unpack(f"j:{old}:meituan")
        assert (pressed.action, pressed.value) == (word, "meituan")
        assert JOIN.cb.unpack(pressed.pack()) == pressed
    for old, word in ApplicationDecision.OLD_ACTIONS.items():
        pressed = ApplicationDecision.unpack(f"md:{old}:12")
        assert (pressed.action, pressed.membership_id) == (word, 12)
        assert ApplicationDecision.unpack(pressed.pack()) == pressed
    assert JOIN.cb.unpack("j:back:").action == "back"  # words were words already
    assert LeaveConfirmation.unpack("lv:1").yes is True


def _keyboard(*datas: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=d, callback_data=d)] for d in datas]
    )


async def test_old_join_and_decision_buttons_still_work(desk, sandbox: SandboxClient) -> None:
    await load_demo(desk)
    await sandbox.user(RIDER, "Rider", language="zh")
    for rep in (XH_REP, SENIOR):
        await sandbox.user(rep, f"rep{rep}", language="zh")
    bot, rider = desk.ctx.bot, Chat(sandbox, RIDER)

    # A rider at the privacy notice presses an old "I agree" (j:ok): the form goes on.
    await rider.say("/join")
    old = await bot.send_message(RIDER, "old form", reply_markup=_keyboard("j:ok:"))
    await sandbox.press(RIDER, old.message_id, "j:ok:")
    ask_name = await rider.wait_for(has_button("j:back"), after=old.message_id)
    assert "1/7" in ask_name["text"]
    await rider.press_for(ask_name, "j:cancel")

    # An application decided from a card sent with the old approve button (md:a:<id>).
    summary = await fill_form(sandbox, "zh", name="阿强")
    await rider.press_for(summary, "j:submit", has_button("menu:main"))
    await Chat(sandbox, XH_REP).delivered(desk, has_button("md:approve"))
    async with desk.ctx.sessions() as s:
        m = (await s.execute(select(Membership))).scalar_one()
    card = await bot.send_message(XH_REP, "old card", reply_markup=_keyboard(f"md:a:{m.id}"))
    answer = await sandbox.callback_answer(
        await sandbox.press(XH_REP, card.message_id, f"md:a:{m.id}")
    )
    assert answer["text"], answer  # "decision saved"
    async with desk.ctx.sessions() as s:
        status = (await s.execute(select(Membership.status))).scalar_one()
    assert status is MembershipStatus.active
