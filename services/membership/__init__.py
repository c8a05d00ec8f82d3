"""Membership use cases: who is a member, joining, deciding, export and leaving.

Riders apply; representatives of the application's zone decide. Exactly one decision wins
(a conditional UPDATE on status='pending'), member numbers come from a per zone+year
counter bumped atomically, and every change writes a MembershipEvent row. Phone numbers
are never logged; staff outside the rider's zone only ever see them masked.
"""

from __future__ import annotations

import re
import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from geopy.distance import geodesic
from sqlalchemy import and_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, Role, User, Zone, ZoneStaff
from models.membership import (
    MemberNumberCounter,
    Membership,
    MembershipEvent,
    MembershipStatus,
    ReferralCode,
)
from models.types import utcnow
from services import outbox
from services.actions import Act, Action
from services.errors import Conflict, Forbidden, Invalid, NotFound
from services.local_time import local_date
from services.membership import application_cards
from services.privacy.erasure import ForgetChat, erase_person
from services.texts import text

OPEN = (MembershipStatus.pending, MembershipStatus.active)
STAFF_ROLES = (Role.rep, Role.senior, Role.admin)
NAME_LIMIT = 32
REJECT_REASON_LIMIT = 300
NEAREST_ZONE_LIMIT_KM = 15.0
PLATFORMS = ("meituan", "eleme", "huolala", "lalamove", "sf", "jd", "dada", "didi_freight", "other")
WORK_KINDS = ("food", "parcels", "freight", "ride_hail")
VEHICLES = ("ebike", "motorbike", "van", "car", "foot")
REJECT_REASONS = ("not_rider", "duplicate", "unverified", "outside_zone")
# Callback data of the decision buttons; bot/routers/membership.py parses the same shape.
DECIDE_APPROVE, DECIDE_REJECT = "md:a:{id}", "md:r:{id}"
_MOBILE = re.compile(r"1[3-9]\d{9}")


# --- who is a member -----------------------------------------------------------------


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


# --- checking what a rider typed -----------------------------------------------------


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


# --- zones ---------------------------------------------------------------------------


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


# --- referral ------------------------------------------------------------------------


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


# --- applying ------------------------------------------------------------------------


@dataclass
class Application:
    name: str
    phone: str
    platforms: list[str]
    work_kinds: list[str]
    zone_id: int
    vehicle: str
    referrer_id: int | None = None


async def _event(
    session: AsyncSession, m: Membership, kind: str, actor: User | None, **payload: Any
) -> None:
    assert m.id is not None
    session.add(
        MembershipEvent(
            membership_id=m.id, actor_id=actor.id if actor else None, kind=kind, payload=payload
        )
    )


async def apply(session: AsyncSession, *, user: User, form: Application) -> Membership:
    """Files an application and sends it to the zone's representatives (and its group)."""
    await ensure_can_apply(session, user=user)
    name, phone = clean_name(form.name), normalise_phone(form.phone)
    await ensure_phone_free(session, phone=phone, user=user)
    if not form.platforms or not form.work_kinds:
        raise Invalid("platforms_missing")
    for p in form.platforms:
        _choice(p, PLATFORMS, "platforms_missing")
    for k in form.work_kinds:
        _choice(k, WORK_KINDS, "platforms_missing")
    _choice(form.vehicle, VEHICLES, "vehicle_missing")
    zone = await zone_by_id(session, zone_id=form.zone_id)
    m = Membership(
        user_id=user.id,  # type: ignore[arg-type]
        zone_id=zone.id,
        name=name,
        phone=phone,
        platforms=list(dict.fromkeys(form.platforms)),
        work_kinds=list(dict.fromkeys(form.work_kinds)),
        vehicle=form.vehicle,
        referrer_id=form.referrer_id,
    )
    try:
        async with session.begin_nested():  # the partial unique indexes settle a race
            session.add(m)
            await session.flush()
    except IntegrityError:
        await ensure_can_apply(session, user=user)
        raise Conflict("phone_taken_pending") from None
    await _event(session, m, "applied", user, zone=zone.code, referrer_id=form.referrer_id)
    await _announce(session, m, zone)
    return m


async def zone_staff(session: AsyncSession, *, zone_id: int) -> list[User]:
    rows = await session.execute(
        select(User)
        .join(ZoneStaff, ZoneStaff.user_id == User.id)
        .where(ZoneStaff.zone_id == zone_id, User.role.in_(STAFF_ROLES))
        .order_by(User.id)
    )
    return list(rows.scalars())


def decision_markup(lang: str, membership_id: int) -> dict[str, Any]:
    return {
        "inline_keyboard": [
            [
                {
                    "text": text(lang, "btn.member_approve"),
                    "callback_data": DECIDE_APPROVE.format(id=membership_id),
                },
                {
                    "text": text(lang, "btn.member_reject"),
                    "callback_data": DECIDE_REJECT.format(id=membership_id),
                },
            ]
        ]
    }


async def application_text(
    session: AsyncSession, m: Membership, *, lang: str, full_phone: bool
) -> str:
    zone = await session.get(Zone, m.zone_id) if m.zone_id else None
    referrer = await session.get(User, m.referrer_id) if m.referrer_id else None
    return text(
        lang,
        "membership.application",
        name=m.name or "—",
        phone=m.phone if full_phone else mask_phone(m.phone),
        platforms=", ".join(text(lang, f"membership.platform.{p}") for p in m.platforms),
        kinds=", ".join(text(lang, f"membership.kind.{k}") for k in m.work_kinds),
        vehicle=text(lang, f"membership.vehicle.{m.vehicle}") if m.vehicle else "—",
        zone=zone_name(zone, lang),
        referrer=referrer.display_name if referrer else "—",
        date=local_date(m.applied_at),
    )


async def _announce(session: AsyncSession, m: Membership, zone: Zone) -> None:
    """The zone's staff get the full number (it is their zone); a group sees it masked."""
    assert m.id is not None
    for rep in await zone_staff(session, zone_id=zone.id):  # type: ignore[arg-type]
        if rep.telegram_id is None:
            continue
        body = await application_text(session, m, lang=rep.language, full_phone=True)
        row = await outbox.enqueue(
            session,
            chat_id=rep.telegram_id,
            user_id=rep.id,
            payload={
                "text": body,
                "parse_mode": "HTML",
                "reply_markup": decision_markup(rep.language, m.id),
            },
        )
        application_cards.remember(session, membership_id=m.id, row=row, lang=rep.language)
    if zone.group_chat_id is not None:
        body = await application_text(session, m, lang="zh", full_phone=False)
        row = await outbox.enqueue(
            session,
            chat_id=zone.group_chat_id,
            payload={
                "text": body,
                "parse_mode": "HTML",
                "reply_markup": decision_markup("zh", m.id),
            },
        )
        application_cards.remember(session, membership_id=m.id, row=row, lang="zh")


# --- deciding ------------------------------------------------------------------------


async def can_decide(session: AsyncSession, *, actor: User, zone_id: int | None) -> bool:
    """Admins decide anywhere; representatives only in zones they serve."""
    if actor.role is Role.admin:
        return True
    if actor.role not in STAFF_ROLES or zone_id is None:
        return False
    link = await session.get(ZoneStaff, (actor.id, zone_id))
    return link is not None


async def get_membership(session: AsyncSession, *, membership_id: int) -> Membership:
    m = await session.get(Membership, membership_id)
    if m is None:
        raise NotFound("application_unknown")
    return m


async def decide(
    session: AsyncSession,
    *,
    membership_id: int,
    actor: User,
    approve: bool,
    reason: str | None = None,
    tz: ZoneInfo | None = None,
) -> Membership:
    """Approve or reject a pending application. Exactly one decision wins: the UPDATE only
    matches while the row is still pending; the loser learns who decided."""
    m = await get_membership(session, membership_id=membership_id)
    if not await can_decide(session, actor=actor, zone_id=m.zone_id):
        raise Forbidden("not_your_zone")
    if m.user_id == actor.id:
        raise Forbidden("own_application")  # a second person always checks
    if not approve:
        reason = (reason or "").strip()
        if not reason:
            raise Invalid("reject_reason_missing")
        if len(reason) > REJECT_REASON_LIMIT:
            raise Invalid("reject_reason_too_long", limit=REJECT_REASON_LIMIT)
    now = utcnow()
    status = MembershipStatus.active if approve else MembershipStatus.rejected
    result = await session.execute(
        update(Membership)
        .where(Membership.id == membership_id, Membership.status == MembershipStatus.pending)
        .values(
            status=status,
            decided_by_id=actor.id,
            decided_at=now,
            reject_reason=None if approve else reason,
            joined_at=now if approve else None,
        )
        .execution_options(synchronize_session=False)
    )
    await session.refresh(m)
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise await decision_conflict(session, m)
    if approve:
        assert m.zone_id is not None
        local = now.astimezone(tz) if tz else now
        m.member_number = await next_member_number(session, zone_id=m.zone_id, year=local.year)
        await session.flush()
        await _event(session, m, "approved", actor, member_number=m.member_number)
    else:
        await _event(session, m, "rejected", actor, reason=reason)
    await _notify_rider(session, m, actor)
    await application_cards.retire(session, m=m, actor=actor)
    return m


async def decision_conflict(session: AsyncSession, m: Membership) -> Conflict:
    if m.status is MembershipStatus.pending:  # nothing matched, yet pending: vanished row
        return Conflict("application_unknown")
    decider = await session.get(User, m.decided_by_id) if m.decided_by_id else None
    return Conflict(
        "application_decided",
        by=decider.display_name if decider else "—",
        status=m.status.value,
    )


async def next_member_number(session: AsyncSession, *, zone_id: int, year: int) -> str:
    """`<zone code>-<year>-<6 digits>`: a counter row per zone and year, created if missing
    and bumped in one UPDATE … RETURNING, so concurrent approvals never share a number."""
    zone = await zone_by_id(session, zone_id=zone_id)
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    await session.execute(
        insert(MemberNumberCounter)
        .values(zone_id=zone_id, year=year, last=0)
        .on_conflict_do_nothing(index_elements=["zone_id", "year"])
    )
    last = (
        await session.execute(
            update(MemberNumberCounter)
            .where(and_(MemberNumberCounter.zone_id == zone_id, MemberNumberCounter.year == year))
            .values(last=MemberNumberCounter.last + 1)
            .returning(MemberNumberCounter.last)
        )
    ).scalar_one()
    return f"{zone.code}-{year}-{last:06d}"


async def _notify_rider(session: AsyncSession, m: Membership, actor: User) -> None:
    rider = await session.get(User, m.user_id)
    if rider is None:
        return
    if m.status is MembershipStatus.active:
        zone = await session.get(Zone, m.zone_id) if m.zone_id else None
        await outbox.notify(
            session,
            user=rider,
            key="membership.approved_notice",
            actions=[[Action(Act.MY_CARD)]],
            number=m.member_number or "",
            zone=zone_name(zone, rider.language),
            rep=actor.display_name,
        )
    else:
        await outbox.notify(
            session,
            user=rider,
            key="membership.rejected_notice",
            actions=[[Action(Act.JOIN)]],
            reason=reason_text(rider.language, m.reject_reason),
            rep=actor.display_name,
        )


def reason_text(lang: str, reason: str | None) -> str:
    """A reason picked from the list is stored as its code and shown in the reader's words."""
    if reason in REJECT_REASONS:
        return text(lang, f"membership.reason.{reason}")
    return reason or "—"


# --- the member's own view -----------------------------------------------------------


@dataclass(frozen=True)
class CardInfo:
    membership_id: int
    number: str
    name: str
    zone: str
    zone_code: str
    joined: datetime
    verified_by: str


async def card_info(session: AsyncSession, *, user: User, lang: str) -> CardInfo:
    m = await require_member(session, user=user)
    zone = await session.get(Zone, m.zone_id) if m.zone_id else None
    decider = await session.get(User, m.decided_by_id) if m.decided_by_id else None
    assert m.id is not None and m.joined_at is not None
    return CardInfo(
        membership_id=m.id,
        number=m.member_number or "",
        name=m.name or "",
        zone=zone_name(zone, lang),
        zone_code=zone.code if zone else "",
        joined=m.joined_at,
        verified_by=decider.display_name if decider else "—",
    )


async def export_data(session: AsyncSession, *, user: User) -> dict[str, Any]:
    """Everything stored about this person, for /mydata."""
    memberships = list(
        (
            await session.execute(
                select(Membership).where(Membership.user_id == user.id).order_by(Membership.id)
            )
        ).scalars()
    )
    ids = [m.id for m in memberships]
    events = (
        list(
            (
                await session.execute(
                    select(MembershipEvent)
                    .where(MembershipEvent.membership_id.in_(ids))
                    .order_by(MembershipEvent.id)
                )
            ).scalars()
        )
        if ids
        else []
    )
    cases = list(
        (
            await session.execute(select(Case).where(Case.rider_id == user.id).order_by(Case.id))
        ).scalars()
    )
    code = await session.get(ReferralCode, user.id)

    def dump(row: Any) -> dict[str, Any]:
        return row.model_dump(mode="json")

    return {
        "exported_at": utcnow().isoformat(),
        "user": dump(user),
        "memberships": [dump(m) for m in memberships],
        "membership_events": [dump(e) for e in events],
        "cases": [dump(c) for c in cases],
        "referral_code": code.code if code else None,
    }


async def leave(
    session: AsyncSession, *, user: User, forget_chat: ForgetChat | None = None
) -> Membership:
    """Ends the membership (or withdraws a pending application) and erases the person
    (services/erasure.py: what goes, and the one thing a pending wage claim keeps). Past
    cases stay for the union's record without pointing at a person. Re-joining later
    starts afresh. Chat and app both leave through here."""
    if _is_staff(user):
        raise Forbidden("staff_cannot_leave")
    assert user.id is not None
    m = await open_membership(session, user_id=user.id)
    if m is None:
        raise NotFound("not_member_to_leave")
    previous = m.status
    result = await session.execute(
        update(Membership)
        .where(Membership.id == m.id, Membership.status.in_(OPEN))
        .values(status=MembershipStatus.left, left_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("member_already_left")
    await session.refresh(m)
    erased = await erase_person(session, user=user, forget_chat=forget_chat)
    kept = ["name"] if erased.kept_name_for_claims else []
    await _event(
        session, m, "left", user, previous=previous.value,
        erased=["name", "phone", "telegram", "sessions", "outbox", "chat_state"],
        kept=kept, kept_for_claims=erased.kept_name_for_claims,
        outbox_dropped=erased.outbox_dropped, outbox_scrubbed=erased.outbox_scrubbed,
        sessions_revoked=erased.sessions_revoked,
    )  # fmt: skip
    await session.flush()
    return m


async def pending_applications(
    session: AsyncSession, *, actor: User, limit: int = 50
) -> list[Membership]:
    """Applications waiting for a decision in the zones the actor may decide for, oldest
    first (admins: every zone)."""
    if actor.role not in STAFF_ROLES:
        raise Forbidden("not_staff")
    query = select(Membership).where(Membership.status == MembershipStatus.pending)
    if actor.role is not Role.admin:
        mine = select(ZoneStaff.zone_id).where(ZoneStaff.user_id == actor.id)
        query = query.where(Membership.zone_id.in_(mine))
    rows = await session.execute(query.order_by(Membership.id).limit(limit))
    return list(rows.scalars())
