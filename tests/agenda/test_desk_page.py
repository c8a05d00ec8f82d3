"""The agenda page in real Chromium: a representative puts a collective issue on the agenda,
schedules a meeting at a compound, records outcomes (a missing decision answered with a
sentence) and sees the solved count; the riders behind the issue are told."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from models import Outbox
from models.db import unit_of_work
from services import auth
from tests.agenda.conftest import REP_XH, make_world
from tests.web.desk_world import PASSWORD, shoot, sign_in


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    return sqlite_url


@dataclass
class Desk:
    url: str


async def test_agenda_page_from_collective_to_solved(desks, page) -> None:
    rt = await desks.start()
    async with unit_of_work(rt.ctx.sessions) as s:
        world = await make_world(s)
        await auth.set_password(s, user=await world.user(s, REP_XH), password=PASSWORD)
    desk = Desk(f"{rt.url}/desk")
    await sign_in(page, desk, REP_XH)
    await page.goto(f"{desk.url}/agenda?lang=en")
    await page.get_by_role("link", name="Hot issues").wait_for()

    form = page.locator("#from-collective")
    await form.locator("[name=level]").select_option("park")
    await form.locator("button[type=submit]").click()
    await page.wait_for_load_state()
    assert await page.locator("#done").inner_text() == "Put on the agenda."
    row = page.locator("#agenda-items tbody tr").first
    assert "Gate 3, Sunny Garden" in await row.inner_text()
    assert await row.locator("[data-col=status]").inner_text() == "proposed"

    when = datetime.now(ZoneInfo(rt.ctx.settings.timezone)) + timedelta(days=2)
    schedule = page.locator("#schedule")
    await schedule.locator("[name=item_id]").first.check()
    await schedule.locator("[name=kind]").select_option("property_manager")
    await schedule.locator("[name=starts_at]").fill(when.strftime("%Y-%m-%dT%H:%M"))
    await schedule.locator("[name=place_id]").select_option("demo/xh-01")
    await schedule.locator("button[type=submit]").click()
    await page.wait_for_load_state()
    assert "Meeting scheduled" in await page.locator("#done").inner_text()
    meeting = await page.locator("#meetings tbody tr").first.inner_text()
    assert "Liu'an Xiaofeng Court" in meeting and "invited 4" in meeting
    assert when.strftime("%Y-%m-%d %H:%M") in meeting

    outcome = page.locator("#agenda-items form.outcome").first
    await outcome.locator("[name=status]").select_option("agreed")
    await outcome.locator("button[type=submit]").click()
    await page.wait_for_load_state()
    assert "Please write the decision" in await page.locator("#error").inner_text()
    outcome = page.locator("#agenda-items form.outcome").first
    await outcome.locator("[name=status]").select_option("agreed")
    await outcome.locator("[name=minutes]").fill("The manager came; 12 riders.")
    await outcome.locator("[name=decision]").fill("Gate 3 opens to e-bikes")
    await outcome.locator("button[type=submit]").click()
    await page.wait_for_load_state()
    assert "Outcome recorded" in await page.locator("#done").inner_text()
    outcome = page.locator("#agenda-items form.outcome").first
    await outcome.locator("[name=status]").select_option("done")
    await outcome.locator("[name=decision]").fill("Open since Monday")
    await outcome.locator("button[type=submit]").click()
    await page.wait_for_load_state()
    row = await page.locator("#agenda-items tbody tr").first.inner_text()
    assert "Last decision: Open since Monday" in row
    solved = await page.locator("#solved tbody tr").first.inner_text()
    assert datetime.now(ZoneInfo(rt.ctx.settings.timezone)).strftime("%Y-%m") in solved
    assert solved.strip().endswith("1")
    await shoot(page, "agenda-en")

    async with unit_of_work(rt.ctx.sessions) as s:
        for tg in world.reporters:
            user = await world.user(s, tg)
            texts = [
                p["text"]
                for p in (
                    await s.execute(select(Outbox.payload).where(Outbox.user_id == user.id))
                ).scalars()
            ]
            assert any("is now: agreed" in t and "Gate 3 opens" in t for t in texts), texts
            assert any("is now: done" in t for t in texts)
