"""The join form's Back, Cancel and resume: Back asks the step before again (also from the
phone step's reply keyboard), a command in the middle suspends the draft and offers it back,
/join offers it too, Cancel forgets it."""

from __future__ import annotations

import asyncio

from services.texts import Translator
from tests.membership.helpers import has_button, load_demo, plain, say, tap, wait_for
from tests.membership.test_join_flow import RIDER
from tests.sandbox_client import SandboxClient

t = Translator("en")
UNFINISHED = t("forms.unfinished", form=t("membership.form_title"))


async def test_back_cancel_and_resume(desk, sandbox: SandboxClient) -> None:
    await load_demo(desk)
    await sandbox.user(RIDER, "Rider", language="en")
    privacy = await say(sandbox, RIDER, "/join")
    assert privacy["text"] == plain("en", "membership.privacy")
    ask_name = await tap(sandbox, RIDER, privacy, "j:consent", "j:back")
    assert ask_name["text"].startswith("1/7")
    again = await tap(sandbox, RIDER, ask_name, "j:back", "j:consent")
    assert again["text"] == plain("en", "membership.privacy"), "Back from the name: the notice"
    ask_name = await tap(sandbox, RIDER, again, "j:consent", "j:back")
    ask_phone = await say(sandbox, RIDER, "Ah Qiang")
    assert ask_phone["text"].startswith("2/7") and ask_phone["reply_keyboard"]

    # Back on the phone step's reply keyboard comes as text: the name is asked again.
    sent = await sandbox.press_label(RIDER, t("forms.btn_back"))
    ask_name = await wait_for(sandbox, RIDER, sent, has_button("j:back"))
    assert ask_name["text"].startswith("1/7")

    # A command in the middle: answered, then the draft is offered back.
    sent = await sandbox.send(RIDER, "/help")
    offer = await wait_for(sandbox, RIDER, sent, lambda m: m["text"] == UNFINISHED)
    ask_name = await tap(sandbox, RIDER, offer, "fm:go", "j:back")
    assert ask_name["text"].startswith("1/7")

    # /join with the draft kept: Continue where it was.
    sent = await sandbox.send(RIDER, "/join")
    offer = await wait_for(sandbox, RIDER, sent, lambda m: m["text"] == UNFINISHED)
    ask_name = await tap(sandbox, RIDER, offer, "fm:go", "j:back")
    assert ask_name["text"].startswith("1/7")

    cancelled = await tap(sandbox, RIDER, ask_name, "j:cancel", "")
    assert cancelled["text"] == plain("en", "membership.cancelled")
    fresh = await say(sandbox, RIDER, "/join")
    assert fresh["text"] == plain("en", "membership.privacy"), "after Cancel: from the start"


async def test_choices_are_ticked_in_place(desk, sandbox: SandboxClient) -> None:
    await load_demo(desk)
    await sandbox.user(RIDER, "Rider", language="en")
    privacy = await say(sandbox, RIDER, "/join")
    await tap(sandbox, RIDER, privacy, "j:consent", "j:back")
    await say(sandbox, RIDER, "Ah Qiang")
    sent = await sandbox.send(RIDER, contact={"phone_number": "13800138000", "user_id": RIDER})
    platforms = await wait_for(sandbox, RIDER, sent, has_button("j:platform"))
    meituan = t("membership.platform.meituan")

    async def pressed_shows(label: str) -> list[str]:
        await sandbox.press(RIDER, platforms["message_id"], "j:platform:meituan")
        for _ in range(50):
            messages = await sandbox.messages(RIDER)
            now = next(m for m in messages if m["message_id"] == platforms["message_id"])
            labels = [b["text"] for row in now["buttons"] for b in row]
            if label in labels:
                break
            await asyncio.sleep(0.1)
        return labels

    # ticked, unticked, ticked again: on the same message
    assert meituan not in await pressed_shows(f"✅ {meituan}")
    assert f"✅ {meituan}" not in await pressed_shows(meituan)
    assert meituan not in await pressed_shows(f"✅ {meituan}")
    later = await sandbox.messages(RIDER, after=platforms["message_id"])
    assert not any(has_button("j:platform")(m) for m in later), "no new message per tick"
