"""The agenda in chat, through the sandbox: two riders' reports make a collective issue, a
representative puts it on the agenda, members support it with one tap (and withdraw), a
meeting invites them with answer buttons, the reminder comes the day before to those who
did not say no, and the outcome reaches the riders whose reports started it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from models import Case
from models.db import unit_of_work
from services.agenda import items, meetings, outcomes, reminders
from services.agenda.places import places_of
from services.guides import load_dir
from tests.agenda.conftest import REP_XH, make_world
from tests.cases.conftest import button, drain, notice, pace, report
from tests.sandbox_client import SandboxClient

PLACES = places_of(load_dir("routes_data/demo"), "routes_data/demo")


@pytest.fixture
def sandbox_limits() -> dict[str, float]:
    return {"per_chat_rate": 50, "per_chat_burst": 50}


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    """Chat flows on SQLite; the services' tests run on both databases."""
    return sqlite_url


async def _edited(sandbox: SandboxClient, chat: int, message_id: int, contains: str) -> dict:
    """The message once edited to contain `contains` (the edit follows the tap's answer)."""
    for _ in range(50):
        found = next(m for m in await sandbox.messages(chat) if m["message_id"] == message_id)
        if contains in (found["text"] or ""):
            return found
        await asyncio.sleep(0.1)
    raise AssertionError(f"message {message_id} never showed {contains!r}: {found['text']}")


async def _tap(sandbox: SandboxClient, chat: int, message: dict, data: str) -> dict:
    await pace()
    return await sandbox.callback_answer(await sandbox.press(chat, message["message_id"], data))


async def test_collective_issue_to_agenda_support_meeting_reminder_outcome(desk, sandbox) -> None:
    async with unit_of_work(desk.ctx.sessions) as s:
        world = await make_world(s, collective=False)
    for tg in world.members:
        await sandbox.user(tg, f"Rider{tg}", language="en")
    await sandbox.user(REP_XH, "Li", language="zh")
    first, second, *_ = world.reporters + world.members
    for tg in world.reporters:  # the same gate, twice: one collective issue
        await report(sandbox, tg, text="Gate 3 blocks e-bikes")
        await pace()
    async with unit_of_work(desk.ctx.sessions) as s:
        collective_id = (
            (await s.execute(select(Case.collective_id).where(Case.collective_id.is_not(None))))
            .scalars()
            .first()
        )
        assert collective_id
        rep = await world.user(s, REP_XH)
        item = await items.from_collective(
            s, actor=rep, collective_id=collective_id, level="park", title="Gate 3 blocks e-bikes"
        )
        item_id = item.id

    # A member supports it with one tap, withdraws, supports again; the count follows.
    member, other = world.members[0], world.members[1]
    listing = await sandbox.reply_to(member, "/agenda")
    assert "Gate 3 blocks e-bikes" in listing["text"] and "👍 0" in listing["text"]
    answer = await _tap(sandbox, member, listing, f"ag:s:{item_id}")
    assert answer["text"] == f"👍 You support #{item_id} (1 supporters)"
    edited = await _edited(sandbox, member, listing["message_id"], "👍 1")
    assert button(edited, f"ag:w:{item_id}")
    answer = await _tap(sandbox, member, edited, f"ag:w:{item_id}")
    assert "withdrew" in answer["text"] and "(0 supporters)" in answer["text"]
    await _edited(sandbox, member, listing["message_id"], "👍 0")
    answer = await _tap(sandbox, member, edited, f"ag:s:{item_id}")
    assert "(1 supporters)" in answer["text"]

    # The representative lists the zone's agenda in chat.
    staff_view = await sandbox.reply_to(REP_XH, "/agenda")
    assert "Gate 3 blocks e-bikes" in staff_view["text"] and "👍 1" in staff_view["text"]
    assert not staff_view.get("buttons")

    # A meeting: invitations with answer buttons; the reporters hear it is scheduled.
    starts = datetime.now(UTC) + timedelta(hours=30)
    async with unit_of_work(desk.ctx.sessions) as s:
        meeting = await meetings.schedule(
            s, actor=await world.user(s, REP_XH), item_ids=[item_id], kind="property_manager",
            starts_at=starts, place_id="demo/st-1", places=PLACES,
        )  # fmt: skip
        meeting_id = meeting.id
    invitation = await notice(desk, sandbox, member, "You are invited")
    assert "three-party talk with the property manager" in invitation["text"]
    assert "Wensan Road rider station" in invitation["text"]
    yes = await _tap(sandbox, member, invitation, button(invitation, f"ag:y:{meeting_id}"))
    assert yes["text"].startswith("✅ Noted")
    declined = await notice(desk, sandbox, other, "You are invited")
    no = await _tap(sandbox, other, declined, button(declined, f"ag:n:{meeting_id}"))
    assert "cannot come" in no["text"]
    await notice(desk, sandbox, first, "is now: scheduled for a meeting")

    # The day before: a reminder to those who did not say no, once.
    async with unit_of_work(desk.ctx.sessions) as s:
        sent = await reminders.send_due_meeting_reminders(
            s, now=starts - timedelta(hours=20), places=PLACES
        )
        assert sent == len(world.members) - 1
    reminder = await notice(desk, sandbox, member, "Reminder")
    assert button(reminder, f"ag:n:{meeting_id}")
    await drain(desk)
    assert not any("Reminder" in (m["text"] or "") for m in await sandbox.messages(other))

    # The outcome: agreed with a decision, then done; both reporters are told each move.
    async with unit_of_work(desk.ctx.sessions) as s:
        rep = await world.user(s, REP_XH)
        await outcomes.record_outcome(
            s, actor=rep, item_id=item_id, to="agreed", minutes="The manager came.",
            decision="Gate 3 opens to e-bikes from Monday",
        )  # fmt: skip
        await outcomes.record_outcome(s, actor=rep, item_id=item_id, to="done", decision="Open")
    for tg in (first, second):
        told = await notice(desk, sandbox, tg, "is now: agreed")
        assert "Gate 3 opens to e-bikes from Monday" in told["text"]
        await notice(desk, sandbox, tg, "is now: done")
    # Done items leave the open agenda; a tap on the old button says why it cannot change.
    closed = await _tap(sandbox, member, edited, f"ag:w:{item_id}")
    assert "closed" in closed["text"]
