"""The sandbox page a newcomer first sees, in Chromium: the location map draws the demo
compounds and their gates, the page speaks its own language (a contact button without a phone
says what to do), and no button shows its mark twice. Screenshots in var/test-artifacts/chat/."""

from __future__ import annotations

from pathlib import Path

from services.texts import text
from tests.conftest import DeskFactory

RIDER = 700020
ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts" / "chat"


async def test_map_language_and_contact_button(desks: DeskFactory, page) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    runtime = await desks.start(sandbox=True, telegram_api_base=None)
    await page.goto(f"{runtime.url}/sandbox/")
    await page.fill("#user-form [name=id]", str(RIDER))
    await page.fill("#user-form [name=first_name]", "新骑手")
    await page.select_option("#user-form [name=language_code]", "zh")
    await page.click("#user-form button[type=submit]")

    # The map: the route guide's compounds and gates, drawn where they are.
    await page.click("#location-box summary")
    features = await page.evaluate("state.config.demo_map.geojson.features.length")
    assert features > 10
    filled = await page.evaluate(
        """() => {
          const box = state.config.demo_map, canvas = document.querySelector('#map');
          const ring = box.geojson.features.find((f) => f.geometry.type === 'Polygon')
            .geometry.coordinates[0];
          const lon = ring.reduce((a, p) => a + p[0], 0) / ring.length;
          const lat = ring.reduce((a, p) => a + p[1], 0) / ring.length;
          const [x, y] = project(box, canvas, lon, lat);
          return Array.from(canvas.getContext('2d').getImageData(x - 6, y + 8, 1, 1).data);
        }"""
    )
    assert filled[3] > 0, "a compound is drawn (its fill) where it lies"
    await page.locator("#location-box").screenshot(path=str(ARTIFACTS / "sandbox-map.png"))

    # The phone step: the contact button shows its mark once, and without a phone on the
    # user the page says (in its language) what to do, instead of a developer's error.
    await page.fill("#text-input", "/join")
    await page.press("#text-input", "Enter")
    await page.get_by_role("button", name=text("zh", "btn.join_consent")).click()
    await page.locator("#messages li.bot", has_text="1/7").wait_for(timeout=10_000)
    await page.fill("#text-input", "新骑手")
    await page.press("#text-input", "Enter")
    contact = page.locator("#reply-keyboard button").first
    await contact.wait_for(timeout=10_000)
    label = await contact.inner_text()
    assert label.count("📱") == 1, label
    await contact.click()
    toast = page.locator("#toast")
    await toast.filter(has_text="手机号").wait_for(timeout=5_000)
    said = await toast.inner_text()
    assert "phone_number" not in said and "POST" not in said, said
    await page.screenshot(path=str(ARTIFACTS / "sandbox-contact-without-phone.png"))

    # In English, the page's own words are English too.
    await page.click("#lang-toggle")
    await contact.click()
    await toast.filter(has_text="no phone number").wait_for(timeout=5_000)
