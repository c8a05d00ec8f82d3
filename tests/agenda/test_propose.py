"""/propose through the sandbox: each step answers wrong input with a sentence saying what to
send instead, Cancel works, and a proposal reaches the zone's agenda where others support it."""

from __future__ import annotations

import pytest

from models.db import unit_of_work
from tests.agenda.conftest import make_world
from tests.cases.conftest import PNG, button, pace, press_and_wait


@pytest.fixture
def sandbox_limits() -> dict[str, float]:
    return {"per_chat_rate": 50, "per_chat_burst": 50}


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    return sqlite_url


async def test_propose_with_wrong_input_then_support(desk, sandbox) -> None:
    async with unit_of_work(desk.ctx.sessions) as s:
        world = await make_world(s, collective=False)
    member, other = world.members[0], world.members[1]
    for tg in (member, other, world.bj_member):
        await sandbox.user(tg, f"Rider{tg}", language="en")
    stranger = 830001
    await sandbox.user(stranger, "Stranger", language="en")
    refused = await sandbox.reply_to(stranger, "/propose")
    assert "member" in refused["text"]

    asked = await sandbox.reply_to(member, "/propose")
    assert "At which level" in asked["text"]
    await pace()
    wrong = await sandbox.reply_to(member, "community please")  # text where a button is asked
    assert "choose the level with a button" in wrong["text"]
    [title_q] = await press_and_wait(sandbox, member, wrong, button(wrong, "pp:lvl:station"))
    assert "Level: station" in title_q["text"]
    await pace()
    photo = await sandbox.reply_to(member, photo=PNG)  # a photo where words are asked
    assert "in words" in photo["text"]
    await pace()
    too_long = await sandbox.reply_to(member, "x" * 201)
    assert "too long" in too_long["text"] and "200" in too_long["text"]
    await pace()
    details_q = await sandbox.reply_to(member, "Messy routes at Station 3")
    assert "Anything to add?" in details_q["text"]
    [confirm] = await press_and_wait(sandbox, member, details_q, button(details_q, "pp:skip"))
    assert "Issue: Messy routes at Station 3" in confirm["text"]
    await pace()
    tap = await sandbox.reply_to(member, "yes")  # words where Submit is asked
    assert "Submit" in tap["text"]
    [done] = await press_and_wait(sandbox, member, tap, button(tap, "pp:submit"))
    assert "Proposed as #" in done["text"]
    item_id = int(done["text"].split("#")[1].split(" ")[0])

    # Cancel at a step: nothing is proposed.
    again = await sandbox.reply_to(other, "/propose")
    [cancelled] = await press_and_wait(sandbox, other, again, button(again, "pp:cancel"))
    assert "nothing was proposed" in cancelled["text"]

    # Another member of the zone sees it and supports it; a member of another zone does not.
    await pace()
    listing = await sandbox.reply_to(other, "/agenda")
    assert "Messy routes at Station 3" in listing["text"]
    assert button(listing, f"ag:s:{item_id}")
    await pace()
    elsewhere = await sandbox.reply_to(world.bj_member, "/agenda")
    assert "Messy routes" not in elsewhere["text"]
