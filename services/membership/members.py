"""Who is a member, what a rider may type when joining, zones and referrals."""

from __future__ import annotations

import re
import secrets
from collections import Counter

from geopy.distance import geodesic
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Role, User, Zone
from models.membership import (
    Membership,
    MembershipStatus,
    ReferralCode,
)
from services.errors import Conflict, Forbidden, Invalid, NotFound
from services.local_time import local_date

OPEN = (MembershipStatus.pending, MembershipStatus.active)
STAFF_ROLES = (Role.rep, Role.senior, Role.admin)
NAME_LIMIT = 32
REJECT_REASON_LIMIT = 300
NEAREST_ZONE_LIMIT_KM = 15.0
PLATFORMS = ("meituan", "eleme", "huolala", "lalamove", "sf", "jd", "dada", "didi_freight", "other")
WORK_KINDS = ("food", "parcels", "freight", "ride_hail")
VEHICLES = ("ebike", "motorbike", "van", "car", "foot")
REJECT_REASONS = ("not_rider", "duplicate", "unverified", "outside_zone")
_MOBILE = re.compile(r"1[3-9]\d{9}")


async def active_membership(session: AsyncSession, *, user_id: int) -> Membership | None:
    """The user's active membership, or None (pending, rejected and left do not count)."""
    return (
        await session.execute(
            select(Membership).where(
                Membership.user_id == user_id, Membership.status == MembershipStatus.active
            )
        )
    ).scalar_one_or_none()


async def require_member(session: AsyncSession, *, user: User) -> Membership:
    """For member-only actions: raises Forbidden("not_member") for anyone not active."""
    assert user.id is not None
    membership = await active_membership(session, user_id=user.id)
    if membership is None:
        raise Forbidden("not_member")
    return membership


async def open_membership(session: AsyncSession, *, user_id: int) -> Membership | None:
    """The pending application or active membership of a user (at most one exists)."""
    return (
        await session.execute(
            select(Membership).where(Membership.user_id == user_id, Membership.status.in_(OPEN))
        )
    ).scalar_one_or_none()


async def ensure_can_apply(session: AsyncSession, *, user: User) -> None:
    """A second application is refused with the first one's status."""
    assert user.id is not None
    existing = await open_membership(session, user_id=user.id)
    if existing is None:
        return
    if existing.status is MembershipStatus.active:
        raise Conflict("already_member", number=existing.member_number or "")
    raise Conflict("already_applied", date=local_date(existing.applied_at))


def clean_name(raw: str) -> str:
    name = " ".join(raw.split())
    if not name:
        raise Invalid("member_name_empty")
    if len(name) > NAME_LIMIT:
        raise Invalid("member_name_too_long", limit=NAME_LIMIT, length=len(name))
    return name


def normalise_phone(raw: str) -> str:
    """A mainland mobile number as 11 digits; +86/0086 prefixes and separators allowed."""
    digits = re.sub(r"[\s\-()]", "", raw)
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            digits = digits[len(prefix) :]
            break
    if not _MOBILE.fullmatch(digits):
        raise Invalid("phone_invalid")
    return digits


def mask_phone(phone: str | None) -> str:
    if not phone:
        return "—"
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 8 else "****"


async def ensure_phone_free(session: AsyncSession, *, phone: str, user: User) -> None:
    """One open membership per phone number; says the other one's status."""
    other = (
        await session.execute(
            select(Membership).where(
                Membership.phone == phone,
                Membership.status.in_(OPEN),
                Membership.user_id != user.id,
            )
        )
    ).scalar_one_or_none()
    if other is not None:
        raise Conflict(f"phone_taken_{other.status.value}")


def _choice(value: str, allowed: tuple[str, ...], code: str) -> str:
    if value not in allowed:
        raise Invalid(code)
    return value


async def zones(session: AsyncSession) -> list[Zone]:
    return list((await session.execute(select(Zone).order_by(Zone.code))).scalars())


async def zone_by_id(session: AsyncSession, *, zone_id: int) -> Zone:
    zone = await session.get(Zone, zone_id)
    if zone is None:
        raise NotFound("member_zone_unknown")
    return zone


async def nearest_zone(
    session: AsyncSession, *, lat: float, lon: float, limit_km: float = NEAREST_ZONE_LIMIT_KM
) -> tuple[Zone, float]:
    """The zone whose centre is closest; NotFound("zone_too_far") past `limit_km`."""
    best: tuple[Zone, float] | None = None
    for zone in await zones(session):
        km = geodesic((lat, lon), (zone.lat, zone.lon)).km
        if best is None or km < best[1]:
            best = (zone, km)
    if best is None or best[1] > limit_km:
        raise NotFound("zone_too_far", km=round(best[1]) if best else 0, limit=int(limit_km))
    return best


def zone_name(zone: Zone | None, lang: str) -> str:
    if zone is None:
        return "—"
    return zone.name_en if lang == "en" else zone.name_zh


def _is_staff(user: User) -> bool:
    return user.role in STAFF_ROLES


async def referral_code(session: AsyncSession, *, user: User) -> str:
    """A representative's personal code (made on first use) for `/start ref_<code>`."""
    if not _is_staff(user):
        raise Forbidden("not_representative")
    row = await session.get(ReferralCode, user.id)
    if row is None:
        row = ReferralCode(user_id=user.id, code=secrets.token_hex(4))  # type: ignore[arg-type]
        session.add(row)
        await session.flush()
    return row.code


async def find_referrer(session: AsyncSession, *, code: str) -> User:
    code = code.strip().lower().removeprefix("ref_")
    row = (
        await session.execute(select(ReferralCode).where(ReferralCode.code == code))
    ).scalar_one_or_none()
    referrer = await session.get(User, row.user_id) if row else None
    if referrer is None or not _is_staff(referrer):
        raise NotFound("referral_unknown", code=code[:20])
    return referrer


async def recruits(session: AsyncSession, *, user: User) -> dict[str, int]:
    """How many riders a representative brought, by status (every status present)."""
    if not _is_staff(user):
        raise Forbidden("not_representative")
    rows = await session.execute(select(Membership.status).where(Membership.referrer_id == user.id))
    counts = Counter(status.value for status in rows.scalars())
    return {s.value: counts.get(s.value, 0) for s in MembershipStatus}
