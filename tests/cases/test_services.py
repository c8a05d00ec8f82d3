"""Case use cases on both databases: numbering, the claim race, merge, collective issues,
the lifecycle, who may see what, and photo uploads."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import event, select

from models import Case, CaseClock, CaseEvent, CaseStatus, Outbox, User, Zone
from models.cases import CollectiveIssue
from models.db import make_engine, make_sessionmaker, unit_of_work
from models.membership import Membership, MembershipStatus
from services.cases import collective, reporting, rider_actions, states, triage
from services.cases.attachments import store_upload
from services.demo import load_demo_data
from services.errors import Conflict, Forbidden, Invalid, NotFound
from services.escalation.plan import plan, start_clock
from tests.chat import PNG

GATE = (30.2800, 120.1300)
NEAR_GATE = (30.2815, 120.1310)  # ~190 m away
FAR = (30.2900, 120.1300)  # ~1.1 km away


@pytest.fixture
async def sessions(db_url: str):
    engine = make_engine(db_url)
    yield make_sessionmaker(engine)
    await engine.dispose()


async def _rider(session, tg: int, zone_code: str = "XH") -> User:
    zone = (await session.execute(select(Zone).where(Zone.code == zone_code))).scalar_one()
    user = User(telegram_id=tg, display_name=f"rider {tg}", language="en")
    session.add(user)
    await session.flush()
    session.add(Membership(user_id=user.id, zone_id=zone.id, status=MembershipStatus.active))
    await session.flush()
    return user


async def _staff(session, tg: int) -> User:
    return (await session.execute(select(User).where(User.telegram_id == tg))).scalar_one()


@pytest.fixture
async def world(sessions):
    async with unit_of_work(sessions) as s:
        await load_demo_data(s)
        riders = [await _rider(s, 800000 + i) for i in range(4)]
    return riders


async def _report(sessions, rider: User, *, where=GATE, category="access", text="blocked"):
    async with unit_of_work(sessions) as s:
        rider = await s.get(User, rider.id)
        report = reporting.Report(category=category, description=text, lat=where[0], lon=where[1])
        return await reporting.report_case(s, user=rider, report=report)


async def test_refs_are_unique_when_reported_at_once(sessions, world) -> None:
    made = await asyncio.gather(*[_report(sessions, r) for r in world])
    refs = {c.ref for c in made}
    assert len(refs) == 4 and all(r.startswith("C-") for r in refs)


async def test_non_member_cannot_report_and_empty_text_is_refused(sessions, world) -> None:
    async with unit_of_work(sessions) as s:
        stranger = User(telegram_id=1, display_name="x")
        s.add(stranger)
        await s.flush()
        with pytest.raises(Forbidden) as err:
            await reporting.report_case(s, user=stranger, report=reporting.Report(category="other"))
        assert err.value.code == "not_member"
        rider = await s.get(User, world[0].id)
        with pytest.raises(Invalid) as err:
            await reporting.report_case(s, user=rider, report=reporting.Report(category="other"))
        assert err.value.code == "empty_description"
        photos = [reporting.Attachment(file_id=str(i)) for i in range(6)]
        with pytest.raises(Invalid, match="too_many_photos"):
            await reporting.report_case(
                s,
                user=rider,
                report=reporting.Report(category="other", description="x", photos=photos),
            )
        big = [reporting.Attachment(file_id="b", size=11 * 1024 * 1024)]
        with pytest.raises(Invalid, match="photo_too_big"):
            await reporting.report_case(
                s,
                user=rider,
                report=reporting.Report(category="other", description="x", photos=big),
            )


async def test_place_outside_the_service_area_is_kept_and_flagged(sessions, world) -> None:
    case = await _report(sessions, world[0], where=(39.9, 116.4))  # Beijing
    assert case.outside_area and case.zone_id is not None


async def test_claim_race_has_one_winner_and_the_loser_learns_who(sessions, world) -> None:
    case = await _report(sessions, world[0])

    async def claim(tg: int):
        async with unit_of_work(sessions) as s:
            return await triage.claim(s, case_id=case.id, actor=await _staff(s, tg))

    results = await asyncio.gather(claim(900002), claim(900004), return_exceptions=True)
    won = [r for r in results if isinstance(r, Case)]
    lost = [r for r in results if isinstance(r, Conflict)]
    assert len(won) == 1 and len(lost) == 1, results
    async with sessions() as s:
        winner = await s.get(User, won[0].assignee_id)
    assert lost[0].code == "already_claimed" and lost[0].params["by"] == winner.display_name
    async with sessions() as s:
        stored = await s.get(Case, case.id)
    assert stored.status is CaseStatus.acknowledged and stored.assignee_id == winner.id


async def test_a_rep_only_sees_their_zones_and_a_rider_only_their_cases(sessions, world) -> None:
    case = await _report(sessions, world[0])
    async with unit_of_work(sessions) as s:
        with pytest.raises(Forbidden):
            await triage.claim(s, case_id=case.id, actor=await _staff(s, 900003))  # BJ rep
        with pytest.raises(NotFound):
            await rider_actions.rider_view(s, case_id=case.id, user=await s.get(User, world[1].id))
        with pytest.raises(Forbidden):  # a rider pressing a representative's button
            await triage.claim(s, case_id=case.id, actor=await s.get(User, world[1].id))
        page = await triage.queue(s, actor=await _staff(s, 900003))
        assert page.total == 0
        assert (await triage.queue(s, actor=await _staff(s, 900001))).total == 1  # admin


async def test_lifecycle_refuses_moves_it_does_not_allow(sessions, world) -> None:
    assert states.can_move(CaseStatus.resolved, CaseStatus.in_progress)
    with pytest.raises(Conflict) as err:
        states.check_move(CaseStatus.closed, CaseStatus.in_progress)
    assert err.value.params == {"current": "closed", "target": "in_progress"}
    case = await _report(sessions, world[0])
    async with unit_of_work(sessions) as s:
        with pytest.raises(Conflict, match="bad_move"):  # new → resolved skips the claim
            await triage.resolve(s, case_id=case.id, actor=await _staff(s, 900002))


async def test_reopen_within_14_days_then_not_after(sessions, world) -> None:
    rider = world[0]
    with time_machine.travel("2026-03-01 10:00 +0000", tick=False) as clock:
        case = await _report(sessions, rider)
        async with unit_of_work(sessions) as s:
            rep = await _staff(s, 900002)
            await triage.claim(s, case_id=case.id, actor=rep)
            await triage.resolve(s, case_id=case.id, actor=rep, message="fixed")
        clock.shift(timedelta(days=3))
        async with unit_of_work(sessions) as s:
            again = await rider_actions.reopen(s, case_id=case.id, user=await s.get(User, rider.id))
            assert again.status is CaseStatus.in_progress
            await triage.resolve(s, case_id=case.id, actor=await _staff(s, 900002))
        clock.shift(timedelta(days=15))
        async with unit_of_work(sessions) as s:
            with pytest.raises(Conflict, match="reopen_expired"):
                await rider_actions.reopen(s, case_id=case.id, user=await s.get(User, rider.id))


async def test_merge_makes_reporters_follow_the_master_and_tells_them(sessions, world) -> None:
    master = await _report(sessions, world[0], text="gate 3 closed")
    dup = await _report(sessions, world[1], where=FAR, text="gate 3 again")
    async with unit_of_work(sessions) as s:
        rep = await _staff(s, 900002)
        with pytest.raises(NotFound):
            await triage.merge(s, case_id=dup.id, actor=rep, into_ref="C-1999-00001")
    async with unit_of_work(sessions) as s:
        rep = await _staff(s, 900002)
        merged = await triage.merge(s, case_id=dup.id, actor=rep, into_ref=master.ref.lower())
        assert merged.status is CaseStatus.merged and merged.merged_into_id == master.id
        follower = await s.get(User, world[1].id)
        assert (await rider_actions.rider_view(s, case_id=master.id, user=follower)).id == master.id
        with pytest.raises(Conflict, match="case_closed"):
            await rider_actions.add_info(s, case_id=dup.id, user=follower, text_="more")
        await triage.reply(s, case_id=master.id, actor=rep, message="talking to the manager")
    async with sessions() as s:
        texts = [
            o.payload["text"]
            for o in (
                await s.execute(
                    select(Outbox).where(Outbox.chat_id == world[1].telegram_id).order_by(Outbox.id)
                )
            ).scalars()
        ]
    assert any(master.ref in t and "merged into" in t for t in texts)
    assert "talking to the manager" in texts[-1]


async def test_a_report_finds_its_collective_past_many_open_neighbours_out_of_reach(
    sessions, world
) -> None:
    """The open collectives' cases are read a page at a time (8, 64, then 256 rows), so the
    one within reach may come after many in the box but beyond the 300 m radius."""
    north = (GATE[0] + 400 / 111_320, GATE[1])  # 400 m north: in the box, out of reach
    near = (GATE[0] + 100 / 111_320, GATE[1])  # 100 m north: within reach
    async with unit_of_work(sessions) as s:
        zone = (await s.execute(select(Zone).where(Zone.code == "XH"))).scalar_one()
        made = []
        for n, (lat, lon), count in ((0, north, 300), (1, near, 1)):
            issue = CollectiveIssue(zone_id=zone.id, category="access", lat=lat, lon=lon)
            s.add(issue)
            await s.flush()
            s.add_all(
                Case(
                    ref=f"T-{n}-{i}",
                    zone_id=zone.id,
                    category="access",
                    lat=lat,
                    lon=lon,
                    collective_id=issue.id,
                )
                for i in range(count)
            )
            made.append(issue.id)
    out_of_reach, within = made
    assert out_of_reach < within  # read first: all 300 before the one within reach
    case = await _report(sessions, world[0], where=GATE)
    async with sessions() as s:
        assert (await s.get(Case, case.id)).collective_id == within


async def test_a_new_case_row_is_written_once_with_its_collective_and_due_times(
    sessions, world
) -> None:
    """Grouped and planned before its INSERT: no UPDATE of the new row, and nothing read of
    a clock or an escalation history it cannot have yet; what is stored is what the planner
    says of the stored case."""
    first = await _report(sessions, world[0], where=GATE)
    await _report(sessions, world[1], where=NEAR_GATE)  # the two make a collective issue
    sent: list[str] = []

    def spy(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        sent.append(" ".join(statement.split()))

    engine = sessions.kw["bind"].sync_engine
    event.listen(engine, "before_cursor_execute", spy)
    try:
        third = await _report(sessions, world[2], where=GATE)
    finally:
        event.remove(engine, "before_cursor_execute", spy)
    assert not [q for q in sent if q.startswith('UPDATE "case"')]
    assert not [q for q in sent if "FROM case_clock" in q or "FROM escalation" in q]
    async with sessions() as s:
        case = await s.get(Case, third.id)
        clock = await s.get(CaseClock, third.id)
        assert case.collective_id is not None
        assert case.collective_id == (await s.get(Case, first.id)).collective_id
        assert clock is not None and clock.last_status == case.status.value
        due = plan(case, clock)
        assert case.first_response_due_at == due.first_response_due
        assert case.next_escalation_at == due.next_escalation_at is not None
        assert case.updated_at == case.created_at


async def test_collective_issue_groups_near_reports_and_tells_each_when_resolved(
    sessions, world
) -> None:
    a = await _report(sessions, world[0], where=GATE)
    b = await _report(sessions, world[1], where=NEAR_GATE)
    far = await _report(sessions, world[2], where=FAR)
    other_kind = await _report(sessions, world[3], where=GATE, category="ebike")
    async with sessions() as s:
        got = {c.id: c.collective_id for c in (await s.execute(select(Case))).scalars()}
    assert got[a.id] is not None and got[a.id] == got[b.id]
    assert got[far.id] is None and got[other_kind.id] is None

    async with unit_of_work(sessions) as s:
        rep = await _staff(s, 900002)
        [summary] = await collective.list_collectives(s, actor=rep)
        assert (summary.riders, summary.cases) == (2, 2)
        assert summary.first_at <= summary.last_at
        await collective.raise_collective(s, collective_id=summary.issue.id, actor=rep)
        await collective.resolve_collective(
            s, collective_id=summary.issue.id, actor=rep, message="gate reopened"
        )
    async with sessions() as s:
        for case_id, rider in ((a.id, world[0]), (b.id, world[1])):
            assert (await s.get(Case, case_id)).status is CaseStatus.resolved
            texts = [
                o.payload["text"]
                for o in (
                    await s.execute(select(Outbox).where(Outbox.chat_id == rider.telegram_id))
                ).scalars()
            ]
            assert any("gate reopened" in t for t in texts)
        kinds = [
            e.kind
            for e in (
                await s.execute(
                    select(CaseEvent).where(CaseEvent.case_id == a.id).order_by(CaseEvent.id)
                )
            ).scalars()
        ]
    assert kinds.count("status") == 3 and "collective_resolved" in kinds


async def test_internal_notes_never_reach_the_rider(sessions, world) -> None:
    case = await _report(sessions, world[0])
    async with unit_of_work(sessions) as s:
        await triage.note(s, case_id=case.id, actor=await _staff(s, 900002), message="secret")
    async with sessions() as s:
        rider = await s.get(User, world[0].id)
        history = await rider_actions.history(s, case=case, public_only=True)
        outbox = await s.execute(select(Outbox).where(Outbox.chat_id == rider.telegram_id))
        assert all("secret" not in o.payload["text"] for o in outbox.scalars())
    assert all(e.kind != "note" for e, _ in history)


def test_sla_comes_from_the_data_file() -> None:
    from datetime import UTC, datetime

    def first_response_due(code: str, severity: str, at: datetime) -> datetime:
        case = Case(category=code, severity=severity, created_at=at, updated_at=at)
        start_clock(case)  # what a new case is given before it is stored
        return case.first_response_due_at

    at = datetime(2026, 1, 1, tzinfo=UTC)
    assert first_response_due("accident", "urgent", at) - at == timedelta(minutes=15)
    # Office hours (services/data/sla_policy.toml): the New Year holidays, then Sunday 4 Jan,
    # a make-up working day (调休), 09:00-17:00 local.
    assert first_response_due("other", "normal", at) == datetime(2026, 1, 4, 9, tzinfo=UTC)


def test_uploads_are_stored_by_content_hash_and_checked_by_magic_bytes(tmp_path: Path) -> None:
    path, digest = store_upload(PNG, content_type="image/png", dir=tmp_path)
    assert path.read_bytes() == PNG and digest in path.name and path.suffix == ".png"
    assert store_upload(PNG, content_type=None, dir=tmp_path) == (path, digest)
    with pytest.raises(Invalid, match="not_an_image"):
        store_upload(b"%PDF-1.4 not a photo", content_type="image/png", dir=tmp_path)
    with pytest.raises(Invalid, match="not_an_image"):
        store_upload(PNG, content_type="image/jpeg", dir=tmp_path)  # the name lies
    with pytest.raises(Invalid, match="photo_too_big"):
        store_upload(b"\xff\xd8\xff" + bytes(11 * 1024 * 1024), content_type=None, dir=tmp_path)


async def test_a_case_links_to_a_wage_claim_in_both_histories(sessions, world) -> None:
    case = await _report(sessions, world[0], category="platform", text="fined, then not paid")
    other = await _report(sessions, world[1], text="gate closed")
    async with unit_of_work(sessions) as s:
        claim = Case(
            ref=await reporting.next_ref(s, year=2026),
            rider_id=world[0].id,
            zone_id=case.zone_id,
            category="wage_arrears",
            summary="station owes 800",
        )
        s.add(claim)
    async with unit_of_work(sessions) as s:
        rep = await _staff(s, 900002)
        with pytest.raises(Invalid, match="not_a_wage_claim"):
            await triage.link_wage_claim(s, case_id=case.id, actor=rep, claim_ref=other.ref)
    async with unit_of_work(sessions) as s:
        rep = await _staff(s, 900002)
        await triage.link_wage_claim(s, case_id=case.id, actor=rep, claim_ref=claim.ref)
    async with sessions() as s:
        kinds = {
            (e.case_id, e.kind, e.payload["ref"], e.public)
            for e in (await s.execute(select(CaseEvent))).scalars()
            if e.kind.startswith("linked")
        }
    assert kinds == {
        (case.id, "linked_claim", claim.ref, False),
        (claim.id, "linked_case", case.ref, False),
    }
    async with unit_of_work(sessions) as s:
        bj_rep = await _staff(s, 900003)  # another zone's representative
        with pytest.raises(Forbidden):
            await triage.link_wage_claim(s, case_id=case.id, actor=bj_rep, claim_ref=claim.ref)


async def test_a_follower_of_a_merged_case_never_reads_another_riders_words(
    sessions, world
) -> None:
    master = await _report(sessions, world[0], text="my private story at gate 3")
    dup = await _report(sessions, world[1], where=FAR, text="gate 3 again")
    async with unit_of_work(sessions) as s:
        rep = await _staff(s, 900002)
        await triage.merge(s, case_id=dup.id, actor=rep, into_ref=master.ref)
        await triage.reply(s, case_id=master.id, actor=rep, message="on it")
    async with sessions() as s:
        follower = await s.get(User, world[1].id)
        reporter = await s.get(User, world[0].id)
        case = await s.get(Case, master.id)
        seen = await rider_actions.rider_history(s, case=case, viewer=follower)
        own = await rider_actions.rider_history(s, case=case, viewer=reporter)
    assert all(actor is None or actor.id != world[0].id for _, actor in seen)
    assert any(e.payload.get("text") == "on it" for e, _ in seen)
    assert any(actor is not None and actor.id == world[0].id for _, actor in own)
