"""Meetings about agenda items: a representative schedules one (kind, place, time) for items
of one zone; the items' supporters and the zone's members are invited with answer buttons;
each invited member answers yes or no, and may change the answer until it starts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from models import User
from models.agenda import (
    AgendaItem,
    AgendaMove,
    AgendaStatus,
    AgendaSupport,
    Meeting,
    MeetingInvite,
    MeetingItem,
    MeetingKind,
    Rsvp,
)
from models.membership import Membership, MembershipStatus
from models.types import utcnow
from services.agenda import notices
from services.agenda.items import item_for_staff, linked_riders, reader_zones
from services.agenda.places import Places
from services.errors import Conflict, Forbidden, Invalid, NotFound
from services.membership.members import active_membership

PLACE_MAX = 200
# How far ahead a meeting may be scheduled: further is a typo (and past the year 9999 no
# time can be stored at all).
AHEAD_MAX = timedelta(days=366)
SCHEDULABLE = frozenset({AgendaStatus.proposed, AgendaStatus.scheduled})


@dataclass(frozen=True)
class MeetingView:
    meeting: Meeting
    items: list[AgendaItem]
    invited: int
    yes: int
    no: int
    mine: Rsvp | None  # the reader's answer


def kind_of(raw: str) -> MeetingKind:
    try:
        return MeetingKind(raw)
    except ValueError:
        raise Invalid("meeting_kind_unknown") from None


async def schedule(
    session: AsyncSession,
    *,
    actor: User,
    item_ids: Sequence[int],
    kind: str,
    starts_at: datetime,
    place_id: str | None = None,
    place: str = "",
    places: Places | None = None,
    now: datetime | None = None,
) -> Meeting:
    """Schedule a meeting for items of one zone, at a compound or station of the route data
    (`place_id`) or a `place` in words. The items become scheduled (their riders
    told), their supporters and the zone's members are invited."""
    now = now or utcnow()
    if not item_ids:
        raise Invalid("meeting_no_items")
    meeting_kind = kind_of(kind)
    if starts_at.tzinfo is None:
        raise Invalid("meeting_time_unknown")
    if starts_at <= now:
        raise Invalid("meeting_in_past")
    if starts_at > now + AHEAD_MAX:
        raise Invalid("meeting_too_far", days=AHEAD_MAX.days)
    found = None
    if place_id:
        found = places.get(place_id) if places is not None else None
        if found is None:
            raise Invalid("meeting_unknown_place")
    where = found.name if found is not None else " ".join(place.split())
    if not where:
        raise Invalid("meeting_place_missing")
    if len(where) > PLACE_MAX:
        raise Invalid("meeting_place_too_long", max=PLACE_MAX)
    items = [await item_for_staff(session, item_id=i, actor=actor) for i in dict.fromkeys(item_ids)]
    if len({i.zone_id for i in items}) > 1:
        raise Invalid("meeting_items_other_zones")
    for item in items:
        if item.status not in SCHEDULABLE:
            raise Conflict("agenda_not_scheduled")
    meeting = Meeting(
        zone_id=items[0].zone_id,
        kind=meeting_kind,
        starts_at=starts_at,
        place_id=found.id if found is not None else None,
        place=where,
        scheduled_by_id=actor.id,
    )
    session.add(meeting)
    await session.flush()
    for item in items:
        session.add(MeetingItem(meeting_id=meeting.id, item_id=item.id))  # type: ignore[arg-type]
        session.add(
            AgendaMove(
                item_id=item.id,  # type: ignore[arg-type]
                meeting_id=meeting.id,
                actor_id=actor.id,
                from_status=item.status,
                to_status=AgendaStatus.scheduled,
            )
        )
        moved = item.status is not AgendaStatus.scheduled
        item.status, item.updated_at = AgendaStatus.scheduled, now
        if moved:
            await notices.tell_moved(session, item=item, people=await linked_riders(session, item))
    await session.flush()
    people = await invitees(session, meeting=meeting, items=items)
    for person in people:
        session.add(MeetingInvite(meeting_id=meeting.id, user_id=person.id))  # type: ignore[arg-type]
    await session.flush()
    await notices.invite(session, meeting=meeting, items=items, people=people, places=places)
    return meeting


async def invitees(
    session: AsyncSession, *, meeting: Meeting, items: Sequence[AgendaItem]
) -> list[User]:
    """The items' supporters and the zone's active members, each once."""
    supporters = select(AgendaSupport.user_id).where(
        AgendaSupport.item_id.in_([i.id for i in items]), AgendaSupport.user_id.is_not(None)
    )
    members = select(Membership.user_id).where(
        Membership.zone_id == meeting.zone_id, Membership.status == MembershipStatus.active
    )
    rows = await session.execute(
        select(User)
        .where(User.id.in_(supporters.union(members).scalar_subquery()))
        .order_by(User.id)
    )
    return list(rows.scalars())


async def meeting_items(session: AsyncSession, *, meeting_id: int) -> list[AgendaItem]:
    rows = await session.execute(
        select(AgendaItem)
        .join(MeetingItem, MeetingItem.item_id == AgendaItem.id)
        .where(MeetingItem.meeting_id == meeting_id)
        .order_by(AgendaItem.id)
    )
    return list(rows.scalars())


async def answer(
    session: AsyncSession, *, user: User, meeting_id: int, rsvp: str, now: datetime | None = None
) -> MeetingView:
    """Yes or no to a meeting (changeable until it starts). The invited answer; so may any
    member of the meeting's zone."""
    try:
        choice = Rsvp(rsvp)
    except ValueError:
        raise Invalid("meeting_rsvp_unknown") from None
    meeting = await session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound("meeting_not_found")
    invite = await _invite(session, meeting_id=meeting_id, user_id=user.id)
    if invite is None:
        assert user.id is not None
        membership = await active_membership(session, user_id=user.id)
        if membership is None or membership.zone_id != meeting.zone_id:
            raise Forbidden("meeting_not_invited")
    if meeting.starts_at <= (now or utcnow()):
        raise Conflict("meeting_started")
    if invite is None:
        try:
            async with session.begin_nested():
                invite = MeetingInvite(meeting_id=meeting_id, user_id=user.id)
                session.add(invite)
        except IntegrityError:
            invite = await _invite(session, meeting_id=meeting_id, user_id=user.id)
    assert invite is not None
    invite.rsvp, invite.answered_at = choice, utcnow()
    await session.flush()
    return await view(session, meeting=meeting, reader=user)


async def _invite(
    session: AsyncSession, *, meeting_id: int, user_id: int | None
) -> MeetingInvite | None:
    return (
        await session.execute(
            select(MeetingInvite).where(
                MeetingInvite.meeting_id == meeting_id, MeetingInvite.user_id == user_id
            )
        )
    ).scalar_one_or_none()


async def view(session: AsyncSession, *, meeting: Meeting, reader: User | None) -> MeetingView:
    assert meeting.id is not None
    counts = dict(
        (
            await session.execute(
                select(MeetingInvite.rsvp, func.count(MeetingInvite.id))
                .where(MeetingInvite.meeting_id == meeting.id)
                .group_by(MeetingInvite.rsvp)
            )
        ).all()
    )
    mine = None
    if reader is not None:
        own = await _invite(session, meeting_id=meeting.id, user_id=reader.id)
        mine = own.rsvp if own else None
    return MeetingView(
        meeting=meeting,
        items=await meeting_items(session, meeting_id=meeting.id),
        invited=sum(int(n) for n in counts.values()),
        yes=int(counts.get(Rsvp.yes, 0)),
        no=int(counts.get(Rsvp.no, 0)),
        mine=mine,
    )


async def meetings(
    session: AsyncSession,
    *,
    reader: User,
    upcoming_only: bool = False,
    now: datetime | None = None,
    limit: int = 100,
) -> list[MeetingView]:
    """Meetings of the zones the reader reads (a member: their own zone), soonest first."""
    zones = await reader_zones(session, user=reader)
    query = select(Meeting)
    if zones is not None:
        query = query.where(Meeting.zone_id.in_(zones))
    if upcoming_only:
        query = query.where(Meeting.starts_at > (now or utcnow()))
    rows = await session.execute(query.order_by(Meeting.starts_at.desc()).limit(limit))
    return [await view(session, meeting=m, reader=reader) for m in rows.scalars()]


async def meeting_for_reader(
    session: AsyncSession, *, meeting_id: int, reader: User
) -> MeetingView:
    meeting = await session.get(Meeting, meeting_id)
    zones = await reader_zones(session, user=reader)
    if meeting is None or (zones is not None and meeting.zone_id not in zones):
        raise NotFound("meeting_not_found")
    return await view(session, meeting=meeting, reader=reader)
