"""Accident help through the services: the steps files and their checks, the steps after an
accident report, an injury claim's stages and deadlines, refused moves, the rider told of
each change, reminders once per deadline, and what /mydata and /leave do with the claim."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, Outbox, User, Zone
from models.db import make_engine, make_sessionmaker
from models.injury import InjuryClaim, InjuryScheme, InjuryStage, InjuryStageMark
from models.membership import Membership, MembershipStatus
from services.cases.reporting import Report, report_case
from services.demo import load_demo_data
from services.errors import Conflict, Invalid, NotFound
from services.injury import claims, progress, reminders, steps
from services.injury.privacy import export_injury_claims
from services.injury.rules import allowed_moves
from services.membership.own_view import export_data, leave
from services.privacy.mydata import summary

S = InjuryStage
REP_XH = 900002
TODAY = date(2026, 6, 15)


@pytest.fixture(autouse=True)
def clock() -> Iterator[None]:
    """15 June 2026, 10:00 in Hangzhou."""
    with time_machine.travel(datetime(2026, 6, 15, 2, tzinfo=UTC), tick=True):
        yield


@pytest.fixture
async def session(db_url: str):  # type: ignore[no-untyped-def]
    engine = make_engine(db_url)
    async with make_sessionmaker(engine)() as s:
        await load_demo_data(s)
        await s.commit()
        yield s
    await engine.dispose()


async def member(s: AsyncSession, tg: int, zone: str = "XH", lang: str = "zh") -> User:
    zone_id = (await s.execute(select(Zone.id).where(Zone.code == zone))).scalar_one()
    user = User(telegram_id=tg, display_name=f"骑手{tg}", language=lang)
    s.add(user)
    await s.flush()
    s.add(
        Membership(
            user_id=user.id,  # type: ignore[arg-type]
            zone_id=zone_id,
            status=MembershipStatus.active,
            name="王小明",
            phone=f"1380000{tg % 10000:04d}",
        )
    )
    await s.flush()
    return user


async def rep(s: AsyncSession) -> User:
    return (await s.execute(select(User).where(User.telegram_id == REP_XH))).scalar_one()


async def texts_to(s: AsyncSession, tg: int) -> list[dict]:
    rows = await s.execute(select(Outbox.payload).where(Outbox.chat_id == tg).order_by(Outbox.id))
    return list(rows.scalars())


async def accident(s: AsyncSession, rider: User, when: datetime | None = None) -> Case:
    case = await report_case(
        s, user=rider, report=Report(category="accident", description="电动车被撞，手腕疼")
    )
    if when is not None:
        case.created_at = when
    return case


# --- the steps files --------------------------------------------------------------------------


def test_every_city_file_loads_with_both_languages() -> None:
    found = steps.load_dir()
    assert steps.for_zone("XH").city == "hangzhou"
    assert steps.for_zone("NOWHERE").default and steps.for_zone(None).default
    for city in found.values():
        for line in (*city.now, *city.keep, *(t.who for t in city.tell)):
            assert line.zh and line.en
        for scheme in InjuryScheme:
            assert set(city.plan(scheme)) == set(steps.DEADLINE_STAGES)
    zh = steps.steps_text("zh", steps.for_zone("XH"))
    en = steps.steps_text("en", steps.for_zone("XH"))
    assert "现在要做的" in zh and "杭州" in zh and "24 小时内" in zh
    assert "What to keep" in en and "Hangzhou" in en and "within 3 days" in en


def test_a_wrong_file_is_refused_with_every_problem_named(tmp_path: Path) -> None:
    good = (steps.DIR / "default.toml").read_text(encoding="utf-8")
    (tmp_path / "default.toml").write_text(good, encoding="utf-8")
    bad = (
        good.replace("default = true", "")
        .replace('city = "default"', 'city = "suzhou"')
        .replace("zones = []", 'zones = ["SZ"]')
        .replace('en = "Photos: the scene, your injuries, vehicle damage, the other plate."', "")
        .replace(
            'documents = { days = 14, from = "reported" }',
            'documents = { days = 14, from = "paid" }',
            1,
        )
        .replace("within_hours = 72", "within_hours = 0")
    )
    (tmp_path / "suzhou.toml").write_text(bad, encoding="utf-8")
    with pytest.raises(steps.StepsError) as err:
        steps.load_dir(tmp_path)
    message = str(err.value)
    assert "suzhou.toml: keep[0]: en is missing" in message
    assert "suzhou.toml: schemes.occupational: documents counts from 'paid'" in message
    assert "suzhou.toml: tell[1]: within_hours" in message
    # A zone served twice, and no default file.
    (tmp_path / "suzhou.toml").write_text(
        good.replace("default = true", "")
        .replace('city = "default"', 'city = "a"')
        .replace("zones = []", 'zones = ["XH"]'),
        encoding="utf-8",
    )
    (tmp_path / "b.toml").write_text(
        good.replace("default = true", "")
        .replace('city = "default"', 'city = "b"')
        .replace("zones = []", 'zones = ["XH"]'),
        encoding="utf-8",
    )
    (tmp_path / "default.toml").unlink()
    with pytest.raises(steps.StepsError, match=r"zone XH is already served by b\.toml"):
        steps.load_dir(tmp_path)


def test_deadlines_count_from_the_accident_or_an_earlier_stage() -> None:
    plan = steps.for_zone("XH").plan(InjuryScheme.work_injury)
    from services.injury.rules import next_deadline, stage_rows

    rows = stage_rows(
        plan=plan, accident_on=date(2024, 2, 29), reached={S.opened: date(2024, 3, 1)}
    )
    due = {r.stage: r.due_on for r in rows}
    assert due[S.reported] == date(2024, 3, 1)
    assert due[S.submitted] == date(2025, 2, 28)  # one year, as the Regulation counts it
    assert due[S.documents] is None and due[S.decided] is None  # their stage is not reached
    assert next_deadline(stage=S.opened, rows=rows) == (S.reported, date(2024, 3, 1))
    assert "工伤保险条例" in plan["decided"].source and plan["paid"].source == ""
    assert allowed_moves(S.opened) == [S.reported, S.withdrawn]
    assert allowed_moves(S.submitted) == [S.decided, S.refused, S.withdrawn]
    assert allowed_moves(S.paid) == []


# --- reports, claims, stages ------------------------------------------------------------------


async def test_an_accident_report_sends_the_steps_and_other_reports_do_not(
    session: AsyncSession,
) -> None:
    s = session
    rider = await member(s, 710001, lang="en")
    case = await accident(s, rider)
    sent = await texts_to(s, 710001)
    assert len(sent) == 1 and case.ref in sent[0]["text"]
    assert (
        "After an accident (Hangzhou)" in sent[0]["text"] and "Hospital papers" in sent[0]["text"]
    )
    acts = [a["act"] for row in sent[0]["actions"]["rows"] for a in row]
    assert acts == ["accident_steps", "see_my_case"]
    other = await member(s, 710002)
    await report_case(s, user=other, report=Report(category="ebike", description="电池坏了"))
    assert await texts_to(s, 710002) == []


async def test_a_claim_moves_one_stage_at_a_time_and_the_rider_hears_each(
    session: AsyncSession,
) -> None:
    s = session
    rider, staff = await member(s, 710011), await rep(s)
    case = await accident(s, rider, when=datetime(2026, 6, 10, 3, tzinfo=UTC))
    with pytest.raises(Invalid) as err:  # the accident cannot follow its report
        await claims.open_claim(
            s, case_id=case.id, actor=staff, today=TODAY, accident_on=date(2026, 6, 12)
        )
    assert err.value.code == "injury_after_report"
    view = await claims.open_claim(
        s,
        case_id=case.id,
        actor=staff,
        today=TODAY,
        accident_on=date(2026, 6, 9),
        injury="右手腕骨折",
        hospital="浙大二院",
    )
    claim = view.claim
    assert claim.city == "hangzhou" and claim.scheme is InjuryScheme.occupational
    assert (claim.due_stage, claim.due_on) == ("reported", date(2026, 6, 10))
    with pytest.raises(Conflict):
        await claims.open_claim(s, case_id=case.id, actor=staff, today=TODAY)
    assert case.assignee_id == staff.id

    async def move(stage: S, on: date) -> claims.ClaimView:
        return await progress.move_stage(
            s, claim_id=claim.id, actor=staff, stage=stage, on=on, today=TODAY, note="已打客服"
        )

    with pytest.raises(Conflict) as err:  # no skipping
        await move(S.submitted, TODAY)
    assert err.value.code == "injury_bad_stage"
    assert err.value.params["allowed"] == "reported, withdrawn"
    with pytest.raises(Invalid) as err:  # "reported on" a day still to come
        await move(S.reported, date(2026, 6, 16))
    assert err.value.code == "date_in_future"
    with pytest.raises(Invalid) as err:
        await move(S.reported, date(2026, 6, 8))
    assert err.value.code == "injury_before_accident"
    view = await move(S.reported, date(2026, 6, 10))
    assert (claim.due_stage, claim.due_on) == ("documents", date(2026, 6, 24))
    with pytest.raises(Invalid) as err:
        await move(S.documents, date(2026, 6, 9))
    assert err.value.code == "injury_before_last_stage"
    await move(S.documents, date(2026, 6, 14))
    assert (claim.due_stage, claim.due_on) == ("submitted", date(2026, 7, 9))
    with pytest.raises(Conflict):  # refusal needs a submitted application
        await move(S.refused, TODAY)
    await move(S.submitted, TODAY)
    await move(S.refused, TODAY)
    assert claim.due_on is None
    with pytest.raises(Conflict) as err:
        await move(S.decided, TODAY)
    assert err.value.code == "injury_claim_closed"
    told = [p["text"] for p in await texts_to(s, 710011)]
    assert "已立案" not in told[0] and "发生事故后" in told[0]  # the steps first
    assert "新就业形态职业伤害保障" in told[1] and "已向平台报案" in told[1]
    assert any("「已向平台报案」（2026-06-10）" in t for t in told)
    assert any("「被拒绝」" in t and "复核" in t for t in told)
    marks = (
        await s.execute(select(InjuryStageMark.stage).where(InjuryStageMark.claim_id == claim.id))
    ).scalars()
    assert list(marks) == [S.opened, S.reported, S.documents, S.submitted, S.refused]


async def test_only_the_zones_staff_open_claims_and_only_on_accidents(
    session: AsyncSession,
) -> None:
    s = session
    rider = await member(s, 710021)
    case = await accident(s, rider)
    bj = (await s.execute(select(User).where(User.telegram_id == 900003))).scalar_one()
    with pytest.raises(Exception) as err:
        await claims.open_claim(s, case_id=case.id, actor=bj, today=TODAY)
    assert getattr(err.value, "code", "") == "case_not_your_zone"
    other = await report_case(s, user=rider, report=Report(category="ebike", description="坏了"))
    with pytest.raises(Invalid, match="not_an_accident"):
        await claims.open_claim(s, case_id=other.id, actor=await rep(s), today=TODAY)
    view = await claims.open_claim(s, case_id=case.id, actor=await rep(s), today=TODAY)
    stranger = await member(s, 710022)
    with pytest.raises(NotFound):
        await claims.claim_for(s, claim_id=view.claim.id, user=stranger)  # type: ignore[arg-type]
    assert (await claims.claim_for(s, claim_id=view.claim.id, user=rider))[0] is view.claim  # type: ignore[arg-type]


async def test_reminders_go_once_before_the_nearest_deadline(session: AsyncSession) -> None:
    s = session
    rider, staff = await member(s, 710031), await rep(s)
    case = await accident(s, rider, when=datetime(2026, 6, 1, 3, tzinfo=UTC))
    view = await claims.open_claim(
        s, case_id=case.id, actor=staff, today=date(2026, 6, 1), accident_on=date(2026, 6, 1)
    )
    await progress.move_stage(
        s,
        claim_id=view.claim.id,
        actor=staff,
        stage=S.reported,
        on=date(2026, 6, 1),
        today=date(2026, 6, 1),
    )
    assert view.claim.due_on == date(2026, 6, 15)  # documents: 14 days after the report
    early = datetime(2026, 6, 1, 2, tzinfo=UTC)
    assert await reminders.send_due_reminders(s, now=early) == []
    week = datetime(2026, 6, 8, 2, tzinfo=UTC)  # 10:00 in Hangzhou, 7 days before
    sent = await reminders.send_due_reminders(s, now=week)
    assert [(r.stage, r.days_before) for r in sent] == [("documents", 7)]
    assert await reminders.send_due_reminders(s, now=week) == []
    later = datetime(2026, 6, 13, 2, tzinfo=UTC)  # 2 days left: the 3-day one
    assert [r.days_before for r in await reminders.send_due_reminders(s, now=later)] == [3]
    rider_texts = [p["text"] for p in await texts_to(s, 710031)]
    assert sum("⏰" in t for t in rider_texts) == 2
    assert any("「材料已备齐」最迟在 2026-06-15，还有 7 天" in t for t in rider_texts)
    staff_texts = [p["text"] for p in await texts_to(s, REP_XH)]
    assert any("⏰" in t and case.ref in t for t in staff_texts)


async def test_mydata_exports_the_claim_and_leave_erases_its_health_details(
    session: AsyncSession,
) -> None:
    s = session
    rider, staff = await member(s, 710041), await rep(s)
    case = await accident(s, rider)
    view = await claims.open_claim(
        s, case_id=case.id, actor=staff, today=TODAY, injury="左腿骨裂", hospital="西溪医院"
    )
    await progress.move_stage(
        s,
        claim_id=view.claim.id,
        actor=staff,
        stage=S.reported,
        on=TODAY,
        today=TODAY,
        note="骑手说膝盖也疼",
    )
    data = await export_data(s, user=rider)
    [exported] = data["injury_claims"]
    assert exported["injury"] == "左腿骨裂" and exported["hospital"] == "西溪医院"
    assert [m["stage"] for m in exported["stages"]] == ["opened", "reported"]
    assert exported["stages"][1]["note"] == "骑手说膝盖也疼"
    readable = summary("zh", data)
    assert "工伤索赔" in readable and "左腿骨裂" in readable and "已向平台报案" in readable
    await leave(s, user=rider)
    await s.flush()
    claim = (
        await s.execute(select(InjuryClaim).where(InjuryClaim.id == view.claim.id))
    ).scalar_one()
    await s.refresh(claim)
    assert (claim.injury, claim.hospital, claim.stage, claim.due_on) == ("", "", S.withdrawn, None)
    notes = (
        await s.execute(select(InjuryStageMark.note).where(InjuryStageMark.claim_id == claim.id))
    ).scalars()
    assert set(notes) == {""}
    [after] = await export_injury_claims(s, user_id=rider.id)  # type: ignore[arg-type]
    assert "左腿" not in str(after) and "西溪医院" not in str(after)
