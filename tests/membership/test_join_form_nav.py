"""The join form's Back, Cancel and resume: Back asks the step before again (also from the
phone step's reply keyboard), /join goes on where the rider left off, Cancel forgets it."""

from __future__ import annotations

from services.texts import Translator
from tests.membership.helpers import has_button, load_demo, plain, say, tap, wait_for
from tests.membership.test_join_flow import RIDER
from tests.sandbox_client import SandboxClient

t = Translator("en")


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
    sent = await sandbox.press_label(RIDER, t("btn.join_back"))
    ask_name = await wait_for(sandbox, RIDER, sent, has_button("j:back"))
    assert ask_name["text"].startswith("1/7")

    # Another command in between, then /join: the form goes on at the name.
    await say(sandbox, RIDER, "/help")
    sent = await sandbox.send(RIDER, "/join")
    resumed = await wait_for(sandbox, RIDER, sent)
    assert resumed["text"] == t("membership.resume")
    ask_name = await wait_for(sandbox, RIDER, resumed["message_id"], has_button("j:back"))
    assert ask_name["text"].startswith("1/7")

    cancelled = await tap(sandbox, RIDER, ask_name, "j:cancel", "")
    assert cancelled["text"] == plain("en", "membership.cancelled")
    fresh = await say(sandbox, RIDER, "/join")
    assert fresh["text"] == plain("en", "membership.privacy"), "after Cancel: from the start"
