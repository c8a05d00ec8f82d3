"""A zone with members, a collective issue reported by two of them, and the demo staff."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from models import Case, User, Zone
from models.cases import CollectiveIssue
from models.membership import Membership, MembershipStatus
from services.demo import load_demo_data

ADMIN, REP_XH, REP_BJ, SENIOR = 900001, 900002, 900003, 900004
MEMBERS = (810001, 810002, 810003, 810004)
REPORTERS = (810003, 810004)  # their cases make the collective issue
BJ_MEMBER = 820001


@dataclass
class World:
    zone_id: int
    collective_id: int
    members: tuple[int, ...] = MEMBERS
    reporters: tuple[int, ...] = REPORTERS
    bj_member: int = BJ_MEMBER
    ids: dict[int, int] = field(default_factory=dict)

    async def user(self, session: Any, telegram_id: int) -> User:
        return (
            await session.execute(select(User).where(User.telegram_id == telegram_id))
        ).scalar_one()


async def _member(session: Any, telegram_id: int, zone: Zone, n: int) -> User:
    user = (
        await session.execute(select(User).where(User.telegram_id == telegram_id))
    ).scalar_one_or_none()
    if user is None:
        user = User(telegram_id=telegram_id, display_name=f"Rider{telegram_id}", language="en")
        session.add(user)
        await session.flush()
    user.language = "en"
    session.add(
        Membership(
            user_id=user.id,
            zone_id=zone.id,
            status=MembershipStatus.active,
            member_number=f"{zone.code}-{telegram_id}",
            name=f"Name{n}",
        )
    )
    await session.flush()
    return user


async def make_world(
    session: Any,
    *,
    members: tuple[int, ...] = MEMBERS,
    reporters: tuple[int, ...] = REPORTERS,
    collective: bool = True,
) -> World:
    """`collective=False`: no collective issue yet (the reporters make it in chat)."""
    await load_demo_data(session)
    zones = {z.code: z for z in (await session.execute(select(Zone))).scalars()}
    xh = zones["XH"]
    made = {tg: await _member(session, tg, xh, n) for n, tg in enumerate(members)}
    await _member(session, BJ_MEMBER, zones["BJ"], 99)
    if not collective:
        assert xh.id is not None
        return World(zone_id=xh.id, collective_id=0, members=members, reporters=reporters)
    issue = CollectiveIssue(
        zone_id=xh.id, category="access", lat=30.28, lon=120.13, place="Gate 3, Sunny Garden"
    )
    session.add(issue)
    await session.flush()
    for tg in reporters:
        session.add(
            Case(
                ref=f"C-AG-{tg}",
                rider_id=made[tg].id,
                zone_id=xh.id,
                category="access",
                summary="Gate 3 blocks e-bikes",
                lat=30.28,
                lon=120.13,
                collective_id=issue.id,
            )
        )
    await session.flush()
    assert xh.id is not None and issue.id is not None
    return World(zone_id=xh.id, collective_id=issue.id, members=members, reporters=reporters)
