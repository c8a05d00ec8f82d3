"""A person chats with the bot in the sandbox page, in a real browser."""

from __future__ import annotations

from tests.conftest import DeskFactory

RIDER = 700010


async def test_person_chats_with_the_bot_in_the_browser(desks: DeskFactory, page) -> None:
    runtime = await desks.start(sandbox=True, telegram_api_base=None)
    # The desk serves its own sandbox: same origin as the page, as with `make run`.
    await page.goto(f"{runtime.url}/sandbox/")
    await page.fill("#user-form [name=id]", str(RIDER))
    await page.fill("#user-form [name=first_name]", "Browser Rider")
    await page.select_option("#user-form [name=language_code]", "en")
    await page.click("#user-form button[type=submit]")
    await page.fill("#text-input", "/language")
    await page.press("#text-input", "Enter")
    await page.get_by_role("button", name="English").click()
    await page.locator("#messages li.bot", has_text="OK, I will speak English").wait_for()
    await page.fill("#text-input", "/start")
    await page.press("#text-input", "Enter")
    greeting = page.locator("#messages li.bot", has_text="Hello, Browser Rider")
    await greeting.wait_for(timeout=10_000)
    # The bot's HTML is rendered as formatting, not shown as tags.
    assert await greeting.locator("b").count() >= 1
