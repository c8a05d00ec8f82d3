"""The agenda of hot issues: the items of the representative's zones with their support,
putting a collective issue on the agenda, scheduling a meeting, recording an outcome, the
meetings with their answers, and the hot issues solved per zone and month."""

from __future__ import annotations

from datetime import datetime

from aiohttp import web
from sqlalchemy import select

from models import Zone
from models.agenda import AgendaLevel, AgendaStatus, MeetingKind
from services.agenda import items, meetings, outcomes, states
from services.agenda.notices import place_name
from services.agenda.places import places_of
from services.cases.collective import list_collectives
from services.errors import DomainError, Invalid
from services.local_time import time_zone
from web.guard import Desk, staff_only
from web.keys import CTX
from web.render import redirect

routes = web.RouteTableDef()
DONE = ("item", "meeting", "outcome")


async def _page(desk: Desk, *, error: object = None, status: int = 200) -> web.Response:
    ctx = desk.request.app[CTX]
    entries = await items.agenda(desk.session, reader=desk.me, include_closed=True)
    on_agenda = {e.item.collective_id for e in entries if e.item.collective_id}
    collectives = [
        c
        for c in await list_collectives(desk.session, actor=desk.me)
        if c.issue.id not in on_agenda
    ]
    zones = {z.id: z for z in (await desk.session.execute(select(Zone))).scalars()}
    places = places_of(ctx.routes, ctx.settings.routes_dir)
    done = desk.request.query.get("done")
    return desk.render(
        "agenda.html",
        status=status,
        entries=entries,
        collectives=collectives,
        meetings=await meetings.meetings(desk.session, reader=desk.me, limit=50),
        solved=await outcomes.solved_counts(desk.session, actor=desk.me, tz=ctx.settings.timezone),
        zones=zones,
        places=places.all(),
        levels=list(AgendaLevel),
        kinds=list(MeetingKind),
        moves={
            e.item.id: sorted(states.MOVES[e.item.status] - {AgendaStatus.scheduled})
            for e in entries
        },
        decisions=await items.last_decisions(
            desk.session, item_ids=[e.item.id for e in entries if e.item.id]
        ),
        schedulable=[e for e in entries if e.item.status in meetings.SCHEDULABLE],
        place_name=lambda m: place_name(desk.lang, m, places),
        done=done if done in DONE else "",
        error=error,
    )


@routes.get("/agenda", name="agenda")
@staff_only
async def agenda_page(desk: Desk) -> web.StreamResponse:
    return await _page(desk)


async def _act(desk: Desk, done: str, work) -> web.StreamResponse:  # type: ignore[no-untyped-def]
    try:
        async with desk.session.begin_nested():
            await work()
    except DomainError as exc:
        return await _page(desk, error=desk.t.error(exc.code, exc.params), status=exc.status)
    return redirect(desk.url("agenda", query={"done": done}))


def _int(value: object) -> int:
    text = str(value or "")
    return int(text) if text.isdigit() and len(text) < 10 else 0


@routes.post("/agenda/items", name="agenda_from_collective")
@staff_only
async def from_collective(desk: Desk) -> web.StreamResponse:
    form = await desk.request.post()
    return await _act(
        desk,
        "item",
        lambda: items.from_collective(
            desk.session,
            actor=desk.me,
            collective_id=_int(form.get("collective_id")),
            level=str(form.get("level", "")),
            title=str(form.get("title", "")),
        ),
    )


def _local_time(raw: str, tz: str) -> datetime:
    """The browser's datetime-local value, a time in the desk's zone."""
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise Invalid("meeting_time_unknown") from None
    return value.replace(tzinfo=time_zone(tz)) if value.tzinfo is None else value


@routes.post("/agenda/meetings", name="agenda_schedule")
@staff_only
async def schedule(desk: Desk) -> web.StreamResponse:
    form = await desk.request.post()
    ctx = desk.request.app[CTX]

    async def work() -> None:
        await meetings.schedule(
            desk.session,
            actor=desk.me,
            item_ids=[i for i in (_int(v) for v in form.getall("item_id", [])) if i],
            kind=str(form.get("kind", "")),
            starts_at=_local_time(str(form.get("starts_at", "")), ctx.settings.timezone),
            place_id=str(form.get("place_id", "")) or None,
            place=str(form.get("place", "")),
            places=places_of(ctx.routes, ctx.settings.routes_dir),
        )

    return await _act(desk, "meeting", work)


@routes.post("/agenda/items/{item_id:\\d{1,9}}/outcome", name="agenda_outcome")
@staff_only
async def outcome(desk: Desk) -> web.StreamResponse:
    form = await desk.request.post()
    return await _act(
        desk,
        "outcome",
        lambda: outcomes.record_outcome(
            desk.session,
            actor=desk.me,
            item_id=int(desk.request.match_info["item_id"]),
            to=str(form.get("status", "")),
            minutes=str(form.get("minutes", "")),
            decision=str(form.get("decision", "")),
        ),
    )
