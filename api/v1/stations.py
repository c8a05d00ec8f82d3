"""Rider stations (open to everyone) and their service slots: volunteers publish slots, see
the day's bookings and mark them done; riders book and cancel; counts of riders served."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from api.endpoint import Call, links
from api.keys import CTX
from api.v1 import api
from api.v1.schemas import Model
from models import User
from models.stations import ServiceSlot, SlotBooking
from models.types import utcnow
from services.errors import Forbidden, NotFound
from services.stations import bookings, counts, slots
from services.stations.ids import STATION_ID_PATTERN
from services.stations.kinds import KINDS
from services.stations.places import Stations, StationState, stations_in

TAGS = ["stations"]
# A routes_data feature id ("node/456", "way/123", "demo/st-1"): ASCII only, the services' rule.
STATION_ID = STATION_ID_PATTERN


class NearbyQuery(Model):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    limit: int = Field(default=5, ge=1, le=20)


class StationOut(BaseModel):
    id: str
    name: str
    name_en: str | None
    amenity: str | None
    lat: float
    lon: float
    offers: list[str] = Field(description="water, charging, microwave, seating, toilets…")
    opening_hours: str | None
    state: str = Field(description="open, closed or unknown (opening hours unreadable)")
    changes_at: datetime | None = Field(description="closes at when open, opens at when closed")
    distance_m: float | None = None
    sample: bool


class StationList(BaseModel):
    stations: list[StationOut]


class SlotsQuery(Model):
    station_id: str = Field(pattern=STATION_ID)
    kind: str | None = Field(default=None, max_length=32, pattern=r"^[a-z_]+$")
    free_only: bool = False


class SlotIn(Model):
    station_id: str = Field(pattern=STATION_ID)
    kind: str = Field(description=f"one of: {', '.join(KINDS)}", max_length=32)
    starts_at: datetime = Field(description="ISO 8601; without an offset, the desk's zone")
    minutes: int = Field(ge=1, le=slots.MAX_MINUTES)
    capacity: int = Field(ge=1, le=slots.MAX_CAPACITY)


class SlotOut(BaseModel):
    id: int
    station_id: str
    kind: str
    starts_at: datetime
    minutes: int
    capacity: int
    free: int


class SlotList(BaseModel):
    slots: list[SlotOut]


class BookingOut(BaseModel):
    id: int
    slot_id: int
    status: str = Field(description="booked, cancelled or done")
    seat: int
    starts_at: datetime
    station_id: str
    kind: str


class BookingList(BaseModel):
    bookings: list[BookingOut]


class DayQuery(Model):
    day: date | None = Field(default=None, description="a local date; today when left out")


class DayBooking(BookingOut):
    rider: str


class DayList(BaseModel):
    day: date
    bookings: list[DayBooking]


class VolunteerIn(Model):
    station_id: str = Field(pattern=STATION_ID)
    user_id: int = Field(ge=1, le=2**31 - 1, description="the person's id (GET /me)")


class VolunteerOut(BaseModel):
    station_id: str
    user_id: int


class ServedRow(BaseModel):
    month: str
    station_id: str
    kind: str
    served: int


class ServedList(BaseModel):
    served: list[ServedRow]


def _stations(call: Call) -> Stations:
    return stations_in(str(call.request.app[CTX].settings.routes_dir))


def _station(st: StationState) -> StationOut:
    s = st.station
    return StationOut(
        id=s.id,
        name=s.name,
        name_en=s.name_en,
        amenity=s.amenity,
        lat=s.lat,
        lon=s.lon,
        offers=list(s.offers),
        opening_hours=s.opening_hours,
        state=st.state,
        changes_at=st.changes_at,
        distance_m=round(st.distance_m) if st.distance_m is not None else None,
        sample=s.sample,
    )


def _slot(view: slots.SlotView) -> SlotOut:
    s = view.slot
    assert s.id is not None
    return SlotOut(
        id=s.id,
        station_id=s.station_id,
        kind=s.kind,
        starts_at=s.starts_at,
        minutes=s.minutes,
        capacity=s.capacity,
        free=view.free,
    )


def _booking(b: SlotBooking, s: ServiceSlot) -> BookingOut:
    assert b.id is not None
    return BookingOut(
        id=b.id,
        slot_id=b.slot_id,
        status=b.status.value,
        seat=b.seat,
        starts_at=s.starts_at,
        station_id=s.station_id,
        kind=s.kind,
    )


@api.op("GET", "/stations/nearby", query=NearbyQuery, response=StationList, auth=False, tags=TAGS)
async def nearby_stations(call: Call) -> StationList:
    """Rider stations within 5 km, nearest first, with what they offer and whether open now."""
    q = call.query
    holidays = call.request.app[CTX].settings.holiday_dates
    near = _stations(call).nearest(q.lat, q.lon, utcnow(), holidays, limit=q.limit)
    return StationList(stations=[_station(s) for s in near])


@api.op("GET", "/stations/slots", query=SlotsQuery, response=SlotList, auth=False, tags=TAGS)
async def list_slots(call: Call) -> SlotList:
    """A station's slots still to come, earliest first, with their free places."""
    q = call.query
    views = await slots.slot_views(
        call.session, station_id=q.station_id, kind=q.kind, start=utcnow(), only_free=q.free_only
    )
    return SlotList(slots=[_slot(v) for v in views])


@api.op(
    "POST",
    "/stations/slots",
    body=SlotIn,
    response=SlotOut,
    status=201,
    tags=TAGS,
    errors=[403, 404, 422],
    links=links("book_slot", slot_id="$response.body#/id"),
)
async def publish_slot(call: Call) -> SlotOut:
    """Publish a slot (the station's volunteers and representatives): in the future, inside
    the station's opening hours."""
    b = call.body
    slot = await slots.publish_slot(
        call.session,
        actor=call.me,
        stations=_stations(call),
        station_id=b.station_id,
        kind=b.kind,
        starts_at=b.starts_at,
        minutes=b.minutes,
        capacity=b.capacity,
        holidays=call.request.app[CTX].settings.holiday_dates,
    )
    return _slot(slots.SlotView(slot, 0))


@api.op(
    "POST",
    "/stations/slots/{slot_id}/bookings",
    response=BookingOut,
    status=201,
    tags=TAGS,
    errors=[404, 409, 422],
    links=links("cancel_booking", booking_id="$response.body#/id"),
)
async def book_slot(call: Call) -> BookingOut:
    """Book a place in a slot. A full slot answers 409 with the next free slot (`next_id`)."""
    row = await bookings.book(call.session, rider=call.me, slot_id=call.path_int("slot_id"))
    slot = await call.session.get(ServiceSlot, row.slot_id)
    assert slot is not None
    return _booking(row, slot)


@api.op("GET", "/stations/bookings/mine", response=BookingList, tags=TAGS)
async def my_bookings(call: Call) -> BookingList:
    """My bookings still to come, soonest first."""
    rows = await bookings.my_bookings(call.session, rider=call.me)
    return BookingList(bookings=[_booking(b, s) for b, s in rows])


@api.op(
    "POST",
    "/stations/bookings/{booking_id}/cancel",
    response=BookingOut,
    tags=TAGS,
    errors=[404, 409, 422],
)
async def cancel_booking(call: Call) -> BookingOut:
    """Cancel my booking, up to the slot's start."""
    row = await bookings.cancel(call.session, rider=call.me, booking_id=call.path_int("booking_id"))
    slot = await call.session.get(ServiceSlot, row.slot_id)
    assert slot is not None
    return _booking(row, slot)


@api.op("GET", "/stations/bookings/day", query=DayQuery, response=DayList, tags=TAGS, errors=[403])
async def day_bookings(call: Call) -> DayList:
    """The day's bookings at the stations I serve (volunteers and representatives)."""
    served = await slots.volunteer_stations(call.session, user=call.me, stations=_stations(call))
    if not served:
        raise Forbidden("not_station_volunteer")
    zone = call.request.app[CTX].settings.zone
    day = call.query.day or utcnow().astimezone(zone).date()
    rows = await bookings.day_bookings(call.session, station_ids=served, day=day)
    return DayList(
        day=day,
        bookings=[
            DayBooking(**_booking(v.booking, v.slot).model_dump(), rider=v.rider.display_name)
            for v in rows
        ],
    )


@api.op(
    "POST",
    "/stations/bookings/{booking_id}/done",
    response=BookingOut,
    tags=TAGS,
    errors=[403, 404, 409],
)
async def mark_booking_done(call: Call) -> BookingOut:
    """Mark a booking served (a volunteer of its station or a representative)."""
    row = await bookings.mark_done(
        call.session, actor=call.me, booking_id=call.path_int("booking_id")
    )
    slot = await call.session.get(ServiceSlot, row.slot_id)
    assert slot is not None
    return _booking(row, slot)


@api.op("GET", "/stations/served", response=ServedList, auth=False, tags=TAGS)
async def served_per_month(call: Call) -> ServedList:
    """Riders served per month (the desk's zone), station and kind; newest month first."""
    rows = await counts.served_per_month(call.session)
    return ServedList(served=[ServedRow(**r.__dict__) for r in rows])


@api.op(
    "POST",
    "/stations/volunteers",
    body=VolunteerIn,
    response=VolunteerOut,
    status=201,
    tags=TAGS,
    errors=[403, 404],
)
async def add_station_volunteer(call: Call) -> VolunteerOut:
    """Put a person on a station's volunteer list (representatives): they may then publish
    its slots and mark its bookings done."""
    person = await call.session.get(User, call.body.user_id)
    if person is None:
        raise NotFound("user_unknown")
    row = await slots.add_volunteer(
        call.session,
        actor=call.me,
        stations=_stations(call),
        station_id=call.body.station_id,
        user=person,
    )
    return VolunteerOut(station_id=row.station_id, user_id=row.user_id)
