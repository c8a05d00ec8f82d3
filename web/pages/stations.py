"""Stations: every rider station with whether it is open now, publishing a service slot, the
day's bookings (mark one done) and riders served per month. The use cases are
services/stations'; this page only shows them."""

from __future__ import annotations

from datetime import date, datetime

from aiohttp import web

from models.types import utcnow
from services.errors import DomainError, Invalid
from services.stations import bookings, counts, slots
from services.stations.kinds import KINDS
from services.stations.places import Stations, state_at, stations_in
from services.stations.present import kind_name, offers
from web.guard import Desk, staff_only
from web.keys import CTX
from web.render import redirect

routes = web.RouteTableDef()


def _stations(desk: Desk) -> Stations:
    return stations_in(str(desk.request.app[CTX].settings.routes_dir))


def _day(desk: Desk) -> date:
    raw = desk.request.query.get("day", "")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return utcnow().astimezone(desk.request.app[CTX].settings.zone).date()


async def _page(
    desk: Desk, *, day: date, error: object = None, status: int = 200, kept: dict | None = None
) -> web.Response:
    stations = _stations(desk)
    settings = desk.request.app[CTX].settings
    now = utcnow()
    places = [
        (s, state_at(s, now, settings.holiday_dates).state, offers(desk.lang, s))
        for s in stations.all()
    ]
    day_rows = await bookings.day_bookings(
        desk.session, station_ids=[s.id for s in stations.all()], day=day
    )
    served = await counts.served_per_month(desk.session)
    names = {s.id: s.label(desk.lang) for s in stations.all()}
    return desk.render(
        "stations.html",
        status=status,
        places=places,
        day=day.isoformat(),
        day_rows=day_rows,
        station_names=names,
        kinds=[(k, kind_name(desk.lang, k)) for k in KINDS],
        kind_name=lambda k: kind_name(desk.lang, k),
        local=lambda moment: moment.astimezone(settings.zone).strftime("%H:%M"),
        totals=counts.month_totals(served),
        served=served,
        error=error,
        kept=kept or {},
        published=desk.request.query.get("published") == "1",
    )


@routes.get("/stations", name="stations")
@staff_only
async def stations_page(desk: Desk) -> web.StreamResponse:
    return await _page(desk, day=_day(desk))


@routes.post("/stations/slots", name="stations_publish")
@staff_only
async def publish(desk: Desk) -> web.StreamResponse:
    form = {k: str(v) for k, v in (await desk.request.post()).items()}
    settings = desk.request.app[CTX].settings
    try:
        starts = datetime.fromisoformat(form.get("starts_at", "")).replace(tzinfo=settings.zone)
        minutes, capacity = int(form.get("minutes", "")), int(form.get("capacity", ""))
    except ValueError:
        starts, minutes, capacity = None, 0, 0
    try:
        if starts is None:
            raise Invalid("slot_time_unreadable")
        async with desk.session.begin_nested():
            slot = await slots.publish_slot(
                desk.session,
                actor=desk.me,
                stations=_stations(desk),
                station_id=form.get("station_id", ""),
                kind=form.get("kind", ""),
                starts_at=starts,
                minutes=minutes,
                capacity=capacity,
                holidays=settings.holiday_dates,
            )
    except DomainError as exc:
        day = starts.date() if starts else _day(desk)
        return await _page(
            desk, day=day, error=desk.t.error(exc.code, exc.params), status=exc.status, kept=form
        )
    local_day = slot.starts_at.astimezone(settings.zone).date().isoformat()
    return redirect(desk.url("stations", query={"day": local_day, "published": "1"}))


@routes.post("/stations/bookings/{booking_id:\\d+}/done", name="stations_done")
@staff_only
async def mark_done(desk: Desk) -> web.StreamResponse:
    booking_id = int(desk.request.match_info["booking_id"])
    form = await desk.request.post()
    try:
        async with desk.session.begin_nested():
            await bookings.mark_done(desk.session, actor=desk.me, booking_id=booking_id)
    except DomainError as exc:
        return await _page(
            desk, day=_day(desk), error=desk.t.error(exc.code, exc.params), status=exc.status
        )
    return redirect(desk.url("stations", query={"day": str(form.get("day", ""))}) + "#day")
