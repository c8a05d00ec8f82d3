"""Applying and deciding: an application goes to its zone's representatives and exactly one
decision wins."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from models import Role, User, Zone, ZoneStaff
from models.membership import (
    MemberNumberCounter,
    Membership,
    MembershipEvent,
    MembershipStatus,
)
from models.types import utcnow
from services import outbox
from services.actions import Act, Action, markup
from services.errors import Conflict, Forbidden, Invalid, NotFound
from services.local_time import local_date
from services.membership import application_cards
from services.membership.members import (
    PLATFORMS,
    REJECT_REASON_LIMIT,
    REJECT_REASONS,
    STAFF_ROLES,
    VEHICLES,
    WORK_KINDS,
    _choice,
    clean_name,
    ensure_can_apply,
    ensure_phone_free,
    mask_phone,
    normalise_phone,
    zone_by_id,
    zone_name,
)
from services.texts import text


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


def decision_actions(membership_id: int) -> list[list[Action]]:
    return [
        [
            Action(Act.APPROVE_APPLICATION, membership_id),
            Action(Act.REJECT_APPLICATION, membership_id),
        ]
    ]


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
                **markup(rep.language, decision_actions(m.id)),
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
                **markup("zh", decision_actions(m.id)),
            },
        )
        application_cards.remember(session, membership_id=m.id, row=row, lang="zh")


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
