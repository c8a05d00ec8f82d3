"""Members for the desk: applications waiting, members by zone, platform and kind of work,
recruits per representative, and a phone number revealed on purpose (and recorded)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import User, Zone
from models.membership import Membership, MembershipEvent, MembershipStatus
from services.cases.access import staff_zone_ids
from services.errors import NotFound
from services.membership import applications as membership_applications
from services.membership import own_view


@dataclass(frozen=True)
class Application:
    membership: Membership
    user: User | None
    zone: Zone | None
    referrer: User | None


@dataclass(frozen=True)
class Figures:
    by_zone: list[tuple[Zone, int]]
    by_platform: dict[str, int]
    by_work_kind: dict[str, int]
    recruits: list[tuple[User, int, int]]  # representative, active members, pending


async def waiting(session: AsyncSession, *, actor: User) -> list[Application]:
    """Applications the actor may decide, oldest first (the membership service's list)."""
    rows = await own_view.pending_applications(session, actor=actor, limit=200)
    people = {m.user_id for m in rows} | {m.referrer_id for m in rows if m.referrer_id}
    users = await _users(session, people)
    zones = {z.id: z for z in (await session.execute(select(Zone))).scalars()}
    return [
        Application(
            m,
            users.get(m.user_id),
            zones.get(m.zone_id),
            users.get(m.referrer_id) if m.referrer_id else None,
        )
        for m in rows
    ]


async def _users(session: AsyncSession, ids: set[int]) -> dict[int, User]:
    if not ids:
        return {}
    found = await session.execute(select(User).where(User.id.in_(ids)))
    return {u.id: u for u in found.scalars() if u.id is not None}


async def figures(session: AsyncSession, *, actor: User) -> Figures:
    """Active members of the actor's zones, counted three ways, and who brought whom."""
    zones = await staff_zone_ids(session, user=actor)
    scope = [Membership.status == MembershipStatus.active]
    if zones is not None:
        scope.append(Membership.zone_id.in_(zones))
    zone_counts = await session.execute(
        select(Zone, func.count(Membership.id))
        .join(Membership, Membership.zone_id == Zone.id)
        .where(*scope)
        .group_by(Zone.id)
        .order_by(Zone.code)
    )
    platforms: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    # Platforms and kinds of work are JSON lists: counted here, the same on both databases.
    lists = await session.execute(select(Membership.platforms, Membership.work_kinds).where(*scope))
    for ps, ks in lists.all():
        platforms.update(ps or [])
        kinds.update(ks or [])
    recruit_scope = [Membership.referrer_id.is_not(None)]
    if zones is not None:
        recruit_scope.append(Membership.zone_id.in_(zones))
    recruits = await session.execute(
        select(Membership.referrer_id, Membership.status, func.count())
        .where(*recruit_scope)
        .group_by(Membership.referrer_id, Membership.status)
    )
    per_rep: dict[int, Counter[str]] = {}
    for referrer_id, status, n in recruits.all():
        per_rep.setdefault(referrer_id, Counter())[MembershipStatus(status).value] += n
    reps = await _users(session, set(per_rep))
    recruit_rows = sorted(
        ((reps[r], c["active"], c["pending"]) for r, c in per_rep.items() if r in reps),
        key=lambda row: (-row[1], -row[2], row[0].display_name),
    )
    return Figures(
        by_zone=[(z, int(n)) for z, n in zone_counts.all()],
        by_platform=dict(platforms.most_common()),
        by_work_kind=dict(kinds.most_common()),
        recruits=recruit_rows,
    )


async def reveal_phone(session: AsyncSession, *, actor: User, membership_id: int) -> str:
    """A member's whole phone number, for staff of their zone; each reveal is recorded (the
    audit shows who looked whose number up, and when)."""
    m = await session.get(Membership, membership_id)
    if m is None or not await membership_applications.can_decide(
        session, actor=actor, zone_id=m.zone_id
    ):
        raise NotFound("member_not_found")
    if not m.phone:
        raise NotFound("member_no_phone")
    session.add(
        MembershipEvent(membership_id=m.id, actor_id=actor.id, kind="phone_revealed", payload={})  # type: ignore[arg-type]
    )
    return m.phone
