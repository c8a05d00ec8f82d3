"""Riders' tips on compounds and gates: added by any rider, published after a representative
of the compound's zone approves, confirmed by other riders, stale after 90 quiet days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from models import Role, User, Zone, ZoneStaff
from models.guides import TIP_MAX_CHARS, Tip, TipConfirmation, TipStatus, TipTarget
from models.types import utcnow
from services import outbox
from services.actions import Act, Action
from services.activists.roles import is_zone_activist, zone_activist_ids
from services.errors import Conflict, Forbidden, Invalid, NotFound
from services.guides import geo
from services.guides.routes import Compound, RouteData

STALE_AFTER = timedelta(days=90)
REVIEWERS = (Role.rep, Role.senior)


@dataclass(frozen=True)
class Place:
    compound: Compound
    target_kind: TipTarget
    target_id: str
    entrance_name: str | None = None


def find_place(routes: RouteData, target_id: str) -> Place:
    """A compound id or an entrance id from the route data."""
    compound = routes.compound(target_id)
    if compound is not None:
        return Place(compound, TipTarget.compound, target_id)
    for cid, entrances in routes.entrances_by_compound.items():
        for e in entrances:
            if e.id == target_id:
                return Place(routes.compounds[cid], TipTarget.entrance, e.id, e.name or e.id)
    raise NotFound("tip_place_unknown")


def place_label(lang: str, place: Place) -> str:
    name = place.compound.name_en if lang == "en" and place.compound.name_en else None
    name = name or place.compound.name
    return f"{name} · {place.entrance_name}" if place.entrance_name else name


async def zone_for(session: AsyncSession, compound: Compound) -> Zone | None:
    """Zones are known by their centre only: a compound belongs to the nearest one."""
    zones = list((await session.execute(select(Zone))).scalars())
    return min(
        zones, key=lambda z: geo.distance_m(compound.lat, compound.lon, z.lat, z.lon), default=None
    )


async def reviewers(session: AsyncSession, *, zone_id: int | None) -> list[User]:
    """Representatives and activists of the zone; admins when the zone has none, so no tip
    waits unseen."""
    reps: list[User] = []
    if zone_id is not None:
        activists = select(User).where(User.id.in_(zone_activist_ids(zone_id))).order_by(User.id)
        reps = list(
            (
                await session.execute(
                    select(User)
                    .join(ZoneStaff, ZoneStaff.user_id == User.id)
                    .where(ZoneStaff.zone_id == zone_id, User.role.in_(REVIEWERS))
                    .order_by(User.id)
                )
            ).scalars()
        ) + list((await session.execute(activists)).scalars())
    if not reps:
        reps = list((await session.execute(select(User).where(User.role == Role.admin))).scalars())
    return reps


def _review_actions(tip_id: int) -> list[list[Action]]:
    return [[Action(Act.APPROVE_TIP, tip_id), Action(Act.REJECT_TIP, tip_id)]]


async def add_tip(
    session: AsyncSession, *, author: User, routes: RouteData, target_id: str, body: str
) -> Tip:
    """Saved as pending; the zone's representatives get it with Approve/Reject buttons."""
    body = body.strip()
    if not body:
        raise Invalid("tip_empty")
    if len(body) > TIP_MAX_CHARS:
        raise Invalid("tip_too_long", max=TIP_MAX_CHARS, length=len(body))
    place = find_place(routes, target_id)
    zone = await zone_for(session, place.compound)
    assert author.id is not None
    tip = Tip(
        target_kind=place.target_kind,
        target_id=place.target_id,
        compound_id=place.compound.id,
        zone_id=zone.id if zone else None,
        text=body,
        author_id=author.id,
    )
    session.add(tip)
    await session.flush()
    assert tip.id is not None
    for rep in await reviewers(session, zone_id=tip.zone_id):
        await outbox.notify(
            session,
            user=rep,
            key="guides.tip_for_review",
            actions=_review_actions(tip.id),
            author=author.display_name,
            place=place_label(rep.language, place),
            tip=body,
        )
    return tip


async def _may_review(session: AsyncSession, *, user: User, tip: Tip) -> bool:
    if user.role == Role.admin:
        return True
    if await is_zone_activist(session, user_id=user.id, zone_id=tip.zone_id):
        return True  # an activist of the zone reviews like its representatives
    if user.role not in REVIEWERS or tip.zone_id is None:
        return False
    return await session.get(ZoneStaff, (user.id, tip.zone_id)) is not None


async def decide_tip(
    session: AsyncSession, *, tip_id: int, reviewer: User, approve: bool, routes: RouteData
) -> Tip:
    """Publish or reject, once: the first decision wins, in the database, even when two
    representatives press at the same moment. The author is told either way."""
    tip = await session.get(Tip, tip_id)
    if tip is None:
        raise NotFound("tip_not_found")
    if not await _may_review(session, user=reviewer, tip=tip):
        raise Forbidden("tip_not_zone_rep")
    status = TipStatus.published if approve else TipStatus.rejected
    now = utcnow()
    done = await session.execute(
        update(Tip)
        .where(Tip.id == tip_id, Tip.status == TipStatus.pending)
        .values(status=status, decided_at=now, decided_by_id=reviewer.id)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        await session.refresh(tip)
        by = await session.get(User, tip.decided_by_id) if tip.decided_by_id else None
        raise Conflict("tip_already_decided", by=by.display_name if by else "?")
    await session.refresh(tip)
    author = await session.get(User, tip.author_id)
    if author is not None:
        try:
            label = place_label(author.language, find_place(routes, tip.target_id))
        except NotFound:  # the place left the route data since; the tip still is the tip
            label = tip.target_id
        await outbox.notify(
            session,
            user=author,
            key="guides.tip_published" if approve else "guides.tip_rejected",
            place=label,
            tip=tip.text,
        )
    return tip


async def confirm_tip(session: AsyncSession, *, tip_id: int, user: User) -> int:
    """ "Still true" from a rider; returns how many riders confirmed it now."""
    tip = await session.get(Tip, tip_id)
    if tip is None or tip.status != TipStatus.published:
        raise NotFound("tip_not_found")
    if tip.author_id == user.id:
        raise Conflict("tip_own")
    assert user.id is not None
    try:
        async with session.begin_nested():
            session.add(TipConfirmation(tip_id=tip_id, user_id=user.id))
    except IntegrityError:
        raise Conflict("tip_already_confirmed") from None
    return await _count(session, tip_id)


async def _count(session: AsyncSession, tip_id: int) -> int:
    q = select(func.count()).select_from(TipConfirmation).where(TipConfirmation.tip_id == tip_id)
    return int((await session.execute(q)).scalar_one())


@dataclass(frozen=True)
class TipView:
    tip: Tip
    confirmations: int
    last_confirmed_at: datetime | None
    stale: bool


async def published_tips(
    session: AsyncSession, *, compound_id: str, now: datetime | None = None
) -> list[TipView]:
    """The compound's published tips (its own and its gates'), freshest first; a tip nobody
    confirmed for 90 days (since publication, or its last confirmation) is stale."""
    now = now or utcnow()
    stats = (
        select(
            TipConfirmation.tip_id,
            func.count().label("n"),
            func.max(TipConfirmation.created_at).label("last"),
        )
        .group_by(TipConfirmation.tip_id)
        .subquery()
    )
    rows = await session.execute(
        select(Tip, stats.c.n, stats.c.last)
        .outerjoin(stats, stats.c.tip_id == Tip.id)
        .where(Tip.compound_id == compound_id, Tip.status == TipStatus.published)
    )
    views = []
    for tip, n, last in rows:
        fresh_since = max(d for d in (tip.decided_at, last, tip.created_at) if d is not None)
        views.append(TipView(tip, int(n or 0), last, now - fresh_since > STALE_AFTER))
    return sorted(views, key=lambda v: (v.stale, -v.tip.id))  # type: ignore[operator]
