"""The agenda in chat, through the sandbox: two riders' reports make a collective issue, a
representative puts it on the agenda, members support it with one tap (and withdraw), a
meeting invites them with answer buttons, the reminder comes the day before to those who
did not say no, and the outcome reaches the riders whose reports started it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from models import Case
from models.db import unit_of_work
from services.agenda import items, meetings, outcomes, reminders
from services.agenda.places import places_of
from services.guides import load_dir
from tests.agenda.conftest import REP_XH, make_world
from tests.cases.conftest import report
from tests.chat import Chat, button, deliver, pace

PLACES = places_of(load_dir("routes_data/demo"), "routes_data/demo")


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    """Chat flows on SQLite; the services' tests run on both databases."""
    return sqlite_url


@pytest.mark.fast_taps
async def test_collective_issue_to_agenda_support_meeting_reminder_outcome(desk, sandbox) -> None:
    async with unit_of_work(desk.ctx.sessions) as s:
        world = await make_world(s, collective=False)
    for tg in world.members:
        await sandbox.user(tg, f"Rider{tg}", language="en")
    await sandbox.user(REP_XH, "Li", language="zh")
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
    member, other = Chat(sandbox, world.members[0]), Chat(sandbox, world.members[1])
    listing = await member.say("/agenda")
    assert "Gate 3 blocks e-bikes" in listing["text"] and "👍 0" in listing["text"]
    await pace()
    answer = await member.answer(await member.tap(listing, f"ag:s:{item_id}"))
    assert answer["text"] == f"👍 You support #{item_id} (1 supporters)"
    edited = await member.edited(listing["message_id"], listing["text"])
    assert "👍 1" in edited["text"] and button(edited, f"ag:w:{item_id}")
    await pace()
    answer = await member.answer(await member.tap(edited, f"ag:w:{item_id}"))
    assert "withdrew" in answer["text"] and "(0 supporters)" in answer["text"]
    edited = await member.edited(listing["message_id"], edited["text"])
    assert "👍 0" in edited["text"]
    await pace()
    answer = await member.answer(await member.tap(edited, f"ag:s:{item_id}"))
    assert "(1 supporters)" in answer["text"]

    # The representative lists the zone's agenda in chat.
    staff_view = await Chat(sandbox, REP_XH).say("/agenda")
    assert "Gate 3 blocks e-bikes" in staff_view["text"] and "👍 1" in staff_view["text"]
    assert not staff_view.get("buttons")

    # A meeting at a rider station: invitations with answer buttons; the reporters hear it.
    starts = datetime.now(UTC) + timedelta(hours=30)
    async with unit_of_work(desk.ctx.sessions) as s:
        meeting = await meetings.schedule(
            s,
            actor=await world.user(s, REP_XH),
            item_ids=[item_id],
            kind="property_manager",
            starts_at=starts,
            place_id="demo/st-1",
            places=PLACES,
        )
        meeting_id = meeting.id
    invitation = await member.delivered(desk, "You are invited")
    assert "three-party talk with the property manager" in invitation["text"]
    assert "Wensan Road rider station" in invitation["text"]
    await pace()
    yes = await member.answer(await member.tap(invitation, f"ag:y:{meeting_id}"))
    assert yes["text"].startswith("✅ Noted")
    declined = await other.delivered(desk, "You are invited")
    await pace()
    no = await other.answer(await other.tap(declined, f"ag:n:{meeting_id}"))
    assert "cannot come" in no["text"]
    first, second = (Chat(sandbox, tg) for tg in world.reporters)
    await first.delivered(desk, "is now: scheduled for a meeting")

    # The day before: a reminder to those who did not say no, once.
    async with unit_of_work(desk.ctx.sessions) as s:
        sent = await reminders.send_due_meeting_reminders(
            s, now=starts - timedelta(hours=20), places=PLACES
        )
        assert sent == len(world.members) - 1
    reminder = await member.delivered(desk, "Reminder")
    assert button(reminder, f"ag:n:{meeting_id}")
    await deliver(desk)
    assert not any("Reminder" in (m["text"] or "") for m in await other.messages())

    # The outcome: agreed with a decision, then done; both reporters are told each move.
    async with unit_of_work(desk.ctx.sessions) as s:
        rep = await world.user(s, REP_XH)
        await outcomes.record_outcome(
            s,
            actor=rep,
            item_id=item_id,
            to="agreed",
            minutes="The manager came.",
            decision="Gate 3 opens to e-bikes from Monday",
        )
        await outcomes.record_outcome(s, actor=rep, item_id=item_id, to="done", decision="Open")
    for reporter in (first, second):
        told = await reporter.delivered(desk, "is now: agreed")
        assert "Gate 3 opens to e-bikes from Monday" in told["text"]
        await reporter.delivered(desk, "is now: done")
    # A tap on an old support button of the done item says why nothing changes.
    await pace()
    current = await member.message(listing["message_id"])
    closed = await member.answer(await member.tap(current, f"ag:w:{item_id}"))
    assert "closed" in closed["text"]
