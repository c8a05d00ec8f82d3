"""The join form's Back, Cancel and resume: Back asks the step before again (also from the
phone step's reply keyboard), a command in the middle suspends the draft and offers it back,
/join offers it too, Cancel forgets it; platforms are ticked in place on one message."""

from __future__ import annotations

import asyncio

import pytest

from services.texts import Translator
from tests.chat import Chat, has_button, plain
from tests.membership.helpers import load_demo
from tests.membership.test_join_flow import RIDER
from tests.sandbox_client import SandboxClient

pytestmark = pytest.mark.fast_taps

t = Translator("en")
UNFINISHED = t("forms.unfinished", form=t("membership.form_title"))


def _is(text: str):  # type: ignore[no-untyped-def]
    return lambda m: m["text"] == text


async def test_back_cancel_and_resume(desk, sandbox: SandboxClient) -> None:
    await load_demo(desk)
    await sandbox.user(RIDER, "Rider", language="en")
    rider = Chat(sandbox, RIDER)
    privacy = await rider.say("/join")
    assert privacy["text"] == plain("en", "membership.privacy")
    ask_name = await rider.press_for(privacy, "j:consent", has_button("j:back"))
    assert ask_name["text"].startswith("1/7")
    again = await rider.press_for(ask_name, "j:back", has_button("j:consent"))
    assert again["text"] == plain("en", "membership.privacy"), "Back from the name: the notice"
    ask_name = await rider.press_for(again, "j:consent", has_button("j:back"))
    ask_phone = await rider.say("Ah Qiang")
    assert ask_phone["text"].startswith("2/7") and ask_phone["reply_keyboard"]

    # Back on the phone step's reply keyboard comes as text: the name is asked again.
    sent = await rider.reply_button(t("forms.btn_back"))
    ask_name = await rider.wait_for(has_button("j:back"), after=sent)
    assert ask_name["text"].startswith("1/7")

    # A command in the middle: answered, then the draft is offered back.
    offer = await rider.say("/help", expect=_is(UNFINISHED))
    ask_name = await rider.press_for(offer, "fm:go", has_button("j:back"))
    assert ask_name["text"].startswith("1/7")

    # /join with the draft kept: Continue where it was.
    offer = await rider.say("/join", expect=_is(UNFINISHED))
    ask_name = await rider.press_for(offer, "fm:go", has_button("j:back"))
    assert ask_name["text"].startswith("1/7")

    cancelled = await rider.press_for(ask_name, "j:cancel")
    assert cancelled["text"] == plain("en", "membership.cancelled")
    fresh = await rider.say("/join")
    assert fresh["text"] == plain("en", "membership.privacy"), "after Cancel: from the start"


async def test_choices_are_ticked_in_place(desk, sandbox: SandboxClient) -> None:
    await load_demo(desk)
    await sandbox.user(RIDER, "Rider", language="en")
    rider = Chat(sandbox, RIDER)
    privacy = await rider.say("/join")
    await rider.press_for(privacy, "j:consent", has_button("j:back"))
    await rider.say("Ah Qiang")
    platforms = await rider.contact("13800138000", user_id=RIDER, expect=has_button("j:platform"))
    meituan = t("membership.platform.meituan")

    async def pressed_shows(label: str) -> list[str]:
        await sandbox.press(RIDER, platforms["message_id"], "j:platform:meituan")
        for _ in range(50):
            now = await rider.message(platforms["message_id"])
            labels = [b["text"] for row in now["buttons"] for b in row]
            if label in labels:
                break
            await asyncio.sleep(0.1)
        return labels

    # ticked, unticked, ticked again: on the same message
    assert meituan not in await pressed_shows(f"✅ {meituan}")
    assert f"✅ {meituan}" not in await pressed_shows(meituan)
    assert meituan not in await pressed_shows(f"✅ {meituan}")
    later = await rider.messages(after=platforms["message_id"])
    assert not any(has_button("j:platform")(m) for m in later), "no new message per tick"
