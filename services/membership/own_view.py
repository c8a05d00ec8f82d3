"""A member's own view: the member card, the data export, leaving, and pending applications."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, Role, User, Zone, ZoneStaff
from models.membership import (
    Membership,
    MembershipEvent,
    MembershipStatus,
    ReferralCode,
)
from models.types import utcnow
from services.activists import privacy as volunteering
from services.agenda import personal as agenda_personal
from services.errors import Conflict, Forbidden, NotFound
from services.injury.privacy import export_injury_claims
from services.membership.applications import _event
from services.membership.members import (
    OPEN,
    STAFF_ROLES,
    _is_staff,
    open_membership,
    require_member,
    zone_name,
)
from services.privacy.erasure import ForgetChat, erase_person
from services.stations.privacy import export_bookings
from services.surveys import privacy as survey_privacy


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
        "survey_answers": await survey_privacy.export_answers(session, user_id=user.id),
        "settings": await survey_privacy.export_settings(session, user_id=user.id),
        **await export_bookings(session, user_id=user.id),  # type: ignore[arg-type]
        "injury_claims": await export_injury_claims(session, user_id=user.id),  # type: ignore[arg-type]
        **await volunteering.export(session, user=user),
        "agenda": await agenda_personal.export(session, user_id=user.id),  # type: ignore[arg-type]
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
        session,
        m,
        "left",
        user,
        previous=previous.value,
        erased=["name", "phone", "telegram", "sessions", "outbox", "chat_state"],
        kept=kept,
        kept_for_claims=erased.kept_name_for_claims,
        outbox_dropped=erased.outbox_dropped,
        outbox_scrubbed=erased.outbox_scrubbed,
        sessions_revoked=erased.sessions_revoked,
    )
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
