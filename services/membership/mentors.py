"""Mentoring: a member in their first 30 days asks for a mentor and is matched with an
opted-in representative of their zone, the one with the fewest current mentees."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from models import Role, User, ZoneStaff
from models.guides import MentorOptIn, Mentorship, MentorshipStatus
from models.membership import Membership
from models.types import utcnow
from services import outbox
from services.activists.roles import active_role, zone_activist_ids
from services.errors import Conflict, Forbidden
from services.membership.members import active_membership, require_member

NEWCOMER_DAYS = 30
MENTORS = (Role.rep, Role.senior)


async def set_mentoring(session: AsyncSession, *, user: User, accepting: bool) -> MentorOptIn:
    """`/mentoring on|off`: representatives and activists mentor. Current pairings stay as
    they are."""
    if user.role not in MENTORS and await active_role(session, user_id=user.id) is None:
        raise Forbidden("mentor_not_rep_or_activist")
    assert user.id is not None
    row = await session.get(MentorOptIn, user.id)
    if row is None:
        row = MentorOptIn(user_id=user.id)
        session.add(row)
    row.accepting = accepting
    row.updated_at = utcnow()
    await session.flush()
    return row


async def current_mentor(session: AsyncSession, *, user_id: int) -> User | None:
    return (
        await session.execute(
            select(User)
            .join(Mentorship, Mentorship.mentor_id == User.id)
            .where(Mentorship.mentee_id == user_id, Mentorship.status == MentorshipStatus.active)
        )
    ).scalar_one_or_none()


async def _least_busy_mentor(session: AsyncSession, *, zone_id: int, mentee_id: int) -> User | None:
    """An opted-in representative of the zone, or one of its activists (never the mentee)."""
    load = func.count(Mentorship.id)
    reps = select(ZoneStaff.user_id).where(ZoneStaff.zone_id == zone_id)
    row = (
        await session.execute(
            select(User, load)
            .join(MentorOptIn, and_(MentorOptIn.user_id == User.id, MentorOptIn.accepting))
            .outerjoin(
                Mentorship,
                and_(
                    Mentorship.mentor_id == User.id,
                    Mentorship.status == MentorshipStatus.active,
                ),
            )
            .where(
                or_(
                    and_(User.id.in_(reps), User.role.in_(MENTORS)),
                    User.id.in_(zone_activist_ids(zone_id)),
                ),
                User.id != mentee_id,
            )
            .group_by(User.id)
            .order_by(load, User.id)
            .limit(1)
        )
    ).first()
    return row[0] if row else None


async def request_mentor(
    session: AsyncSession, *, user: User, now: datetime | None = None
) -> Mentorship:
    """Match the newcomer; both are told through the outbox."""
    now = now or utcnow()
    membership = await require_member(session, user=user)
    assert user.id is not None
    mentor = await current_mentor(session, user_id=user.id)
    if mentor is not None:
        raise Conflict("already_mentored", name=mentor.display_name)
    if membership.joined_at is None or now - membership.joined_at >= timedelta(days=NEWCOMER_DAYS):
        raise Forbidden("mentor_newcomers_only", days=NEWCOMER_DAYS)
    if membership.zone_id is None:
        raise Conflict("no_mentor_available")
    mentor = await _least_busy_mentor(session, zone_id=membership.zone_id, mentee_id=user.id)
    if mentor is None:
        raise Conflict("no_mentor_available")
    assert mentor.id is not None
    pairing = Mentorship(mentee_id=user.id, mentor_id=mentor.id, zone_id=membership.zone_id)
    try:
        async with session.begin_nested():
            session.add(pairing)
    except IntegrityError:  # a second request raced this one and won
        raise Conflict("already_mentored", name=mentor.display_name) from None
    who = f"@{user.username}" if user.username else user.display_name
    await outbox.notify(
        session, user=mentor, key="guides.mentor_new_mentee", name=user.display_name, who=who
    )
    await outbox.notify(session, user=user, key="guides.mentor_matched", name=mentor.display_name)
    return pairing


@dataclass(frozen=True)
class Mentee:
    user: User
    since: datetime
    joined_at: datetime | None


async def mentees(session: AsyncSession, *, mentor: User) -> list[Mentee]:
    """A representative's current mentees, longest-paired first."""
    rows = await session.execute(
        select(User, Mentorship)
        .join(Mentorship, Mentorship.mentee_id == User.id)
        .where(Mentorship.mentor_id == mentor.id, Mentorship.status == MentorshipStatus.active)
        .order_by(Mentorship.created_at, Mentorship.id)
    )
    found = []
    for mentee, pairing in rows:
        membership: Membership | None = await active_membership(session, user_id=mentee.id)
        found.append(
            Mentee(mentee, pairing.created_at, membership.joined_at if membership else None)
        )
    return found
