"""The stations desk page in real Chromium: stations open or closed now, a slot published
(and one outside the opening hours refused with the reason), the day's booking marked done,
the month's count."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from models.db import unit_of_work
from services.stations import bookings
from tests.cases.conftest import user_by_tg
from tests.web.desk_world import REP_XH, World, build_world, shoot, sign_in

SH = ZoneInfo("Asia/Shanghai")
RIDER = 900101  # the desk world's rider


pytestmark = pytest.mark.fast_taps


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    return sqlite_url


@pytest.fixture
async def world(desks, sandbox) -> World:  # type: ignore[no-untyped-def]
    return await build_world(await desks.start(), sandbox)


async def test_publish_a_slot_and_mark_the_booking_done(world: World, page) -> None:
    await sign_in(page, world, REP_XH)
    await page.goto(f"{world.url}/stations?lang=en")
    rows = page.locator("#stations tbody tr")
    assert await rows.count() == 4
    shop = page.locator('#stations tr[data-station="demo/st-3"] [data-col=state]')
    assert await shop.inner_text() == "open"  # 24/7
    assert "Stations" in await page.locator("nav").inner_text()

    day = datetime.now(SH).date() + timedelta(days=1)
    form = page.locator("#publish")
    await form.locator("[name=station_id]").select_option("demo/st-4")
    await form.locator("[name=kind]").select_option("brake_pads")
    await form.locator("[name=starts_at]").fill(f"{day.isoformat()}T22:00")
    await form.locator("[name=capacity]").fill("1")
    await form.locator("button[type=submit]").click()
    error = page.locator("#error")
    await error.wait_for()
    assert "closed" in await error.inner_text() and "09:00-21:00" in await error.inner_text()
    # What was typed is kept: only the time needs changing.
    assert await form.locator("[name=kind]").input_value() == "brake_pads"
    await form.locator("[name=starts_at]").fill(f"{day.isoformat()}T10:30")
    await form.locator("button[type=submit]").click()
    await page.locator("#published").wait_for()
    assert f"day={day.isoformat()}" in page.url
    assert await page.locator("#bookings").count() == 0

    async with unit_of_work(world.rt.ctx.sessions) as session:
        from services.stations import slots

        [view] = await slots.slot_views(session, station_id="demo/st-4", start=datetime.now(SH))
        rider = await user_by_tg(session, RIDER)
        booking = await bookings.book(session, rider=rider, slot_id=view.slot.id)
    await page.reload()
    row = page.locator(f'#bookings tr[data-booking="{booking.id}"]')
    assert "10:30" in await row.inner_text() and "brake pads" in await row.inner_text()
    await shoot(page, "stations-en")
    await row.get_by_role("button", name="Mark done").click()
    await page.wait_for_load_state()
    assert await row.locator("[data-col=status]").inner_text() == "done"
    assert await page.locator("#served tbody td").inner_text() == "1"
