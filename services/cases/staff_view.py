"""What a representative acts on, beyond the case itself: where it is in words (the compound
and building around the point, from the route data), who the rider is as the union knows them
(member name and number), and the rider's phone, shown only to the representative who has the
case and recorded each time it is shown."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, User
from models.membership import Membership
from services.cases.access import case_for_staff
from services.cases.events import record
from services.errors import Forbidden, NotFound
from services.guides import RouteData
from services.guides.geo import distance_m, point_in_polygon
from services.privacy.erasure import person_label

# A compound given as a point (no outline) counts as "here" this close to it; a building is
# named when the point is this close to it.
NEAR_COMPOUND_M = 120.0
NEAR_BUILDING_M = 40.0


@dataclass(frozen=True)
class Spot:
    compound: str
    compound_en: str | None
    building: str | None

    def name(self, lang: str) -> str:
        compound = (self.compound_en if lang == "en" else None) or self.compound
        return f"{compound} · {self.building}" if self.building else compound


def spot_of(routes: RouteData | None, *, lat: float | None, lon: float | None) -> Spot | None:
    """The compound the point lies in (and the building it is at), if the route data has one."""
    if routes is None or lat is None or lon is None:
        return None
    inside = [
        c
        for c in routes.compounds.values()
        if any(point_in_polygon(lon, lat, rings) for rings in c.polygons)
        or (not c.polygons and distance_m(lat, lon, c.lat, c.lon) <= NEAR_COMPOUND_M)
    ]
    if not inside:
        return None
    compound = min(inside, key=lambda c: distance_m(lat, lon, c.lat, c.lon))
    near = [
        (distance_m(lat, lon, b.lat, b.lon), b.label)
        for b in routes.buildings(compound)
        if distance_m(lat, lon, b.lat, b.lon) <= NEAR_BUILDING_M
    ]
    return Spot(compound.name, compound.name_en, min(near)[1] if near else None)


@dataclass(frozen=True)
class Rider:
    name: str  # the member name the union knows, else the chat name
    number: str | None  # the member number, if they are (or were) a member


async def rider_of(session: AsyncSession, *, case: Case, lang: str) -> Rider | None:
    if case.rider_id is None:
        return None
    user = await session.get(User, case.rider_id)
    membership = await _membership(session, user_id=case.rider_id)
    name = membership.name if membership else None
    if not name:  # a rider who left is "a former member", unless a pending claim keeps a name
        name = person_label(user, lang)
    return Rider(name or "—", membership.member_number if membership else None)


async def _membership(session: AsyncSession, *, user_id: int) -> Membership | None:
    return (
        await session.execute(
            select(Membership)
            .where(Membership.user_id == user_id)
            .order_by(Membership.id.desc())
            .limit(1)
        )
    ).scalar_one_or_none()


async def rider_phone(session: AsyncSession, *, case_id: int, actor: User) -> tuple[Case, str]:
    """The rider's phone for the representative who has the case; each look is an event."""
    case = await case_for_staff(session, case_id=case_id, actor=actor)
    if case.assignee_id != actor.id:
        raise Forbidden("phone_assignee_only", ref=case.ref)
    membership = await _membership(session, user_id=case.rider_id) if case.rider_id else None
    if membership is None or not membership.phone:
        raise NotFound("rider_phone_unknown", ref=case.ref)
    await record(session, case, actor=actor, kind="phone_shown", public=False)
    return case, membership.phone
