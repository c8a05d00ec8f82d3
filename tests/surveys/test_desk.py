"""The surveys and notices pages in real Chromium: a representative checks a survey's reach
(a past closing time refused with a sentence), sends it, sees answers by zone and platform,
downloads the CSV and closes it; sends a notice after its preview and follows its progress."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from app.runtime import Runtime
from models.db import unit_of_work
from models.surveys import SurveyOption
from models.types import utcnow
from services import auth
from services.demo import load_demo_data
from services.local_time import time_zone
from services.surveys import answering
from tests.sandbox_client import SandboxClient
from tests.surveys.conftest import FIRST_MEMBER, REP_XH, add_members, by_tg, deliver
from tests.web.desk_world import PASSWORD, shoot, sign_in


@dataclass
class Site:
    url: str


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    """The browser tests run on SQLite; the services are tested on both databases."""
    return sqlite_url


@pytest.fixture
def sandbox_limits() -> dict[str, float]:
    return {"per_chat_rate": 50, "per_chat_burst": 50}


@pytest.fixture
async def site(desk: Runtime, sandbox: SandboxClient) -> Site:
    async with unit_of_work(desk.ctx.sessions) as s:
        await load_demo_data(s)
        await add_members(s, 3, zone="XH")
        await auth.set_password(s, user=await by_tg(s, REP_XH), password=PASSWORD)
    for tg in (REP_XH, *(FIRST_MEMBER + i for i in range(3))):
        await sandbox.user(tg, f"user {tg}", language="en")
    return Site(f"{desk.url}/desk")


def _local(delta: timedelta) -> str:
    return (utcnow() + delta).astimezone(time_zone()).strftime("%Y-%m-%dT%H:%M")


async def test_surveys_and_notices_pages(site: Site, desk: Runtime, page) -> None:  # type: ignore[no-untyped-def]
    await sign_in(page, site, REP_XH)
    await page.goto(f"{site.url}/surveys?lang=en")
    form = page.locator("#survey-form")
    await form.locator("[name=question]").fill("Which day suits the repair day?")
    await form.locator("[name=options]").fill("Saturday\nSunday")
    await form.locator("[name=closes_at]").fill(_local(-timedelta(hours=2)))
    await form.locator("button[value=check]").click()
    await page.wait_for_load_state()
    assert "already passed" in await page.locator("#survey-error").inner_text()
    form = page.locator("#survey-form")
    await form.locator("[name=closes_at]").fill(_local(timedelta(days=1)))
    await form.locator("button[value=check]").click()
    await page.wait_for_load_state()
    assert "It reaches 3" in await page.locator("#survey-reach").inner_text()
    await shoot(page, "survey-preview")
    await page.locator("#survey-send").click()
    await page.wait_for_load_state()
    assert "Answered: 0 of 3" in await page.locator("#answered").inner_text()
    survey_id = int(page.url.rstrip("/").split("/")[-1])

    async with unit_of_work(desk.ctx.sessions) as s:
        options = (
            await s.execute(
                SurveyOption.__table__.select().where(  # type: ignore[attr-defined]
                    SurveyOption.survey_id == survey_id
                )
            )
        ).all()
        for i, tg in enumerate((FIRST_MEMBER, FIRST_MEMBER + 1)):
            await answering.choose_option(s, user=await by_tg(s, tg), option_id=options[i].id)
    await page.reload()
    assert "Answered: 2 of 3" in await page.locator("#answered").inner_text()
    assert "50.0%" in await page.locator("#counts").inner_text()
    assert "XH (2)" in await page.locator("#by-zone").inner_text()
    assert "meituan (2)" in await page.locator("#by-platform").inner_text()
    csv_url = await page.locator("#export-csv").get_attribute("href")
    got = await page.request.get(f"{site.url.removesuffix('/desk')}{csv_url}")
    assert "all,,2,Saturday,1,50.0" in (await got.body()).decode("utf-8-sig")
    await page.locator("#close-survey").click()
    await page.wait_for_load_state()
    assert await page.locator("#closed").count() == 1
    await shoot(page, "survey-results")

    await page.goto(f"{site.url}/notices?lang=en")
    form = page.locator("#notice-form")
    await form.locator("[name=body]").fill("Free repair day on Saturday")
    await form.locator("button[value=check]").click()
    await page.wait_for_load_state()
    reach = await page.locator("#notice-reach").inner_text()
    assert "It reaches 3" in reach and "about 1 s" in reach
    await page.locator("#notice-send").click()
    await page.wait_for_load_state()
    assert "waiting 3" in await page.locator("#notices").inner_text()
    await deliver(desk)
    await page.locator("#refresh").click()
    await page.wait_for_load_state()
    assert "sent 3" in await page.locator("#notices").inner_text()
    await shoot(page, "notices")
