"""The form engine (bot/forms.py) driven through the sandbox with a real form, /report: Back
keeps answers, Cancel drops only its own draft, wrong input gets the step's sentence, a
command suspends the form and offers Continue / Discard, a stale button, and a restart."""

from __future__ import annotations

import pytest
from aiogram.fsm.context import FSMContext
from aiogram.fsm.storage.base import StorageKey

from tests.cases.conftest import RIDER, people
from tests.chat import PNG, Chat, button, buttons, pace
from tests.sandbox_client import SandboxClient

BACK, CANCEL = "⬅️ Back", "✖️ Cancel"
pytestmark = pytest.mark.fast_taps  # taps faster than a person

CENTRE = {"latitude": 30.2800, "longitude": 120.1300}


def _state(rt) -> FSMContext:  # type: ignore[no-untyped-def]
    key = StorageKey(bot_id=rt.ctx.bot.id, chat_id=RIDER, user_id=RIDER)
    return FSMContext(storage=rt.ctx.dp.storage, key=key)


async def _to_place(sandbox: SandboxClient, text: str = "Gate 3 blocks e-bikes") -> dict:
    menu = await sandbox.reply_to(RIDER, "/report")
    [asked] = await Chat(sandbox, RIDER).press(menu, "rp:cat:access")
    assert "Describe" in asked["text"]
    await pace()
    place = await sandbox.reply_to(RIDER, text)
    assert "Where?" in place["text"]
    return menu


async def _say(sandbox: SandboxClient, text: str, contains: str) -> dict:
    await pace()
    sent = await sandbox.send(RIDER, text)
    return await Chat(sandbox, RIDER).wait_for(contains, after=sent)


async def test_back_keeps_answers_and_wrong_input_gets_the_steps_sentence(
    desk, sandbox: SandboxClient
) -> None:
    await people(desk, sandbox)
    menu = await sandbox.reply_to(RIDER, "/report")
    assert CANCEL in buttons(menu) and BACK not in buttons(menu)  # no Back on the first step
    await pace()
    typed = await sandbox.reply_to(RIDER, "hello")
    assert "pick a category" in typed["text"]  # the step's own sentence
    [described] = await Chat(sandbox, RIDER).press(menu, "rp:cat:access")
    assert "Describe" in described["text"]
    await pace()
    await sandbox.reply_to(RIDER, "First words")
    # Back from the place (a reply keyboard: Back is one of its buttons) asks again.
    again = await _say(sandbox, BACK, "Describe")
    assert BACK in buttons(again)
    # Back on the description goes to the category, inline.
    [cats] = await Chat(sandbox, RIDER).press(again, button(again, "rp:back"))
    assert "rp:cat:access" in buttons(cats).values()
    await Chat(sandbox, RIDER).press(cats, "rp:cat:access")
    await pace()
    await sandbox.reply_to(RIDER, "Gate 3 blocks e-bikes")
    photos_q = await _say(sandbox, "Skip", "Any photos?")
    await pace()
    sticker = await sandbox.reply_to(RIDER, "not a photo")
    assert "Send photos here" in sticker["text"]
    await pace()
    kept = await sandbox.reply_to(RIDER, photo=PNG)
    anon = (await Chat(sandbox, RIDER).press(kept, button(kept, "rp:done")))[-1]
    # Back from the anonymity question: the photo is still there.
    [photos_again] = await Chat(sandbox, RIDER).press(anon, button(anon, "rp:back"))
    assert any("(1)" in label for label in buttons(photos_again)), photos_again
    anon = await Chat(sandbox, RIDER).press(photos_again, button(photos_again, "rp:done"))
    summary = await Chat(sandbox, RIDER).press(anon[-1], "rp:anon:0")
    assert "Gate 3 blocks e-bikes" in summary[-1]["text"]
    done = await Chat(sandbox, RIDER).press(summary[-1], button(summary[-1], "rp:submit"))
    assert "Reported as" in done[-1]["text"]
    assert photos_q["message_id"] < done[-1]["message_id"]


async def _tip_to_summary(sandbox: SandboxClient) -> dict:
    """The other form on the engine: a route tip, up to its summary."""
    menu = await sandbox.reply_to(RIDER, "/guide")
    [ask] = await Chat(sandbox, RIDER).press(menu, "gd:route:")
    assert ask["reply_keyboard"]  # asks for a location
    await pace()
    near = await sandbox.reply_to(RIDER, location=CENTRE)
    view = (await Chat(sandbox, RIDER).press(near, button(near, "gd:compound:")))[-1]
    [where] = await Chat(sandbox, RIDER).press(view, button(view, "gd:tip"))
    assert "What is the tip about?" in where["text"]
    [asked] = await Chat(sandbox, RIDER).press(where, button(where, "tp:on"))
    assert "Write your tip" in asked["text"]
    await pace()
    too_long = await sandbox.reply_to(RIDER, "x" * 501)
    assert "too long (501 characters)" in too_long["text"]
    await pace()
    summary = await sandbox.reply_to(RIDER, "North gate closes at 22:00")
    assert "Send it to a representative" in summary["text"]
    return summary


async def test_cancel_drops_only_its_own_draft(desk, sandbox: SandboxClient) -> None:
    await people(desk, sandbox)
    await _tip_to_summary(sandbox)
    await pace()
    menu = await sandbox.reply_to(RIDER, "/report")  # the tip waits; the report starts
    assert "rp:cat:access" in buttons(menu).values()
    [asked] = await Chat(sandbox, RIDER).press(menu, "rp:cat:access")
    [cancelled] = await Chat(sandbox, RIDER).press(asked, button(asked, "rp:cancel"))
    assert "Cancelled" in cancelled["text"]
    data = await _state(desk).get_data()
    assert "form:report" not in data and data["form:tip"]["step"] == "confirm"
    assert await _state(desk).get_state() is None

    offer = await _say(sandbox, "/start", "unfinished route tip")
    [summary] = await Chat(sandbox, RIDER).press(offer, "fm:go:tip")
    assert "North gate closes at 22:00" in summary["text"]
    done = await Chat(sandbox, RIDER).press(summary, button(summary, "tp:submit"))
    assert "Thank you" in done[-1]["text"]
    again = await Chat(sandbox, RIDER).press(summary, button(summary, "tp:submit"))
    assert "already with a representative" in again[-1]["text"]
    assert "form:tip" not in await _state(desk).get_data()


async def test_a_command_suspends_the_form_and_offers_to_continue(
    desk, sandbox: SandboxClient
) -> None:
    await people(desk, sandbox)
    menu = await _to_place(sandbox)
    offer = await _say(sandbox, "/mycases", "unfinished report")
    assert (await _state(desk).get_data())["form:report"]["step"] == "place"
    [asked] = await Chat(sandbox, RIDER).press(offer, "fm:go:report")
    assert "Where?" in asked["text"]  # the step it stopped at
    await _say(sandbox, "Skip", "Any photos?")

    # Opening the form again offers the draft too; starting over discards it.
    offer = await _say(sandbox, "/report", "unfinished report")
    assert set(buttons(offer).values()) == {"fm:go:report", "fm:new:report"}
    [fresh] = await Chat(sandbox, RIDER).press(offer, "fm:new:report")
    assert "rp:cat:access" in buttons(fresh).values()
    await Chat(sandbox, RIDER).press(fresh, "rp:cat:access")
    offer = await _say(sandbox, "/start", "unfinished report")
    [dropped] = await Chat(sandbox, RIDER).press(offer, "fm:drop:report")
    assert "discarded" in dropped["text"]
    assert "form:report" not in await _state(desk).get_data()

    # A button of the discarded form: one sentence, and nothing happens.
    await pace()
    answer = await sandbox.callback_answer(
        await sandbox.press(RIDER, menu["message_id"], "rp:cat:access")
    )
    assert "no longer open" in answer["text"]
    await pace()
    answer = await sandbox.callback_answer(
        await sandbox.press(RIDER, offer["message_id"], "fm:go:report")
    )
    assert "no longer open" in answer["text"]


async def test_a_restart_resumes_the_form(desks, sandbox: SandboxClient) -> None:
    rt = await desks.start()
    await people(rt, sandbox)
    menu = await sandbox.reply_to(RIDER, "/report")
    await Chat(sandbox, RIDER).press(menu, "rp:cat:access")
    await desks.stop(rt)
    rt = await desks.start()  # a new dispatcher on the same storage
    await pace()
    place = await sandbox.reply_to(RIDER, "Gate 3 after the restart")
    assert "Where?" in place["text"]
    described = await _say(sandbox, BACK, "Describe")
    assert "rp:back" in str(buttons(described).values())
    assert (await _state(rt).get_data())["form:report"]["values"]["description"]["text"] == (
        "Gate 3 after the restart"
    )
