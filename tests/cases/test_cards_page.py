"""The card edits and the bot's pop-up answers as a person sees them on the sandbox page, in
Chromium: a toast for 接手, an alert for a late 接手, the notice edited in place. Screenshots go
to var/test-artifacts/chat/ to be looked at."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.cases.conftest import REP_XH, RIDER, SENIOR, people, report
from tests.chat import Chat, deliver
from tests.sandbox_client import SandboxClient

pytestmark = pytest.mark.fast_taps

ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts" / "chat"


async def _as(page, sandbox: SandboxClient, telegram_id: int) -> None:
    await page.goto(f"{sandbox.base}/sandbox/")
    await page.locator(f'#user-select option[value="{telegram_id}"]').wait_for(state="attached")
    await page.select_option("#user-select", str(telegram_id))


async def test_toast_alert_and_edited_notice_in_the_browser(desk, sandbox: SandboxClient, page):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await people(desk, sandbox)
    done = await report(sandbox, RIDER, text="Gate 3 blocks e-bikes")
    ref = re.search(r"C-\d{4}-\d{5}", done["text"]).group(0)  # type: ignore[union-attr]
    await Chat(sandbox, REP_XH).delivered(desk, ref, newest=True)
    await Chat(sandbox, SENIOR).delivered(desk, ref, newest=True)

    # 李强 takes it: the bot's short answer shows as a toast.
    await _as(page, sandbox, REP_XH)
    his = page.locator("#messages li.bot", has_text=ref).last
    await his.get_by_role("button", name="🙋 接手").click()
    toast = page.locator("#toast.info", has_text=f"你接手了 {ref}")
    await toast.wait_for(timeout=10_000)
    await page.screenshot(path=str(ARTIFACTS / "claim-toast.png"))

    # 赵磊's copy was not edited yet: his late tap gets an alert saying who took it and when.
    await _as(page, sandbox, SENIOR)
    theirs = page.locator("#messages li.bot", has_text=ref).last
    await theirs.get_by_role("button", name="🙋 接手").click()
    alert = page.locator("#alert")
    await alert.wait_for(state="visible", timeout=10_000)
    said = await page.locator("#alert-text").inner_text()
    assert re.search(rf"来晚了一步：代表 李强 已在 .+ 接手 {ref}", said), said
    await page.screenshot(path=str(ARTIFACTS / "late-claim-alert.png"))
    await page.click("#alert-ok")
    await alert.wait_for(state="hidden")

    # The outbox edits his copy in place: who took it, and no 接手 any more.
    await deliver(desk)
    edited = page.locator("#messages li.bot", has_text="已接手")
    await edited.wait_for(timeout=10_000)
    assert await edited.get_by_role("button", name="🙋 接手").count() == 0
    assert await edited.get_by_role("button", name="📂 打开").count() == 1
    assert await page.locator("#messages li.bot", has_text=ref).count() == 1  # edited, not new
    await page.screenshot(path=str(ARTIFACTS / "notice-edited.png"))
