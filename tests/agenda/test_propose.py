"""/propose on the form engine, through the sandbox: each step answers wrong input with a
sentence saying what to send instead, Cancel works, and a proposal reaches the zone's
agenda where another member supports it (a member of another zone does not see it)."""

from __future__ import annotations

import pytest

from models.db import unit_of_work
from tests.agenda.conftest import make_world
from tests.chat import PNG, Chat, button, pace


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    return sqlite_url


@pytest.mark.fast_taps
async def test_propose_with_wrong_input_then_support(desk, sandbox) -> None:
    async with unit_of_work(desk.ctx.sessions) as s:
        world = await make_world(s, collective=False)
    for tg in (*world.members, world.bj_member, 830001):
        await sandbox.user(tg, f"Rider{tg}", language="en")
    member, other = Chat(sandbox, world.members[0]), Chat(sandbox, world.members[1])
    refused = await Chat(sandbox, 830001).say("/propose")  # not a member
    assert "member" in refused["text"]

    asked = await member.say("/propose")
    assert "At which level" in asked["text"]
    await pace()
    wrong = await member.say("community please")  # words where a button is asked
    assert "choose the level with a button" in wrong["text"]
    [title_q] = await member.press(wrong, "Station")
    assert "Level: station" in title_q["text"]
    await pace()
    photo = await member.photo(PNG)  # a photo where words are asked
    assert "in words" in photo["text"]
    await pace()
    too_long = await member.say("x" * 201)
    assert "too long" in too_long["text"] and "200" in too_long["text"]
    await pace()
    details_q = await member.say("Messy routes at Station 3")
    assert "Anything to add?" in details_q["text"]
    [confirm] = await member.press(details_q, "Skip")
    assert "Issue: Messy routes at Station 3" in confirm["text"]
    await pace()
    tap = await member.say("yes")  # words where Submit is asked
    assert "tap one of the buttons" in tap["text"]
    done = (await member.press(tap, "✅ Submit"))[-1]
    assert "Proposed as #" in done["text"], done
    item_id = int(done["text"].split("#")[1].split(" ")[0])

    # Cancel at a step: nothing is proposed.
    again = await other.say("/propose")
    cancelled = (await other.press(again, "✖️ Cancel"))[-1]
    assert "Nothing was sent" in cancelled["text"]

    # Another member of the zone sees it and supports it; a member of another zone does not.
    await pace()
    listing = await other.say("/agenda")
    assert "Messy routes at Station 3" in listing["text"]
    assert button(listing, f"ag:s:{item_id}")
    await pace()
    elsewhere = await Chat(sandbox, world.bj_member).say("/agenda")
    assert "Messy routes" not in elsewhere["text"]
