"""The desk's workload, charts and map in real Chromium, over the fixed week of
tests/deskviz/scenario.py with the desk's clock at its "now" (time-machine): the numbers shown
are the services', the charts have data, the map draws the demo compounds and the cases the
person may see, nothing is fetched from another host, and a rider is refused. Screenshots of
each page in both languages go to var/test-artifacts/desk/."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from pathlib import Path
from typing import Any

import pytest
import time_machine
from sqlalchemy import select

from models import Outbox
from models.db import unit_of_work
from services import auth
from tests.deskviz.scenario import ADMIN, CHEN, NOW, RIDER, person, seed
from tests.escalation.conftest import shipped_policy
from tests.web.test_api_docs import offline

pytestmark = [
    pytest.mark.usefixtures("shipped_policy"),
    # What the pages show is the services' (tested on both databases); one is enough here.
    pytest.mark.parametrize("db_url", ["sqlite"], indirect=True),
]
ARTIFACTS = Path("var/test-artifacts/desk")
__all__ = ["shipped_policy"]  # the fixture, used by pytestmark
PASSWORD = "a-long-test-password"


@pytest.fixture
async def week(desks) -> Any:  # type: ignore[no-untyped-def]
    runtime = await desks.start()
    await seed(runtime.ctx.sessions)
    async with unit_of_work(runtime.ctx.sessions) as s:
        for who in (ADMIN, CHEN):
            await auth.set_password(s, user=await person(s, who), password=PASSWORD)
    with time_machine.travel(NOW, tick=True):
        yield runtime


async def sign_in(page, runtime, telegram_id: int, to: str) -> list[str]:  # type: ignore[no-untyped-def]
    """Signed in with the password form, on page `to`; returns the pages' script errors."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    await page.goto(f"{runtime.url}/desk/sign-in?lang=zh&next=/desk/{to}")
    form = page.locator("#password-form")
    await form.locator("input[name=login]").fill(str(telegram_id))
    await form.locator("input[name=password]").fill(PASSWORD)
    await form.locator("button[type=submit]").click()
    await page.wait_for_url(f"**/desk/{to}")
    return errors


async def shots(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """The page as it is (zh), then in English."""
    await page.screenshot(path=str(ARTIFACTS / f"{name}-zh.png"), full_page=True)
    await page.goto(re.sub(r"\?.*$", "", page.url) + "?lang=en")
    await page.screenshot(path=str(ARTIFACTS / f"{name}-en.png"), full_page=True)


async def test_workload_shows_each_representatives_numbers(week, page) -> None:
    tried = await offline(page)
    errors = await sign_in(page, week, ADMIN, "workload")
    rows = await page.locator("#workload tbody tr").evaluate_all(
        """rows => rows.map(r => [r.querySelector('th').textContent.trim(),
             ...[...r.querySelectorAll('td')].map(td => td.textContent.trim())])"""
    )
    assert rows == [
        ["代表 李强", "3", "2", "35 分钟", "1"],
        ["代表 陈芳", "1", "1", "5 分钟", "1"],
        ["高级代表 赵磊", "0", "0", "—", "0"],
    ]
    assert await page.locator("nav a[href='/desk/workload']").count() == 1
    current = page.locator("nav a.active")  # the page one is on is marked in the nav
    assert await current.all_inner_texts() == ["工作量"]
    assert await current.get_attribute("aria-current") == "page"
    li = await page.locator("#workload td[data-col=open] a").first.get_attribute("href")
    assert li is not None and re.fullmatch(r"/desk/cases\?assignee=\d+", li)
    async with page.expect_download() as info:  # the table as CSV, the median in minutes
        await page.click("#export-csv")
    raw = await asyncio.to_thread(Path(await (await info.value).path()).read_bytes)
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert table[0][3] == "首次答复中位数（工作分钟）"
    assert table[1:] == [
        ["代表 李强", "3", "2", "35", "1"],
        ["代表 陈芳", "1", "1", "5", "1"],
        ["高级代表 赵磊", "0", "0", "", "0"],
    ]
    await shots(page, "workload")
    assert await page.locator("h1").inner_text() == "Workload"
    assert "35 min" in await page.locator("#workload tbody tr").first.inner_text()
    assert tried == [] and errors == []


async def test_the_charts_have_the_weeks_data(week, page) -> None:
    tried = await offline(page)
    errors = await sign_in(page, week, ADMIN, "charts")
    read = """id => { const d = Chart.getChart(document.getElementById(id)).data;
                      return {labels: d.labels, sets: d.datasets.map(s => [s.label, s.data])}; }"""
    cases = await page.evaluate(read, "chart-cases")
    assert cases["labels"][-1] == "2026-11-25"
    (new_label, new), (resolved_label, resolved) = cases["sets"]
    assert (new_label, resolved_label) == ("新报", "已解决")
    assert new[-3:] == [1, 1, 3] and sum(new) == 6 and sum(resolved) == 1
    wages = await page.evaluate(read, "chart-wages")
    assert wages["sets"][0][1][-3:] == [1200, 0, 500.5] and wages["sets"][1][1][-1] == 800
    breaches = await page.evaluate(read, "chart-breaches")
    assert breaches["sets"][0][1][-1] == 60
    # The same numbers as a table, for screen readers and pages without scripts.
    table = page.locator(".chart:has(#chart-wages) details")
    await table.locator("summary").click()
    assert (await table.locator("tr", has_text="2026-09").inner_text()).split() == [
        "2026-09",
        "1200.00",
        "0.00",
    ]
    members = await page.evaluate(read, "chart-members")
    assert members["sets"][0][1][-2:] == [2, 1]
    await shots(page, "charts")
    cases = await page.evaluate(read, "chart-cases")
    assert [label for label, _ in cases["sets"]] == ["New", "Resolved"]
    assert tried == [] and errors == []


async def test_the_map_draws_the_compounds_and_the_cases_one_may_see(week, page) -> None:
    tried = await offline(page)
    errors = await sign_in(page, week, ADMIN, "map")
    paths = page.locator("#desk-map .leaflet-overlay-pane svg path")
    await paths.first.wait_for()
    # 12 compound polygons and 2 compound points, 2 zones, 5 open cases, 1 collective issue.
    assert await paths.count() == 22
    names = await page.locator("#desk-map .compound-label").all_inner_texts()
    assert len(names) == 14 and "柳岸晓风苑" in names
    assert await page.locator(".compound-label", has_text="柳岸晓风苑").is_visible()
    assert await page.locator("[data-count=cases]").inner_text() == "5"
    await page.locator("#desk-map .leaflet-overlay-pane path[fill='#c0392b']").first.click()
    link = page.locator(".leaflet-popup-content a")
    assert re.fullmatch(r"/desk/cases/C-2026-90\d+", await link.get_attribute("href") or "")
    assert await link.inner_text() in (await link.get_attribute("href") or "")
    await shots(page, "map")
    names = await page.locator("#desk-map .compound-label").all_inner_texts()
    assert "Liu'an Xiaofeng Court" in names
    assert await page.locator(".compound-label", has_text="Liu'an Xiaofeng Court").is_visible()
    assert tried == [] and errors == []


async def test_the_case_page_shows_its_place_and_links_to_the_full_map(week, page) -> None:
    """The case's point among the compounds around it, drawn offline; the link opens the
    full map centred on the case."""
    tried = await offline(page)
    errors = await sign_in(page, week, ADMIN, "cases/C-2026-9065")
    case_dot = page.locator("#place .leaflet-overlay-pane path[fill='#c0392b']")
    await case_dot.wait_for()
    assert await case_dot.count() == 1
    assert await page.locator("#place .leaflet-overlay-pane path").count() > 1  # compounds
    assert await page.locator("#place .leaflet-control-layers").count() == 0
    await shots(page, "case-place")
    link = page.locator("#full-map")
    assert re.fullmatch(r"/desk/map\?at=[\d.]+,[\d.]+", await link.get_attribute("href") or "")
    lat, lon = (float(x) for x in (await link.get_attribute("href") or "").split("=")[1].split(","))
    await link.click()
    await page.wait_for_url("**/desk/map?at=*")
    await page.locator("#desk-map .leaflet-overlay-pane path").first.wait_for()
    centre = await page.evaluate(
        "(() => document.getElementById('desk-map').deskMap.getCenter())()"
    )
    assert abs(centre["lat"] - lat) < 1e-4 and abs(centre["lng"] - lon) < 1e-4
    await page.screenshot(path=str(ARTIFACTS / "map-at-case-zh.png"))
    assert tried == [] and errors == []


async def test_a_representative_sees_their_zone_on_the_map(week, page) -> None:
    await sign_in(page, week, CHEN, "map")
    paths = page.locator("#desk-map .leaflet-overlay-pane svg path")
    await paths.first.wait_for()
    assert await paths.count() == 14 + 1 + 2  # compounds, BJ, its two open cases
    assert await page.locator("[data-count=collective]").inner_text() == "0"
    await page.screenshot(path=str(ARTIFACTS / "map-rep-bj-zh.png"))


async def test_a_rider_is_refused(week, page) -> None:
    """A rider signs in with a code sent in chat and gets the 403 page on each of them."""
    await page.goto(f"{week.url}/desk/sign-in")
    await page.locator("input[name=login]").last.fill(str(RIDER))
    await page.locator("form[action$='/sign-in/code'] button[type=submit]").click()
    async with week.ctx.sessions() as s:
        rider = await person(s, RIDER)
        sent = (
            await s.execute(select(Outbox).where(Outbox.chat_id == rider.telegram_id))
        ).scalars()
        code = re.search(r"\b(\d{6})\b", [o.payload["text"] for o in sent][-1]).group(1)  # type: ignore[union-attr]
    await page.locator("input[name=code]").fill(code)
    await page.locator("#code-verify button[type=submit]").click()
    for path in ("workload", "charts", "map"):
        answer = await page.goto(f"{week.url}/desk/{path}")
        assert answer is not None and answer.status == 403
        assert "李强" not in await page.content()
    await page.screenshot(path=str(ARTIFACTS / "rider-refused-zh.png"))


async def test_the_pages_fit_a_phone(week, page) -> None:
    """Representatives are riders: on a phone's width nothing pushes the page sideways."""
    await page.set_viewport_size({"width": 390, "height": 844})
    errors = await sign_in(page, week, CHEN, "workload")
    pages = (
        "workload",
        "charts",
        "map",
        "search?q=C-2026",
        "members",
        "audit",
        "cases/C-2026-9069",
    )
    for path in pages:
        await page.goto(f"{week.url}/desk/{path}")
        wide = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert wide <= 0, path
        name = "case-place" if path.startswith("cases/") else path.split("?")[0]
        await page.screenshot(path=str(ARTIFACTS / f"{name}-phone-zh.png"), full_page=True)
    assert errors == []
