"""The activists page in real Chromium: an offer confirmed, a notice relayed, a story refused
until the rider agrees in chat, then published, and a role ended with a sentence that
reaches the activist's chat."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from models import Membership, User, Zone
from services import auth
from services.activists import volunteering
from services.activists.volunteering import Offer
from services.demo import load_demo_data
from tests.chat import Chat, deliver
from tests.web.desk_world import PASSWORD, shoot, sign_in

REP_XH = 900002
ANA = 700701


pytestmark = pytest.mark.fast_taps


async def notice(rt, sandbox, chat: int, contains: str) -> dict:  # type: ignore[no-untyped-def]
    return await Chat(sandbox, chat).delivered(rt, contains, newest=True)


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    """Browser tests run on SQLite; the services are tested on both databases."""
    return sqlite_url


@dataclass
class Site:
    url: str


async def test_activists_page(desks, sandbox, page) -> None:  # type: ignore[no-untyped-def]
    rt = await desks.start()
    async with rt.ctx.sessions() as session, session.begin():
        await load_demo_data(session)
        rep = (await session.execute(select(User).where(User.telegram_id == REP_XH))).scalar_one()
        await auth.set_password(session, user=rep, password=PASSWORD)
        zone = (await session.execute(select(Zone).where(Zone.code == "XH"))).scalar_one()
        ana = User(telegram_id=ANA, display_name="Ana", language="en")
        session.add(ana)
        await session.flush()
        session.add(
            Membership(
                user_id=ana.id, zone_id=zone.id, status="active", member_number="XH-2026-000042"
            )
        )
        await session.flush()
        await volunteering.volunteer(
            session,
            user=ana,
            offer=Offer("I know everyone at the depot", "Xihu riders", ["weekends"]),
        )
    await sandbox.user(ANA, "Ana", language="en")
    await sandbox.user(REP_XH, "Li", language="zh")
    site = Site(f"{rt.url}/desk")
    await sign_in(page, site, REP_XH)
    await page.goto(f"{site.url}/activists?lang=en")
    offers = page.locator("#offers")
    assert "I know everyone at the depot" in await offers.inner_text()
    await offers.get_by_role("button", name="Confirm").click()
    await page.locator("#done").wait_for()
    assert "Confirmed" in await page.locator("#done").inner_text()
    assert "Xihu riders" in await page.locator("#active").inner_text()
    assert "1" in await page.locator("#per-zone").inner_text()
    await notice(rt, sandbox, ANA, "confirmed you as an activist")

    await page.fill("#relay textarea", "Union meeting on Friday at the depot")
    await page.click("#relay button[type=submit]")
    await page.locator("#done").wait_for()
    assert "Sent to 1 activists" in await page.locator("#done").inner_text()
    relayed = await notice(rt, sandbox, ANA, "Union meeting on Friday")
    assert "forward this to your group" in relayed["text"]

    await page.fill("#new-story [name=rider]", "XH-2026-000042")
    await page.fill("#new-story textarea", "A gate opened for e-bikes after 300 riders asked")
    await page.click("#new-story button[type=submit]")
    await page.locator("#done").wait_for()
    asked = await notice(rt, sandbox, ANA, "A gate opened for e-bikes")
    row = page.locator("#stories tbody tr").first
    await row.get_by_role("button", name="Publish").click()
    assert "has not agreed" in await page.locator("#error").inner_text()
    await shoot(page, "activists-refused-en")

    answer = await sandbox.callback_answer(
        await sandbox.press(ANA, asked["message_id"], asked["buttons"][0][0]["callback_data"])
    )
    assert answer is not None
    await notice(rt, sandbox, ANA, "Thank you! The story may now be published")
    await page.goto(f"{site.url}/activists?lang=en")
    await page.locator("#stories tbody tr").first.get_by_role("button", name="Publish").click()
    await page.locator("#done").wait_for()
    assert "published" in await page.locator("#stories").inner_text()

    await page.fill("#active [name=note]", "You moved to Binjiang; thank you for a great year")
    await page.click("#active button[type=submit]")
    await page.locator("#done").wait_for()
    await shoot(page, "activists-en")
    ended = await notice(rt, sandbox, ANA, "thank you for a great year")
    assert "ended your role" in ended["text"]
    await deliver(rt)
