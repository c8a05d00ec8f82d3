"""Stations' services on SQLite and PostgreSQL: the places in the route data, publishing slots
(and what is refused), booking, racing for the last seat, cancelling, reminders, counts, and
what /mydata and /leave do with bookings."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from models import Outbox, User
from models.db import unit_of_work
from models.stations import BookingStatus, ServiceSlot, SlotBooking, StationVolunteer
from services.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from services.guides.routes import RouteDataError
from services.membership.own_view import export_data
from services.privacy.erasure import erase_person
from services.privacy.mydata import summary
from services.stations import bookings, counts, reminders, slots
from services.stations.places import Stations, load_stations, open_throughout
from services.texts import text

from .conftest import ADMIN, DEMO_DIR, NOW, REP_XH, REPAIR, RIDERS, SH, VOLUNTEER, at, person


def test_stations_load_from_the_route_data_nearest_first(stations: Stations) -> None:
    assert {s.id for s in stations.all()} == {"demo/st-1", "demo/st-2", "demo/st-3", "demo/st-4"}
    near = stations.nearest(30.2800, 120.1300, at(1, 23, 30), limit=4)
    assert [n.station.id for n in near] == ["demo/st-1", "demo/st-4", "demo/st-2", "demo/st-3"]
    assert [round(n.distance_m or 0, -1) for n in near] == sorted(
        round(n.distance_m or 0, -1) for n in near
    )
    state = {n.station.id: n.state for n in near}
    assert state == {
        "demo/st-1": "closed",
        "demo/st-4": "closed",
        "demo/st-2": "closed",
        "demo/st-3": "open",
    }
    first = near[0]
    assert first.changes_at == at(2, 8)  # opens tomorrow 08:00
    assert first.station.offers == ("water", "charging", "microwave", "seating", "toilets")
    repair = stations.get(REPAIR)
    assert repair is not None and "repair" in repair.offers
    assert open_throughout(repair, at(2, 20), 60) is True
    assert open_throughout(repair, at(2, 20, 30), 60) is False  # closes at 21:00


async def _publish(sessions, tg: int, stations: Stations, **kw):  # type: ignore[no-untyped-def]
    values = {
        "station_id": REPAIR,
        "kind": "puncture",
        "starts_at": at(2, 14),
        "minutes": 30,
        "capacity": 1,
    } | kw
    async with unit_of_work(sessions) as s:
        return await slots.publish_slot(
            s, actor=await person(s, tg), stations=stations, now=NOW, **values
        )


async def _book(sessions, tg: int, slot_id: int):  # type: ignore[no-untyped-def]
    async with unit_of_work(sessions) as s:
        return await bookings.book(s, rider=await person(s, tg), slot_id=slot_id, now=NOW)


async def test_publishing_is_for_volunteers_inside_opening_hours(sessions, stations) -> None:
    with pytest.raises(Forbidden, match="not_station_volunteer"):
        await _publish(sessions, VOLUNTEER, stations)
    async with unit_of_work(sessions) as s:
        await slots.add_volunteer(
            s,
            actor=await person(s, REP_XH),
            stations=stations,
            station_id=REPAIR,
            user=await person(s, VOLUNTEER),
        )
    slot = await _publish(sessions, VOLUNTEER, stations)
    assert slot.starts_at == at(2, 14) and slot.created_by_id is not None
    refused = {
        "slot_in_past": {"starts_at": NOW - timedelta(minutes=1)},
        "station_closed_then": {"starts_at": at(2, 20, 45)},  # runs past 21:00
        "slot_kind_unknown": {"kind": "rocket"},
        "slot_capacity_range": {"capacity": 0},
        "slot_minutes_range": {"minutes": 0},
    }
    for code, change in refused.items():
        with pytest.raises(Invalid) as err:
            await _publish(sessions, VOLUNTEER, stations, **change)
        assert err.value.code == code
    with pytest.raises(NotFound, match="station_unknown"):
        await _publish(sessions, ADMIN, stations, station_id="demo/nowhere")
    # Another station's slots are not the volunteer's to publish.
    with pytest.raises(Forbidden):
        await _publish(sessions, VOLUNTEER, stations, station_id="demo/st-1")


# Not ASCII, or more than the column holds: a NEL (U+0085, space to Python's `\s`, not to
# the API's pattern), Chinese, a trailing newline (Python's `$` lets it through), too long.
BAD_IDS = ("demo/st-4\x85", "驿站/4", "demo/st-4\n", "ｄemo/st-4", "", "n/" + "1" * 119)


@pytest.mark.parametrize("bad", BAD_IDS)
async def test_a_station_id_must_be_ascii(sessions, stations, bad: str) -> None:
    # Even a station the route data would have (built here past its checks) is refused, so
    # chat, app and desk all say the same sentence and nothing reaches the tables.
    odd = Stations(stations.by_id | {bad: replace(stations.by_id[REPAIR], id=bad)})
    with pytest.raises(Invalid) as err:
        await _publish(sessions, ADMIN, odd, station_id=bad)
    assert (err.value.code, err.value.params) == ("station_id_invalid", {"most": 120})
    with pytest.raises(Invalid, match="station_id_invalid"):
        async with unit_of_work(sessions) as s:
            await slots.add_volunteer(
                s,
                actor=await person(s, ADMIN),
                stations=odd,
                station_id=bad,
                user=await person(s, VOLUNTEER),
            )
    async with unit_of_work(sessions) as s:
        assert (await s.execute(select(ServiceSlot))).scalars().all() == []
        assert (await s.execute(select(StationVolunteer))).scalars().all() == []
    assert "120" in text("zh", "error.station_id_invalid", most=120)


def test_route_data_refuses_a_station_whose_id_is_not_ascii(tmp_path: Path) -> None:
    doc = json.loads((DEMO_DIR / "xh_stations.geojson").read_text(encoding="utf-8"))
    doc["features"][0]["properties"]["id"] = "驿站/1"
    doc["features"][1]["properties"]["id"] = "demo/st-2\x85"
    (tmp_path / "stations.geojson").write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(RouteDataError) as err:
        load_stations(tmp_path)
    assert [(p.id, "ASCII" in p.reason) for p in err.value.problems] == [
        ("驿站/1", True),
        ("demo/st-2\x85", True),
    ]
    assert {s.id for s in load_stations(DEMO_DIR).all()} >= {REPAIR}  # the demo's ids pass


async def test_full_slot_names_the_next_free_one(sessions, stations) -> None:
    first = await _publish(sessions, REP_XH, stations, capacity=2)
    later = await _publish(sessions, REP_XH, stations, starts_at=at(3, 10))
    other_kind = await _publish(sessions, REP_XH, stations, starts_at=at(2, 16), kind="brake_pads")
    a = await _book(sessions, RIDERS[0], first.id)
    b = await _book(sessions, RIDERS[1], first.id)
    assert (a.seat, b.seat) == (1, 2)
    with pytest.raises(Conflict) as again:
        await _book(sessions, RIDERS[0], first.id)
    assert again.value.code == "already_booked"
    with pytest.raises(Conflict) as full:
        await _book(sessions, RIDERS[2], first.id)
    assert full.value.code == "slot_full_next"
    assert full.value.params == {"next": "2026-12-03 10:00", "next_id": later.id}
    assert other_kind.id != later.id  # another kind is not offered as the next one
    async with unit_of_work(sessions) as s:
        view = await slots.slot_view(s, slot_id=first.id)
        assert (view.booked, view.free) == (2, 0)
        free = await slots.slot_views(s, station_id=REPAIR, start=NOW, only_free=True)
        assert [v.slot.id for v in free] == [other_kind.id, later.id]
    # A cancelled seat is free again; the last slot full with none after it says so.
    async with unit_of_work(sessions) as s:
        await bookings.cancel(s, rider=await person(s, RIDERS[1]), booking_id=b.id, now=NOW)
    c = await _book(sessions, RIDERS[2], first.id)
    assert c.seat == 2
    await _book(sessions, RIDERS[3], later.id)
    with pytest.raises(Conflict) as none_left:
        await _book(sessions, RIDERS[4], later.id)
    assert none_left.value.code == "slot_full"


async def test_cancel_after_the_start_and_a_started_slot_are_refused(sessions, stations) -> None:
    slot = await _publish(sessions, REP_XH, stations)
    booking = await _book(sessions, RIDERS[0], slot.id)
    async with unit_of_work(sessions) as s:
        rider = await person(s, RIDERS[0])
        with pytest.raises(Invalid, match="cancel_after_start"):
            await bookings.cancel(s, rider=rider, booking_id=booking.id, now=at(2, 14, 1))
        with pytest.raises(NotFound):  # not someone else's
            await bookings.cancel(
                s, rider=await person(s, RIDERS[1]), booking_id=booking.id, now=NOW
            )
        with pytest.raises(Invalid, match="slot_started"):
            await bookings.book(s, rider=await person(s, RIDERS[1]), slot_id=slot.id, now=at(2, 15))


@pytest.mark.parametrize("riders", [5])
async def test_racing_for_the_last_seat_gives_it_once(sessions, stations, riders: int) -> None:
    slot = await _publish(sessions, REP_XH, stations, capacity=2)
    results = await asyncio.gather(
        *[_book(sessions, tg, slot.id) for tg in RIDERS[:riders]], return_exceptions=True
    )
    won = [r for r in results if isinstance(r, SlotBooking)]
    lost = [r for r in results if not isinstance(r, SlotBooking)]
    assert len(won) == 2 and sorted(b.seat for b in won) == [1, 2]
    assert all(isinstance(e, DomainError) and e.code == "slot_full" for e in lost), lost
    # One rider tapping twice at once holds one seat.
    other = await _publish(sessions, REP_XH, stations, starts_at=at(2, 15), capacity=3)
    twice = await asyncio.gather(
        _book(sessions, RIDERS[6], other.id),
        _book(sessions, RIDERS[6], other.id),
        return_exceptions=True,
    )
    assert sorted(type(r).__name__ for r in twice) == ["Conflict", "SlotBooking"]
    assert next(r for r in twice if isinstance(r, Conflict)).code == "already_booked"


async def test_the_database_itself_refuses_a_seat_or_a_rider_twice(sessions, stations) -> None:
    slot = await _publish(sessions, REP_XH, stations, capacity=3)
    async with unit_of_work(sessions) as s:
        a, b = await person(s, RIDERS[0]), await person(s, RIDERS[1])
        s.add(SlotBooking(slot_id=slot.id, rider_id=a.id, seat=1))
        await s.flush()
        for row in (
            SlotBooking(slot_id=slot.id, rider_id=b.id, seat=1),  # the same seat
            SlotBooking(slot_id=slot.id, rider_id=a.id, seat=2),  # the same rider
        ):
            with pytest.raises(IntegrityError):
                async with s.begin_nested():
                    s.add(row)
                    await s.flush()
        # A cancelled booking holds nothing.
        s.add(SlotBooking(slot_id=slot.id, rider_id=b.id, seat=2, status=BookingStatus.cancelled))
        s.add(SlotBooking(slot_id=slot.id, rider_id=b.id, seat=2))
        await s.flush()


async def test_reminder_once_an_hour_before_then_done_and_counted(sessions, stations) -> None:
    slot = await _publish(sessions, REP_XH, stations, capacity=3)
    one = await _book(sessions, RIDERS[0], slot.id)
    two = await _book(sessions, RIDERS[1], slot.id)
    for when, expected in ((at(2, 12, 59), 0), (at(2, 13, 0), 2), (at(2, 13, 30), 0)):
        async with unit_of_work(sessions) as s:
            assert await reminders.send_due_reminders(s, stations=stations, now=when) == expected
    async with unit_of_work(sessions) as s:
        rows = (await s.execute(select(Outbox).order_by(Outbox.id))).scalars().all()
        assert [r.chat_id for r in rows] == [RIDERS[0], RIDERS[1]]
        assert "志愿修车角" in rows[0].payload["text"] and "14:00" in rows[0].payload["text"]
        assert rows[0].payload["actions"]["rows"] == [[{"act": "cancel_booking", "id": one.id}]]
    async with unit_of_work(sessions) as s:
        with pytest.raises(Forbidden):
            await bookings.mark_done(s, actor=await person(s, VOLUNTEER), booking_id=one.id)
        rep = await person(s, REP_XH)
        day = await bookings.day_bookings(s, station_ids=[REPAIR], day=at(2, 0).date())
        assert [(v.booking.id, v.rider.telegram_id) for v in day] == [
            (one.id, RIDERS[0]),
            (two.id, RIDERS[1]),
        ]
        done = await bookings.mark_done(s, actor=rep, booking_id=one.id, now=at(2, 14, 20))
        assert done.status is BookingStatus.done and done.done_by_id == rep.id
    async with unit_of_work(sessions) as s:
        served = await counts.served_per_month(s)
        assert [(r.month, r.station_id, r.kind, r.served) for r in served] == [
            ("2026-12", REPAIR, "puncture", 1)
        ]
        assert counts.month_totals(served) == [("2026-12", 1)]


async def test_mydata_exports_bookings_and_leave_erases_those_not_done(sessions, stations) -> None:
    slot = await _publish(sessions, REP_XH, stations, capacity=3)
    later = await _publish(sessions, REP_XH, stations, starts_at=at(3, 10), capacity=3)
    served = await _book(sessions, RIDERS[0], slot.id)
    coming = await _book(sessions, RIDERS[0], later.id)
    async with unit_of_work(sessions) as s:
        await bookings.mark_done(s, actor=await person(s, ADMIN), booking_id=served.id)
        await slots.add_volunteer(
            s,
            actor=await person(s, ADMIN),
            stations=stations,
            station_id=REPAIR,
            user=await person(s, RIDERS[0]),
        )
    async with unit_of_work(sessions) as s:
        rider = await person(s, RIDERS[0])
        data = await export_data(s, user=rider)
        assert [(b["id"], b["station_id"], b["status"]) for b in data["station_bookings"]] == [
            (served.id, REPAIR, "done"),
            (coming.id, REPAIR, "booked"),
        ]
        assert data["station_volunteering"][0]["station_id"] == REPAIR
        # The words under the file say the same, and what leaving keeps.
        en, zh = summary("en", data), summary("zh", data)
        assert "Rest-station repair-slot bookings: 2, 1 of them done" in en
        assert f"Volunteer at rest stations: {REPAIR}" in en
        assert "驿站维修时段预约：2 条，其中已完成 1 条" in zh and f"驿站志愿者：{REPAIR}" in zh
        await erase_person(s, user=rider)
    async with unit_of_work(sessions) as s:
        left = (await s.execute(select(SlotBooking))).scalars().all()
        assert [(b.id, b.status) for b in left] == [(served.id, BookingStatus.done)]
        user = await s.get(User, left[0].rider_id)
        assert user is not None and user.telegram_id is None  # anonymous, still counted
        assert (await counts.served_per_month(s))[0].served == 1
        assert not await slots.is_volunteer(s, user=user, station_id=REPAIR)
        # What stays is what the summary said would: the done booking, no volunteering.
        after = await export_data(s, user=user)
        assert [(b["id"], b["status"]) for b in after["station_bookings"]] == [(served.id, "done")]
        assert after["station_volunteering"] == []
        assert "bookings: 1, 1 of them done" in summary("en", after)
        assert "Volunteer at rest stations" not in summary("en", after)
    assert SH is not None
