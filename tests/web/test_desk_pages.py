"""The web desk in real Chromium: sign-in both ways, the unresolved list, a case page and its
actions reaching the rider's chat (and the reverse), CSV, refusals, escaping."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from pathlib import Path

import pytest

from tests.cases.conftest import report
from tests.chat import Chat, deliver
from tests.web.desk_world import (
    ADMIN,
    APPLICANT,
    HOSTILE,
    REP_BJ,
    REP_XH,
    RIDER,
    World,
    build_world,
    shoot,
    sign_in,
)

pytestmark = pytest.mark.fast_taps


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    """The browser tests run on SQLite; the desk's queries are tested on both databases."""
    return sqlite_url


@pytest.fixture
async def world(desks, sandbox) -> World:  # type: ignore[no-untyped-def]
    return await build_world(await desks.start(), sandbox)


async def test_password_sign_in_filters_and_case_actions_reach_the_chat(world: World, page):
    await page.goto(f"{world.url}/cases?lang=zh")  # not signed in: to the sign-in page
    assert "/desk/sign-in" in page.url
    await shoot(page, "sign-in-zh")
    await page.goto(f"{world.url}/sign-in?lang=en")
    await shoot(page, "sign-in-en")
    await sign_in(page, world, REP_XH)
    assert page.url.endswith("/desk/cases")
    # The XH representative sees the XH cases only.
    table = page.locator("#case-table")
    await table.get_by_role("link", name=world.xh_case).wait_for()
    assert await table.get_by_role("link", name=world.bj_case).count() == 0
    assert await page.locator("#count-open").inner_text() == "2"
    await shoot(page, "cases-en")

    # A filter chosen on the page lands in the URL, and the URL alone reproduces the view.
    await page.select_option("#filters [name=category]", "platform")
    await page.wait_for_url(re.compile(r"category=platform"))
    assert await table.get_by_role("link", name=world.hostile_case).count() == 1
    assert await table.get_by_role("link", name=world.xh_case).count() == 0
    await page.reload()
    assert await page.locator("#filters [name=category]").input_value() == "platform"
    assert await table.get_by_role("link", name=world.xh_case).count() == 0
    # Unknown values are ignored, with a note naming them.
    await page.goto(f"{world.url}/cases?severity=catastrophic&zone=999&category=access&lang=zh")
    note = page.locator("#ignored-filters")
    assert "catastrophic" in await note.inner_text() and "999" in await note.inner_text()
    await table.get_by_role("link", name=world.xh_case).wait_for()
    await shoot(page, "cases-zh")
    # Into a case and back: the list comes back as it was filtered.
    await table.get_by_role("link", name=world.xh_case).click()
    await page.click("#back-to-list")
    await page.wait_for_url(re.compile(r"/desk/cases\?.*category=access"))

    # A case: a note stays internal, a reply reaches the rider's chat.
    await page.goto(f"{world.url}/cases/{world.xh_case}?lang=en")
    await page.fill("#act-note textarea", "Called the property office, waiting")
    await page.click("#act-note button[type=submit]")
    note_entry = page.locator("#history-list li.internal", has_text="Called the property office")
    await note_entry.wait_for()
    await page.fill("#act-reply textarea", "We are on it: talking to the gate guards today")
    await page.click("#act-reply button[type=submit]")
    await page.locator("#history-list li.public", has_text="talking to the gate guards").wait_for()
    assert "李强" in await page.locator("#case-assignee").inner_text()  # replying took it
    await shoot(page, "case-en")
    rider = Chat(world.sandbox, RIDER)
    chat = await rider.delivered(world.rt, "talking to the gate guards", newest=True)
    assert world.xh_case in chat["text"]
    rider_chat = "\n".join(m["text"] or "" for m in await world.sandbox.messages(RIDER))
    assert "Called the property office" not in rider_chat  # the note stayed internal
    await page.goto(f"{world.url}/cases/{world.xh_case}?lang=zh")
    await shoot(page, "case-zh")


async def test_what_happens_in_chat_shows_on_the_page(world: World, page):
    # The XH representative takes the hostile case with the chat button.
    card = await Chat(world.sandbox, REP_XH).delivered(world.rt, world.hostile_case, newest=True)
    data = next(
        b["callback_data"]
        for row in card["buttons"]
        for b in row
        if b["callback_data"].startswith("rc:claim")
    )
    await world.sandbox.callback_answer(await world.sandbox.press(REP_XH, card["message_id"], data))
    await sign_in(page, world, ADMIN)
    await page.goto(f"{world.url}/cases/{world.hostile_case}")
    for _ in range(50):  # the chat's transaction commits just after the bot answers
        if "李强" in await page.locator("#case-assignee").inner_text():
            break
        await page.reload()
    history = page.locator("#history-list li.public", has_text="has taken the case")
    await history.wait_for()

    # Hostile text is shown as typed, never run.
    summary = page.locator("p.text")
    assert HOSTILE in await summary.inner_text()
    assert await page.locator("p.text b, p.text script").count() == 0


async def test_code_sign_in_csv_and_refusals(world: World, page):
    # The admin signs in with a code sent in chat.
    await page.goto(f"{world.url}/sign-in?lang=en")
    await page.fill("#code-form [name=login]", str(ADMIN))
    await page.click("#code-form button[type=submit]")
    await page.locator("#code-verify").wait_for()
    await shoot(page, "sign-in-code-en")
    message = await Chat(world.sandbox, ADMIN).delivered(world.rt, "验证码", newest=True)
    code = re.search(r"\b(\d{6})\b", message["text"]).group(1)  # type: ignore[union-attr]
    await page.fill("#code-verify [name=code]", code)
    await page.click("#code-verify button[type=submit]")
    await page.wait_for_url(re.compile(r"/desk/cases$"))
    assert await page.locator("#count-open").inner_text() == "3"  # every zone

    # CSV of the filtered list: names, not ids; BOM; formula-safe.
    await page.goto(f"{world.url}/cases?category=platform&lang=en")
    async with page.expect_download() as info:
        await page.click("#export-csv")
    download = await info.value
    raw = await asyncio.to_thread(Path(await download.path()).read_bytes)
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Ref", "Status", "Severity"]
    [row] = rows[1:]
    assert row[0] == world.hostile_case
    assert "Xihu demo zone" in row and "骑手 小刘" in row
    assert row[-1] == HOSTILE  # the summary, whole; it starts with "<", so no formula

    # A state change without the CSRF token is refused, and changes nothing.
    before = await page.request.get(f"{world.url}/cases/{world.xh_case}")
    answer = await page.request.post(
        f"{world.url}/cases/{world.xh_case}/note", form={"text": "forged note"}
    )
    assert answer.status == 403
    assert (
        "forged note"
        not in await (await page.request.get(f"{world.url}/cases/{world.xh_case}")).text()
    )
    assert before.ok


async def test_a_rider_and_another_zones_representative_are_refused(world: World, page):
    # The rider signs in with a chat code: a 403 page, not admin data.
    await page.goto(f"{world.url}/sign-in?lang=en")
    await page.fill("#code-form [name=login]", str(RIDER))
    await page.click("#code-form button[type=submit]")
    await page.locator("#code-verify").wait_for()
    message = await Chat(world.sandbox, RIDER).delivered(world.rt, "code", newest=True)
    code = re.search(r"\b(\d{6})\b", message["text"]).group(1)  # type: ignore[union-attr]
    await page.fill("#code-verify [name=code]", code)
    await page.click("#code-verify button[type=submit]")
    await page.wait_for_load_state()
    assert await page.locator("h1").inner_text() == "Not allowed"
    assert await page.locator("#case-table").count() == 0
    await shoot(page, "forbidden-en")
    await page.goto(f"{world.url}/cases?lang=zh")
    assert await page.locator("h1").inner_text() == "没有权限"
    await shoot(page, "forbidden-zh")
    answer = await page.request.get(f"{world.url}/cases")
    assert answer.status == 403

    # The BJ representative: another zone's case is "not found".
    await page.context.clear_cookies()
    await sign_in(page, world, REP_BJ)
    answer = await page.request.get(f"{world.url}/cases/{world.xh_case}")
    assert answer.status == 404
    assert "Gate 3 blocks" not in await answer.text()  # nothing of the case
    own = await page.request.get(f"{world.url}/cases/{world.bj_case}")
    assert own.status == 200
    await deliver(world.rt)


async def download_rows(page, button: str) -> list[list[str]]:  # type: ignore[no-untyped-def]
    """Click a CSV button and read the file back (UTF-8 with a BOM)."""
    async with page.expect_download() as info:
        await page.click(button)
    raw = await asyncio.to_thread(Path(await (await info.value).path()).read_bytes)
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


async def test_members_search_and_audit(world: World, page):
    await sign_in(page, world, REP_XH, lang="zh")
    await page.goto(f"{world.url}/members?lang=zh")
    row = page.locator("#applications tr", has_text="王五")
    assert "139****9000" in await row.inner_text()  # masked until revealed on purpose
    await shoot(page, "members-zh")
    await page.goto(f"{world.url}/members?lang=en")
    await shoot(page, "members-en")
    async with page.expect_download() as info:
        await page.click("#export-csv")
    raw = await asyncio.to_thread(Path(await (await info.value).path()).read_bytes)
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Name", "Phone", "Zone"]
    assert rows[1][:5] == ["王五", "139****9000", "Xihu demo zone", "Ele.me", "Parcels"]
    await row.get_by_role("button", name="Approve").click()
    await page.locator("#done").wait_for()
    assert await page.locator("#applications").count() == 0
    # the member number, in chat
    await Chat(world.sandbox, APPLICANT).delivered(world.rt, "XH-", newest=True)

    # Search finds the new member by phone; revealing the number is recorded.
    await page.goto(f"{world.url}/search?q=1390013&lang=en")
    hit = page.locator("#search-members tr", has_text="王五")
    await hit.get_by_role("button", name="Show number").click()
    assert await page.locator("#phone").inner_text() == "13900139000"
    await page.goto(f"{world.url}/search?q=1390013&lang=en")
    rows = await download_rows(page, "#export-members-csv")  # the list found, with names
    assert rows[0] == ["Member number", "Name", "Phone", "Zone", "Status"]
    [member] = rows[1:]
    assert member[0].startswith("XH-") and member[1:] == [
        "王五",
        "139****9000",
        "Xihu demo zone",
        await hit.locator("td").nth(4).inner_text(),
    ]
    # The figures and recruits of the members page, as CSV with names.
    await page.goto(f"{world.url}/members?lang=en")
    figures = await download_rows(page, "#export-figures-csv")
    assert figures[0] == ["Figure", "Name", "Members"]
    by_zone = await page.locator("#by-zone tr").evaluate_all(
        "rows => rows.map(r => [...r.cells].map(c => c.textContent.trim()))"
    )
    assert [r[1:] for r in figures if r[0] == "Members by zone"] == by_zone
    assert ["Members by zone", "Xihu demo zone", "2"] in figures
    assert any(r[1] == "Ele.me" for r in figures[1:])
    recruits = await download_rows(page, "#export-recruits-csv")
    shown = await page.locator("#recruits tbody tr").evaluate_all(
        "rows => rows.map(r => [...r.cells].map(c => c.textContent.trim()))"
    )
    assert recruits[1:] == [r for r in shown if len(r) == 3]
    await page.goto(f"{world.url}/search?q=Sunny&lang=en")
    await page.locator("#search-cases").get_by_role("link", name=world.xh_case).wait_for()
    cases_found = await download_rows(page, "#export-cases-csv")
    assert cases_found[0][:3] == ["Ref", "Category", "Status"]
    assert [r[0] for r in cases_found[1:]] == [world.xh_case]
    assert "Xihu demo zone" in cases_found[1]
    await shoot(page, "search-en")
    await page.goto(f"{world.url}/search?q={world.xh_case}&lang=zh")
    await shoot(page, "search-zh")

    await page.goto(f"{world.url}/audit?lang=en")
    table = page.locator("#audit-table")
    assert "approved the application" in await table.inner_text()
    await page.select_option("#audit-filters [name=kind]", "phone")
    await page.wait_for_url(re.compile(r"kind=phone"))
    assert "looked up the whole phone number" in await table.inner_text()
    assert "approved the application" not in await table.inner_text()
    await shoot(page, "audit-en")
    await page.goto(f"{world.url}/audit?lang=zh&kind=bogus")
    assert "bogus" in await page.locator("#ignored-filters").inner_text()
    await shoot(page, "audit-zh")


async def test_a_photo_sent_in_chat_shows_on_the_phone_sized_page(world: World, page):
    sent = await report(world.sandbox, RIDER, text="Broken ramp at gate 2", photos=1)
    ref = re.search(r"C-\d{4}-\d{5}", sent["text"]).group(0)  # type: ignore[union-attr]
    await page.set_viewport_size({"width": 390, "height": 844})
    await sign_in(page, world, REP_XH, lang="zh")
    await shoot(page, "cases-phone-zh")
    await page.goto(f"{world.url}/cases/{ref}")
    photo = page.locator(".photos img")
    await photo.wait_for()
    width = await photo.evaluate("img => img.complete ? img.naturalWidth : 0")
    for _ in range(50):
        if width:
            break
        await page.wait_for_timeout(100)
        width = await photo.evaluate("img => img.complete ? img.naturalWidth : 0")
    assert width == 1  # the 1×1 PNG the rider sent, fetched through the bot
    # A refused action says why and keeps the page.
    await page.fill("#act-merge [name=ref]", "C-1999-00001")
    page.on("dialog", lambda dialog: dialog.accept())
    await page.click("#act-merge button[type=submit]")
    await page.locator("#action-error").wait_for()
    assert "C-1999-00001" in await page.locator("#action-error").inner_text()
    await shoot(page, "case-phone-zh")
