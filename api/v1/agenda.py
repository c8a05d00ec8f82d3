"""The agenda of hot issues: members read their zone's agenda, propose items, support them
and answer meeting invitations; representatives put collective issues on the agenda,
schedule meetings, record outcomes and read the solved count. Rules live in services.agenda."""

from __future__ import annotations

from api.endpoint import Call, links
from api.keys import CTX
from api.v1 import api
from api.v1.agenda_schemas import (
    AgendaOut,
    AgendaQuery,
    FromCollectiveIn,
    ItemDetail,
    ItemOut,
    MeetingIn,
    MeetingOut,
    MeetingsOut,
    OutcomeIn,
    ProposalIn,
    RsvpIn,
    SolvedMonth,
    SolvedOut,
    item_out,
    meeting_out,
    move_out,
)
from services.agenda import items, meetings, outcomes, support
from services.agenda.places import places_of

TAGS = ["agenda"]

ITEM_LINKS = links("get_agenda_item", "support_agenda_item", "withdraw_agenda_support",
                   item_id="$response.body#/id")  # fmt: skip
# What a representative can do next with an item.
STAFF_ITEM_LINKS = ITEM_LINKS | links("record_agenda_outcome", item_id="$response.body#/id")
MEETING_LINKS = links("answer_meeting", meeting_id="$response.body#/id")


@api.op("GET", "/agenda", query=AgendaQuery, response=AgendaOut, tags=TAGS, errors=[403])
async def list_agenda(call: Call) -> AgendaOut:
    """The agenda: a member's zone's open items, a representative's zones', most supported
    first."""
    entries = await items.agenda(
        call.session,
        reader=call.me,
        zone_id=call.query.zone_id,
        include_closed=call.query.include_closed,
    )
    return AgendaOut(items=[item_out(e) for e in entries])


@api.op(
    "POST",
    "/agenda/proposals",
    body=ProposalIn,
    response=ItemOut,
    status=201,
    tags=TAGS,
    errors=[403, 409],
    links=ITEM_LINKS,
)
async def propose_agenda_item(call: Call) -> ItemOut:
    """A member proposes a hot issue for their zone's agenda (station, park or community)."""
    item = await items.propose(
        call.session,
        user=call.me,
        level=call.body.level.value,
        title=call.body.title,
        details=call.body.details,
    )
    return item_out(await items.entry(call.session, item, reader=call.me))


@api.op(
    "POST",
    "/agenda/items",
    body=FromCollectiveIn,
    response=ItemOut,
    status=201,
    tags=TAGS,
    errors=[403, 404, 409],
    links=STAFF_ITEM_LINKS,
)
async def put_collective_on_agenda(call: Call) -> ItemOut:
    """A representative puts a collective issue of their zone on the agenda (raising it)."""
    item = await items.from_collective(
        call.session,
        actor=call.me,
        collective_id=call.body.collective_id,
        level=call.body.level.value,
        title=call.body.title,
    )
    return item_out(await items.entry(call.session, item, reader=call.me))


@api.op("GET", "/agenda/items/{item_id}", response=ItemDetail, tags=TAGS, errors=[403, 404])
async def get_agenda_item(call: Call) -> ItemDetail:
    """One item with its moves (the minutes and decisions that moved it)."""
    item = await items.item_for_reader(
        call.session, item_id=call.path_int("item_id"), reader=call.me
    )
    assert item.id is not None
    return ItemDetail(
        item=item_out(await items.entry(call.session, item, reader=call.me)),
        moves=[move_out(m) for m in await items.moves(call.session, item_id=item.id)],
    )


@api.op(
    "PUT",
    "/agenda/items/{item_id}/support",
    response=ItemOut,
    tags=TAGS,
    errors=[403, 404, 409],
    links=ITEM_LINKS,
)
async def support_agenda_item(call: Call) -> ItemOut:
    """Support an item of my zone (one support each; again changes nothing)."""
    entry = await support.support(call.session, user=call.me, item_id=call.path_int("item_id"))
    return item_out(entry)


@api.op(
    "DELETE",
    "/agenda/items/{item_id}/support",
    response=ItemOut,
    tags=TAGS,
    errors=[403, 404, 409],
    links=ITEM_LINKS,
)
async def withdraw_agenda_support(call: Call) -> ItemOut:
    """Withdraw my support."""
    entry = await support.withdraw(call.session, user=call.me, item_id=call.path_int("item_id"))
    return item_out(entry)


@api.op(
    "POST",
    "/agenda/items/{item_id}/outcome",
    body=OutcomeIn,
    response=ItemOut,
    tags=TAGS,
    errors=[403, 404, 409],
    links=STAFF_ITEM_LINKS,
)
async def record_agenda_outcome(call: Call) -> ItemOut:
    """A representative records an outcome: the minutes and decision moving the item to
    agreed, done, not possible (or back to proposed); its riders are told."""
    item = await outcomes.record_outcome(
        call.session,
        actor=call.me,
        item_id=call.path_int("item_id"),
        to=call.body.status,
        minutes=call.body.minutes,
        decision=call.body.decision,
        meeting_id=call.body.meeting_id,
    )
    return item_out(await items.entry(call.session, item, reader=call.me))


@api.op(
    "POST",
    "/agenda/meetings",
    body=MeetingIn,
    response=MeetingOut,
    status=201,
    tags=TAGS,
    errors=[403, 404, 409],
    links=MEETING_LINKS,
)
async def schedule_meeting(call: Call) -> MeetingOut:
    """A representative schedules a meeting for items of one zone: at a compound or rider
    station of the route data, or a place in words, in the future. Supporters and the zone's
    members are invited."""
    body: MeetingIn = call.body
    ctx = call.request.app[CTX]
    meeting = await meetings.schedule(
        call.session,
        actor=call.me,
        item_ids=body.item_ids,
        kind=body.kind.value,
        starts_at=body.starts_at,
        place_id=body.place_id,
        place=body.place,
        places=places_of(ctx.routes, ctx.settings.routes_dir),
    )
    return meeting_out(await meetings.view(call.session, meeting=meeting, reader=call.me))


@api.op("GET", "/agenda/meetings", response=MeetingsOut, tags=TAGS, errors=[403])
async def list_meetings(call: Call) -> MeetingsOut:
    """Meetings of my zone (a representative: of their zones), latest first, with my answer."""
    views = await meetings.meetings(call.session, reader=call.me)
    return MeetingsOut(meetings=[meeting_out(v) for v in views])


@api.op(
    "PUT",
    "/agenda/meetings/{meeting_id}/rsvp",
    body=RsvpIn,
    response=MeetingOut,
    tags=TAGS,
    errors=[403, 404, 409],
    links=MEETING_LINKS,
)
async def answer_meeting(call: Call) -> MeetingOut:
    """Answer an invitation: yes or no (changeable until the meeting starts)."""
    view = await meetings.answer(
        call.session,
        user=call.me,
        meeting_id=call.path_int("meeting_id"),
        rsvp=call.body.answer.value,
    )
    return meeting_out(view)


@api.op("GET", "/agenda/solved", response=SolvedOut, tags=TAGS, errors=[403])
async def solved_count(call: Call) -> SolvedOut:
    """Hot issues solved (done) per zone and month: the pilot's own figure."""
    rows = await outcomes.solved_counts(
        call.session, actor=call.me, tz=call.request.app[CTX].settings.timezone
    )
    return SolvedOut(
        total=sum(r.count for r in rows),
        months=[SolvedMonth(zone_id=r.zone_id, month=r.month, count=r.count) for r in rows],
    )
