"""The agenda's use cases on both databases: a collective issue on the agenda, support, a
meeting with its invitations, answers and reminder, outcomes with the linked riders told,
wrong moves refused, the solved count, and /mydata and /leave."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from models import Outbox, User
from models.agenda import AgendaItem, AgendaStatus, AgendaSupport, MeetingInvite
from models.cases import CollectiveIssue, CollectiveStatus
from models.db import make_engine, make_sessionmaker, unit_of_work
from services.agenda import items, meetings, outcomes, reminders, support
from services.agenda.places import places_of
from services.errors import Conflict, Forbidden, Invalid, NotFound
from services.guides import load_dir
from services.membership import own_view
from services.privacy.mydata import summary
from tests.agenda.conftest import REP_BJ, REP_XH, World, make_world

PLACES = places_of(load_dir("routes_data/demo"), "routes_data/demo")


@pytest.fixture
async def sessions(db_url: str):
    engine = make_engine(db_url)
    yield make_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture
async def world(sessions) -> World:
    async with unit_of_work(sessions) as s:
        return await make_world(s)


async def _outbox_texts(s, user_id: int) -> list[str]:
    rows = await s.execute(select(Outbox.payload).where(Outbox.user_id == user_id))
    return [p["text"] for p in rows.scalars()]


async def test_collective_issue_through_support_meeting_and_outcome(sessions, world) -> None:
    soon = datetime.now(UTC) + timedelta(hours=30)
    async with unit_of_work(sessions) as s:
        rep = await world.user(s, REP_XH)
        item = await items.from_collective(
            s, actor=rep, collective_id=world.collective_id, level="park"
        )
        assert item.status is AgendaStatus.proposed and item.zone_id == world.zone_id
        issue = await s.get(CollectiveIssue, world.collective_id)
        assert issue.status is CollectiveStatus.raised  # raised with it
        with pytest.raises(Conflict) as err:  # one item per collective issue
            await items.from_collective(
                s, actor=rep, collective_id=world.collective_id, level="park"
            )
        assert err.value.code == "agenda_collective_taken"
        item_id = item.id

    # Members support it with one tap each; again is still one; withdrawn is gone.
    async with unit_of_work(sessions) as s:
        a, b, other = [await world.user(s, tg) for tg in world.members[:3]]
        await support.support(s, user=a, item_id=item_id)
        again = await support.support(s, user=a, item_id=item_id)
        assert again.supporters == 1 and again.supported
        await support.support(s, user=b, item_id=item_id)
        await support.support(s, user=other, item_id=item_id)
        gone = await support.withdraw(s, user=other, item_id=item_id)
        assert gone.supporters == 2 and not gone.supported
        [listed] = await items.agenda(s, reader=a)
        assert listed.item.id == item_id and listed.supporters == 2 and listed.supported
        outsider = await world.user(s, world.bj_member)
        with pytest.raises(NotFound):  # another zone's item
            await support.support(s, user=outsider, item_id=item_id)
        assert await items.agenda(s, reader=outsider) == []

    # A representative of another zone may not schedule it; a time past is refused.
    async with unit_of_work(sessions) as s:
        with pytest.raises(Forbidden):
            await meetings.schedule(
                s,
                actor=await world.user(s, REP_BJ),
                item_ids=[item_id],
                kind="talk",
                starts_at=soon,
                place="Station 3",
            )
    async with unit_of_work(sessions) as s:
        rep = await world.user(s, REP_XH)
        with pytest.raises(Invalid) as err:
            await meetings.schedule(
                s,
                actor=rep,
                item_ids=[item_id],
                kind="talk",
                starts_at=soon - timedelta(days=3),
                place="Station 3",
            )
        assert err.value.code == "meeting_in_past"
        with pytest.raises(Invalid) as err:
            await meetings.schedule(
                s,
                actor=rep,
                item_ids=[item_id],
                kind="talk",
                starts_at=datetime(9999, 12, 31, 23, 0, tzinfo=UTC),
                place="Station 3",
            )
        assert err.value.code == "meeting_too_far"
        with pytest.raises(Invalid) as err:
            await meetings.schedule(
                s,
                actor=rep,
                item_ids=[item_id],
                kind="talk",
                starts_at=soon,
                place_id="nowhere",
                places=PLACES,
            )
        assert err.value.code == "meeting_unknown_place"
        meeting = await meetings.schedule(
            s,
            actor=rep,
            item_ids=[item_id],
            kind="property_manager",
            starts_at=soon,
            place_id="demo/xh-01",
            places=PLACES,
        )
        assert meeting.place == "柳岸晓风苑"
        meeting_id = meeting.id
        item = await s.get(AgendaItem, item_id)
        assert item.status is AgendaStatus.scheduled
        invited = (
            await s.execute(
                select(func.count())
                .select_from(MeetingInvite)
                .where(MeetingInvite.meeting_id == meeting_id)
            )
        ).scalar_one()
        assert invited == len(world.members)  # the zone's members (supporters among them)

    # Invitations with the answer buttons; the linked riders heard it was scheduled.
    async with unit_of_work(sessions) as s:
        a = await world.user(s, world.members[0])
        rows = (await s.execute(select(Outbox).where(Outbox.user_id == a.id))).scalars().all()
        invitation = next(r for r in rows if "invited" in r.payload["text"])
        assert "Liu'an Xiaofeng Court" in invitation.payload["text"]
        acts = [b["act"] for row in invitation.payload["actions"]["rows"] for b in row]
        assert acts == ["meeting_yes", "meeting_no"]
        reporter = await world.user(s, world.reporters[0])
        assert any("is now: scheduled" in t for t in await _outbox_texts(s, reporter.id))

    # Answers: yes, then changed to no; an outsider may not answer.
    async with unit_of_work(sessions) as s:
        a, b = [await world.user(s, tg) for tg in world.members[:2]]
        await meetings.answer(s, user=a, meeting_id=meeting_id, rsvp="yes")
        seen = await meetings.answer(s, user=b, meeting_id=meeting_id, rsvp="yes")
        assert seen.yes == 2
        seen = await meetings.answer(s, user=b, meeting_id=meeting_id, rsvp="no")
        assert (seen.yes, seen.no, seen.mine) == (1, 1, "no")
        with pytest.raises(Invalid):
            await meetings.answer(s, user=a, meeting_id=meeting_id, rsvp="maybe")
        with pytest.raises(Forbidden):
            await meetings.answer(
                s, user=await world.user(s, world.bj_member), meeting_id=meeting_id, rsvp="yes"
            )
        with pytest.raises(Conflict) as err:  # too late to answer
            await meetings.answer(
                s, user=a, meeting_id=meeting_id, rsvp="no", now=soon + timedelta(minutes=1)
            )
        assert err.value.code == "meeting_started"

    # The reminder a day before: once, to everyone invited but those who said no.
    async with unit_of_work(sessions) as s:
        early = await reminders.send_due_meeting_reminders(s, now=soon - timedelta(days=2))
        assert early == 0
        sent = await reminders.send_due_meeting_reminders(s, now=soon - timedelta(hours=20))
        assert sent == len(world.members) - 1
        assert await reminders.send_due_meeting_reminders(s, now=soon - timedelta(hours=19)) == 0
        b = await world.user(s, world.members[1])
        assert not any("Reminder" in t for t in await _outbox_texts(s, b.id))

    # Outcome: a wrong move is refused with its sentence; agreed, then done; riders told.
    async with unit_of_work(sessions) as s:
        rep = await world.user(s, REP_XH)
        with pytest.raises(Conflict) as err:
            await outcomes.record_outcome(s, actor=rep, item_id=item_id, to="done", decision="x")
        assert err.value.code == "agenda_not_done"
        with pytest.raises(Invalid) as err:
            await outcomes.record_outcome(s, actor=rep, item_id=item_id, to="agreed")
        assert err.value.code == "agenda_decision_missing"
        await outcomes.record_outcome(
            s,
            actor=rep,
            item_id=item_id,
            to="agreed",
            minutes="Manager came; 12 riders.",
            decision="Gate 3 opens to e-bikes from Monday.",
        )
        done = await outcomes.record_outcome(
            s, actor=rep, item_id=item_id, to="done", decision="Open since Monday."
        )
        assert done.status is AgendaStatus.done and done.closed_at is not None
        with pytest.raises(Conflict) as err:
            await outcomes.record_outcome(
                s, actor=rep, item_id=item_id, to="not_possible", decision="x"
            )
        assert err.value.code == "agenda_closed"
        [move] = [m for m in await items.moves(s, item_id=item_id) if m.to_status == "agreed"]
        assert move.meeting_id == meeting_id and move.minutes.startswith("Manager came")
        for tg in world.reporters:
            told = await _outbox_texts(s, (await world.user(s, tg)).id)
            assert any("is now: agreed" in t and "Gate 3 opens" in t for t in told)
            assert any("is now: done" in t for t in told)
        [solved] = await outcomes.solved_counts(s, actor=rep)
        assert (solved.zone_id, solved.count) == (world.zone_id, 1)
        assert await outcomes.solved_counts(s, actor=await world.user(s, REP_BJ)) == []


async def test_a_members_proposal_and_its_wrong_input(sessions, world) -> None:
    async with unit_of_work(sessions) as s:
        a = await world.user(s, world.members[0])
        for level, title, code in (
            ("galaxy", "Routes", "agenda_level_unknown"),
            ("station", "   ", "agenda_title_empty"),
            ("station", "x" * 201, "agenda_title_too_long"),
        ):
            with pytest.raises(Invalid) as err:
                await items.propose(s, user=a, level=level, title=title)
            assert err.value.code == code
        item = await items.propose(s, user=a, level="station", title=" Messy  routes at Station 3 ")
        assert item.title == "Messy routes at Station 3" and item.proposed_by_id == a.id
        stranger = User(telegram_id=1234, display_name="x")
        s.add(stranger)
        await s.flush()
        with pytest.raises(Forbidden):
            await items.propose(s, user=stranger, level="station", title="x")
        rep = await world.user(s, REP_XH)
        with pytest.raises(Conflict) as err:  # not talked through yet
            await outcomes.record_outcome(s, actor=rep, item_id=item.id, to="agreed", decision="y")
        assert err.value.code == "agenda_not_agreed"
        gone = await outcomes.record_outcome(
            s, actor=rep, item_id=item.id, to="not_possible", decision="The platform decides."
        )
        assert gone.status is AgendaStatus.not_possible
        assert any("not possible" in t for t in await _outbox_texts(s, a.id))


async def test_mydata_has_the_agenda_and_leave_unlinks_it(sessions, world) -> None:
    soon = datetime.now(UTC) + timedelta(days=3)
    async with unit_of_work(sessions) as s:
        a = await world.user(s, world.members[0])
        item = await items.propose(s, user=a, level="community", title="Newcomers get lost")
        await support.support(s, user=a, item_id=item.id)
        meeting = await meetings.schedule(
            s,
            actor=await world.user(s, REP_XH),
            item_ids=[item.id],
            kind="deliberation",
            starts_at=soon,
            place="Park hall",
        )
        await meetings.answer(s, user=a, meeting_id=meeting.id, rsvp="yes")
        data = await own_view.export_data(s, user=a)
        agenda = data["agenda"]
        assert [x["title"] for x in agenda["supports"]] == ["Newcomers get lost"]
        assert [(x["place"], x["rsvp"]) for x in agenda["meeting_answers"]] == [
            ("Park hall", "yes")
        ]
        assert [p["title"] for p in agenda["proposals"]] == ["Newcomers get lost"]
        assert "Supported 1 · answered 1 meeting invitations · proposed 1" in summary("en", data)
        user_id, item_id = a.id, item.id
    async with unit_of_work(sessions) as s:
        await own_view.leave(s, user=await s.get(User, user_id))
    async with unit_of_work(sessions) as s:
        for table in (AgendaSupport, MeetingInvite):
            assert (await s.execute(select(table).where(table.user_id == user_id))).first() is None
        assert (await s.get(AgendaItem, item_id)).proposed_by_id is None
        assert all(m.actor_id != user_id for m in await items.moves(s, item_id=item_id))
        counted = (await items.entries_for(s, [await s.get(AgendaItem, item_id)], reader=None))[0]
        assert counted.supporters == 1  # the support still counts, without a person
        view = await meetings.view(
            s, meeting=await s.get(meetings.Meeting, meeting.id), reader=None
        )
        assert view.yes == 1
