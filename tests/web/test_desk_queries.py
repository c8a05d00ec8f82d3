"""The desk's own queries (services/desk) on SQLite and PostgreSQL: counts, filters, search,
member figures, phone reveals and the audit trail, each within the viewer's zones."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, Escalation, User, Zone
from models.db import make_engine, make_sessionmaker
from models.membership import Membership, MembershipStatus
from models.types import utcnow
from services.cases import reporting, triage
from services.cases.reporting import Report
from services.csv_export import csv_bytes
from services.demo import load_demo_data
from services.desk import audit, case_list, members, search
from services.desk.case_list import CaseFilter

ADMIN, REP_XH, REP_BJ, RIDER = 900001, 900002, 900003, 900101


@pytest.fixture
async def session(db_url: str) -> AsyncIterator[AsyncSession]:
    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)
    async with sessions() as s, s.begin():
        yield s
    await engine.dispose()


async def tg(session: AsyncSession, telegram_id: int) -> User:
    return (await session.execute(select(User).where(User.telegram_id == telegram_id))).scalar_one()


async def world(session: AsyncSession) -> dict[str, Case]:
    """Demo people; the rider a member in XH (phone, platforms) with three cases, one in BJ."""
    await load_demo_data(session)
    zones = {z.code: z for z in (await session.execute(select(Zone))).scalars()}
    rider = await tg(session, RIDER)
    rep = await tg(session, REP_XH)
    session.add(
        Membership(
            user_id=rider.id,
            zone_id=zones["XH"].id,
            status=MembershipStatus.active,
            member_number="XH-2026-0007",
            name="刘小明",
            phone="13800138000",
            platforms=["meituan", "eleme"],
            work_kinds=["food"],
            referrer_id=rep.id,
        )
    )
    await session.flush()
    made = {}
    for name, category, where, place in (
        ("gate", "access", (30.28, 120.13), "Sunny Garden 阳光花园"),
        ("fine", "platform", (30.2801, 120.1301), None),
        ("bj", "access", (30.21, 120.212), None),
    ):
        report = Report(
            category=category, description=f"{name} text", lat=where[0], lon=where[1], place=place
        )
        made[name] = await reporting.report_case(session, user=rider, report=report)
    return made


async def test_counts_and_filters_stay_in_the_viewers_zones(session: AsyncSession) -> None:
    made = await world(session)
    admin, rep_xh, rep_bj = [await tg(session, n) for n in (ADMIN, REP_XH, REP_BJ)]
    # One overdue, one escalated to level 2, one waiting for the rider.
    made["fine"].first_response_due_at = utcnow() - timedelta(minutes=5)
    session.add(Escalation(case_id=made["fine"].id, level=2, due_at=utcnow()))
    await triage.ask_rider(session, case_id=made["gate"].id, actor=rep_xh, question="Which gate?")
    await session.flush()

    xh = await case_list.counts(session, actor=rep_xh)
    assert (xh.open, xh.overdue, xh.waiting_for_rider) == (2, 1, 1)
    assert xh.by_level == {1: 0, 2: 1, 3: 0}
    assert (await case_list.counts(session, actor=admin)).open == 3
    assert (await case_list.counts(session, actor=rep_bj)).open == 1

    async def refs(actor: User, **kw: object) -> list[str]:
        page = await case_list.unresolved(session, actor=actor, filters=CaseFilter(**kw))  # type: ignore[arg-type]
        return [r.case.ref for r in page.rows]

    assert await refs(rep_xh) == [made["fine"].ref, made["gate"].ref]  # level 2 first
    assert await refs(rep_xh, overdue_only=True) == [made["fine"].ref]
    assert await refs(rep_xh, level=2) == [made["fine"].ref]
    assert await refs(rep_xh, level=0) == [made["gate"].ref]
    assert await refs(rep_xh, assignee_id=0) == [made["fine"].ref]
    assert await refs(rep_xh, assignee_id=rep_xh.id) == [made["gate"].ref]
    assert await refs(admin, category="access", sort="-ref") == [made["bj"].ref, made["gate"].ref]
    assert await refs(rep_bj, category="platform") == []
    page = await case_list.unresolved(session, actor=admin, filters=CaseFilter(page=9), size=2)
    assert (page.page, page.pages, len(page.rows)) == (2, 2, 1)  # a page past the end: the last


def test_unknown_filter_values_are_named_and_ignored() -> None:
    parsed = case_list.parse_filters(
        {
            "zone": "7",
            "category": "access",
            "severity": "catastrophic",
            "level": "9",
            "assignee": "0",
            "overdue": "1",
            "collective": "maybe",
            "sort": "-ref",
            "page": "x",
        },
        zone_ids={1, 2},
        staff_ids={5},
    )
    f = parsed.filter
    assert (f.zone_id, f.category, f.severity, f.level, f.assignee_id) == (
        None,
        "access",
        None,
        None,
        0,
    )
    assert f.overdue_only and f.sort == "-ref" and f.page == 1 and f.collective is None
    assert sorted(n for n, _ in parsed.ignored) == [
        "collective",
        "level",
        "page",
        "severity",
        "zone",
    ]
    assert f.query() == {"category": "access", "assignee": "0", "overdue": "1", "sort": "-ref"}


async def test_search_by_ref_number_name_phone_and_compound(session: AsyncSession) -> None:
    made = await world(session)
    rep_xh, rep_bj = await tg(session, REP_XH), await tg(session, REP_BJ)

    async def found(actor: User, q: str) -> tuple[list[str], list[str | None]]:
        r = await search.search(session, actor=actor, query=q)
        return [h.case.ref for h in r.cases], [h.membership.member_number for h in r.members]

    assert await found(rep_xh, made["gate"].ref.lower()) == ([made["gate"].ref], [])
    assert await found(rep_xh, "xh-2026-0007") == ([], ["XH-2026-0007"])
    assert await found(rep_xh, "小明") == ([], ["XH-2026-0007"])
    assert await found(rep_xh, "138 0013") == ([], ["XH-2026-0007"])
    assert await found(rep_xh, "阳光花园") == ([made["gate"].ref], [])
    assert await found(rep_xh, "100%") == ([], [])  # LIKE wildcards are plain text
    # Staff of another zone find neither the XH member nor the XH cases.
    assert await found(rep_bj, "小明") == ([], [])
    assert await found(rep_bj, made["gate"].ref) == ([], [])


async def test_member_figures_phone_reveal_and_audit(session: AsyncSession) -> None:
    made = await world(session)
    admin, rep_xh, rep_bj = [await tg(session, n) for n in (ADMIN, REP_XH, REP_BJ)]
    figures = await members.figures(session, actor=rep_xh)
    assert [(z.code, n) for z, n in figures.by_zone] == [("XH", 1)]
    assert figures.by_platform == {"meituan": 1, "eleme": 1}
    assert figures.by_work_kind == {"food": 1}
    assert [(u.telegram_id, a, p) for u, a, p in figures.recruits] == [(REP_XH, 1, 0)]
    assert (await members.figures(session, actor=rep_bj)).by_zone == []

    m = (await session.execute(select(Membership))).scalar_one()
    assert await members.reveal_phone(session, actor=rep_xh, membership_id=m.id) == "13800138000"
    with pytest.raises(Exception, match="member_not_found"):
        await members.reveal_phone(session, actor=rep_bj, membership_id=m.id)
    await triage.note(session, case_id=made["gate"].id, actor=rep_xh, message="called them")
    await triage.note(session, case_id=made["bj"].id, actor=admin, message="BJ note")
    await session.flush()

    everything = await audit.entries(session, viewer=admin)
    kinds = [(e.actor.telegram_id, e.kind, e.subject) for e in everything.entries]
    assert (REP_XH, "phone_revealed", "XH-2026-0007") in kinds
    assert (REP_XH, "note", made["gate"].ref) in kinds
    assert (ADMIN, "note", made["bj"].ref) in kinds
    assert all(e.actor.role.value != "rider" for e in everything.entries)  # staff actions only
    phones = await audit.entries(session, viewer=admin, kind="phone")
    assert [e.kind for e in phones.entries] == ["phone_revealed"]
    mine = await audit.entries(session, viewer=admin, actor_id=admin.id)
    assert {e.actor.id for e in mine.entries} == {admin.id}
    xh_only = await audit.entries(session, viewer=rep_xh)
    assert made["bj"].ref not in {e.subject for e in xh_only.entries}


def test_csv_has_a_bom_and_no_formulas() -> None:
    body = csv_bytes(["名字", "x"], [['=HYPERLINK("http://evil")', "-1"], ["@SUM(A1)", "ok"]])
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows == [["名字", "x"], ['\'=HYPERLINK("http://evil")', "'-1"], ["'@SUM(A1)", "ok"]]
