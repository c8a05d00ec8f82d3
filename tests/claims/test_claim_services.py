"""Claims through the services: deadline reminders sent once per deadline (and again when a
restart moves it), group claims, totals exact to the fen, stage rules and file checks."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import time_machine
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Outbox, User, Zone
from models.claims import ClaimStage, CounterpartyKind, WorkRelation
from models.db import make_engine, make_sessionmaker
from models.membership import Membership, MembershipStatus
from services.claims import filing, groups, progress
from services.claims import reminders as claims_reminders
from services.claims import rules as claims_rules
from services.demo import load_demo_data
from services.errors import Conflict, Forbidden, Invalid
from tests.claims.conftest import SH

MB = 1024 * 1024


@pytest.fixture
async def session(db_url: str):  # type: ignore[no-untyped-def]
    engine = make_engine(db_url)
    async with make_sessionmaker(engine)() as s:
        await load_demo_data(s)
        await s.commit()
        yield s
    await engine.dispose()


async def member(s: AsyncSession, tg: int, zone: str = "XH") -> User:
    zone_id = (await s.execute(select(Zone.id).where(Zone.code == zone))).scalar_one()
    user = User(telegram_id=tg, display_name=f"骑手{tg}", language="zh")
    s.add(user)
    await s.flush()
    s.add(Membership(user_id=user.id, zone_id=zone_id, status=MembershipStatus.active))  # type: ignore[arg-type]
    await s.flush()
    return user


async def staff(s: AsyncSession, tg: int) -> User:
    return (await s.execute(select(User).where(User.telegram_id == tg))).scalar_one()


def form(name: str = "顺丰 西溪站", fen: int = 4050, **kw: object) -> filing.ClaimForm:
    values: dict[str, object] = dict(
        counterparty_kind=CounterpartyKind.station,
        counterparty_name=name,
        relation=WorkRelation.agency,
        amount_fen=fen,
        period_start=date(2026, 1, 1),
        period_end=date(2026, 1, 31),
        knew_on=date(2026, 2, 10),
        work_ended_on=date(2026, 2, 1),
    )
    values.update(kw)
    return filing.ClaimForm(**values)  # type: ignore[arg-type]


async def file(s: AsyncSession, user: User, f: filing.ClaimForm, today: date = date(2026, 3, 1)):  # type: ignore[no-untyped-def]
    claim, _ = await filing.file_claim(s, user=user, form=f, today=today, max_bytes=20 * MB)
    return claim


async def notices(s: AsyncSession, tg: int) -> list[str]:
    rows = await s.execute(select(Outbox.payload).where(Outbox.chat_id == tg).order_by(Outbox.id))
    return [p["text"] for p in rows.scalars()]


async def test_reminders_once_per_deadline_and_again_after_a_restart(session: AsyncSession) -> None:
    s = session
    rider = await member(s, 700701)
    claim = await file(s, rider, form())  # knew 2026-02-10 → deadline 2027-02-10
    assert claim.deadline_on == date(2027, 2, 10)
    rep = await staff(s, 900002)

    with time_machine.travel(datetime(2026, 11, 11, 9, 0, tzinfo=SH)):  # 91 days before
        assert await claims_reminders.due_deadline_reminders(s, now=datetime.now(SH)) == []
    with time_machine.travel(datetime(2026, 11, 12, 9, 0, tzinfo=SH)):  # 90 days before
        now = datetime.now(SH)
        sent = await claims_reminders.send_due_deadline_reminders(s, now=now)
        assert [(r.claim_id, r.days_before) for r in sent] == [(claim.id, 90)]
        assert await claims_reminders.send_due_deadline_reminders(s, now=now) == []  # once only
        assert not await claims_reminders.mark_reminder_sent(
            s,
            claim_id=claim.id,
            days_before=90,
            deadline_on=date(2027, 2, 10),  # type: ignore[arg-type]
        )
    rider_texts = await notices(s, 700701)
    assert any("2027-02-10" in t and "还剩 90 天" in t for t in rider_texts)
    assert any("2027-02-10" in t for t in await notices(s, 900002))  # the zone's rep

    # Nobody filed by 4 February: the 7-day reminder, not the 30-day one as well.
    with time_machine.travel(datetime(2027, 2, 4, 9, 0, tzinfo=SH)):
        sent = await claims_reminders.send_due_deadline_reminders(s, now=datetime.now(SH))
        assert [r.days_before for r in sent] == [7]
        # The rider demanded payment on 1 February: a new year, and a new set of reminders.
        deadline = await progress.record_restart(
            s,
            claim_id=claim.id,
            user=rep,
            reason="demand",
            on=date(2027, 2, 1),  # type: ignore[arg-type]
            today=date(2027, 2, 4),
        )
        assert deadline.last_day == date(2028, 2, 1) and claim.deadline_on == date(2028, 2, 1)
        assert await claims_reminders.due_deadline_reminders(s, now=datetime.now(SH)) == []
    assert any("2028-02-01" in t for t in await notices(s, 700701))
    with time_machine.travel(datetime(2027, 11, 3, 9, 0, tzinfo=SH)):
        due = await claims_reminders.due_deadline_reminders(s, now=datetime.now(SH))
        assert [(r.days_before, r.deadline_on) for r in due] == [(90, date(2028, 2, 1))]
    # At the deadline nothing closes the claim quietly.
    with time_machine.travel(datetime(2028, 2, 2, 9, 0, tzinfo=SH)):
        assert await claims_reminders.send_due_deadline_reminders(s, now=datetime.now(SH)) == []
    assert claim.stage is ClaimStage.intake


async def test_group_claims_and_totals_to_the_fen(session: AsyncSession) -> None:
    s = session
    a, b, c = await member(s, 700711), await member(s, 700712), await member(s, 700713, "BJ")
    rep_xh, rep_bj = await staff(s, 900002), await staff(s, 900003)
    one = await file(s, a, form("顺丰 西溪站", 4050))
    two = await file(s, b, form("顺丰西溪站", 120001))  # same counterparty, typed differently
    await file(s, c, form("货拉拉", 99, relation=WorkRelation.freight_order))

    rows = await groups.same_counterparty(s, claim_id=two.id, actor=rep_xh)  # type: ignore[arg-type]
    assert [r[0].id for r in rows] == [two.id, one.id]
    with pytest.raises(Forbidden):
        await groups.same_counterparty(s, claim_id=two.id, actor=rep_bj)  # type: ignore[arg-type]
    group = await groups.join_as_group(s, claim_id=one.id, actor=rep_xh)  # type: ignore[arg-type]
    assert one.group_id == two.group_id == group.id
    with pytest.raises(Conflict):
        await groups.join_as_group(s, claim_id=one.id, actor=rep_xh)  # type: ignore[arg-type]
    assert any("集体索赔" in t for t in await notices(s, 700712))

    await progress.move_stage(s, claim_id=two.id, actor=rep_xh, stage=ClaimStage.negotiation)  # type: ignore[arg-type]
    with pytest.raises(Conflict):  # no way back
        await progress.move_stage(s, claim_id=two.id, actor=rep_xh, stage=ClaimStage.evidence)  # type: ignore[arg-type]
    with pytest.raises(Invalid):  # the amount is needed
        await progress.move_stage(s, claim_id=two.id, actor=rep_xh, stage=ClaimStage.recovered)  # type: ignore[arg-type]
    await progress.record_recovery(
        s,
        claim_id=two.id,
        actor=rep_xh,
        amount_fen=100000,
        on=date(2026, 2, 20),  # type: ignore[arg-type]
        today=date(2026, 3, 1),
    )
    assert progress.outcome_of(two) == "partial"
    await progress.move_stage(s, claim_id=one.id, actor=rep_xh, stage=ClaimStage.withdrawn)  # type: ignore[arg-type]

    by_cp = {t.label: t for t in await groups.claim_totals(s, by="counterparty")}
    sf = by_cp["顺丰 西溪站"]
    assert (sf.claims, sf.claimed_fen, sf.recovered_fen) == (2, 124051, 100000)
    assert sf.outstanding_fen == 0  # one partly recovered (closed), one withdrawn
    assert by_cp["货拉拉"].outstanding_fen == 99
    by_zone = {t.label: t for t in await groups.claim_totals(s, by="zone")}
    assert by_zone["西湖示范片区"].claimed_fen == 124051
    assert by_zone["滨江示范片区"].claimed_fen == 99
    [month] = await groups.claim_totals(s, by="month")
    assert (month.claimed_fen, month.recovered_fen, month.outstanding_fen) == (124150, 100000, 99)
    mine = await groups.claim_totals(s, by="zone", actor=rep_bj)
    assert [t.claimed_fen for t in mine] == [99]


async def test_bad_facts_and_files_are_refused(session: AsyncSession) -> None:
    s = session
    rider = await member(s, 700721)
    with pytest.raises(Invalid) as err:
        await file(s, rider, form(period_end=date(2025, 12, 1)))
    assert err.value.code == "period_end_before_start"
    with pytest.raises(Invalid) as err:
        await file(s, rider, form(knew_on=date(2026, 3, 2)))
    assert err.value.code == "date_in_future"
    big = claims_rules.EvidenceFile(
        item="contract",
        file_id="x",
        kind="document",
        file_name="a.pdf",
        mime_type="application/pdf",
        size=21 * MB,
    )
    with pytest.raises(Invalid) as err:
        await file(s, rider, form(evidence=[big]))
    assert err.value.code == "evidence_too_big"
    exe = claims_rules.EvidenceFile(
        item="contract",
        file_id="x",
        kind="document",
        file_name="a.exe",
        mime_type="application/x-msdownload",
        size=10,
    )
    with pytest.raises(Invalid) as err:
        await file(s, rider, form(evidence=[exe]))
    assert err.value.code == "evidence_type"
    stranger = User(telegram_id=700722, display_name="x")
    s.add(stranger)
    await s.flush()
    with pytest.raises(Forbidden) as forbidden:
        await file(s, stranger, form())
    assert forbidden.value.code == "not_member"

    claim = await file(s, rider, form(work_ongoing=True, work_ended_on=None))
    assert claim.deadline_on is None and claim.deadline_basis == "ongoing"
    rep = await staff(s, 900002)
    await progress.move_stage(s, claim_id=claim.id, actor=rep, stage=ClaimStage.arbitration)  # type: ignore[arg-type]
    ok = claims_rules.EvidenceFile(item="contract", file_id="y")
    with pytest.raises(Conflict) as locked:
        await progress.add_evidence(s, claim_id=claim.id, user=rider, files=[ok], max_bytes=MB)  # type: ignore[arg-type]
    assert locked.value.code == "claim_locked"


def test_wage_claims_are_a_known_category_but_not_offered_in_report() -> None:
    from services.cases.categories import categories, category

    assert category("wage_arrears").name("en") == "💰 Unpaid pay claim"
    assert "wage_arrears" in {c.code for c in categories()}
    assert "wage_arrears" not in {c.code for c in categories(reportable_only=True)}
