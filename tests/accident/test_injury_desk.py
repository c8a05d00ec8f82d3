"""The injury claim panel of an accident case in real Chromium: opened from the page, its
stages and deadlines shown, a wrong move refused with a sentence on the page, a stage moved
and the rider told in chat; other categories have no panel."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.cases import reporting
from services.cases.reporting import Report
from tests.cases.conftest import user_by_tg
from tests.chat import Chat
from tests.web.desk_world import REP_XH, RIDER, World, build_world, shoot, sign_in

SH = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.fast_taps


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    return sqlite_url


@pytest.fixture
async def world(desks, sandbox) -> World:  # type: ignore[no-untyped-def]
    return await build_world(await desks.start(), sandbox)


async def test_the_injury_panel_opens_and_moves_the_claim(world: World, page) -> None:
    async with world.rt.ctx.sessions() as session, session.begin():
        rider = await user_by_tg(session, RIDER)
        case = await reporting.report_case(
            session, user=rider, report=Report(category="accident", description="被汽车刮倒")
        )
        ref = case.ref
    await Chat(world.sandbox, RIDER).delivered(
        world.rt, "Hospital papers"
    )  # the steps reached the chat
    await sign_in(page, world, REP_XH)
    await page.goto(f"{world.url}/cases/{world.xh_case}?lang=en")
    assert await page.locator("#injury").count() == 0  # not an accident

    await page.goto(f"{world.url}/cases/{ref}?lang=en")
    panel = page.locator("#injury")
    assert "No injury claim yet" in await panel.inner_text()
    await page.fill("#injury-open [name=injury]", "Bruised knee")
    await page.fill("#injury-open [name=hospital]", "Xixi Hospital")
    await page.click("#injury-open button[type=submit]")
    await page.locator("#injury-done").wait_for()
    today = datetime.now(SH).date()
    assert "Opened" in await page.locator("#injury-stage").inner_text()
    next_due = await page.locator("#injury-next").inner_text()
    assert "Reported to the platform" in next_due and (today + timedelta(days=1)).isoformat() in (
        next_due
    )
    rows = page.locator("#injury-stages tbody tr")
    assert await rows.count() == 6
    submitted = page.locator("#injury-stages tr[data-stage=submitted]")
    assert (today + timedelta(days=30)).isoformat() in await submitted.inner_text()
    assert "demo figure" in await submitted.inner_text()
    await shoot(page, "injury-opened-en")
    await Chat(world.sandbox, RIDER).delivered(world.rt, "opened the injury claim")

    # "Reported" on a day still to come: refused, said on the page, nothing changed.
    tomorrow = (today + timedelta(days=1)).isoformat()
    await page.evaluate("document.querySelector('#injury-move [name=on]').removeAttribute('max')")
    await page.fill("#injury-move [name=on]", tomorrow)
    await page.click("#injury-move button[type=submit]")
    error = page.locator("#action-error")
    await error.wait_for()
    assert tomorrow in await error.inner_text() and "has not come yet" in await error.inner_text()
    assert "Opened" in await page.locator("#injury-stage").inner_text()

    await page.select_option("#injury-move [name=stage]", "reported")
    await page.fill("#injury-move [name=on]", today.isoformat())
    await page.fill("#injury-move [name=note]", "Reported in the app")
    await page.click("#injury-move button[type=submit]")
    await page.locator("#injury-done").wait_for()
    assert "Reported to the platform" in await page.locator("#injury-stage").inner_text()
    reported = page.locator("#injury-stages tr[data-stage=reported]")
    assert today.isoformat() in await reported.inner_text()
    options = await page.locator("#injury-move [name=stage] option").all_inner_texts()
    assert options == ["Documents gathered", "Withdrawn"]  # the next one only
    history = await page.locator("#history-list").inner_text()
    assert "moved the injury claim to “Reported to the platform”" in history
    await shoot(page, "injury-moved-en")
    told = await Chat(world.sandbox, RIDER).delivered(world.rt, "is now “Reported to the platform”")
    assert ref in told["text"] and "Reported in the app" in told["text"]
    await page.goto(f"{world.url}/cases/{ref}?lang=zh")
    assert "已向平台报案" in await page.locator("#injury-stage").inner_text()
    await shoot(page, "injury-moved-zh")
