"""/api/v1/docs is Swagger UI over the served contract: it loads with every request to any
other host refused (nothing from a CDN), lists every operation, and "try it out" calls this
desk and shows the answer."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from api.openapi import openapi_path
from api.v1 import api as registry

ARTIFACTS = Path("var/test-artifacts/desk")
LOCAL = {"127.0.0.1", "localhost"}


async def offline(page) -> list[str]:  # type: ignore[no-untyped-def]
    """Refuse every request that would leave this machine; return the list of those tried."""
    tried: list[str] = []

    async def guard(route) -> None:  # type: ignore[no-untyped-def]
        if urlsplit(route.request.url).hostname in LOCAL:
            await route.continue_()
        else:
            tried.append(route.request.url)
            await route.abort()

    await page.route("**/*", guard)
    return tried


# The database plays no part here: one is enough.
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_the_viewer_works_offline_and_tries_an_operation(desks, page) -> None:
    runtime = await desks.start()
    tried = await offline(page)
    await page.goto(f"{runtime.url}/api/v1/docs")
    await page.locator("body[data-loaded=yes]").wait_for()
    paths = page.locator(".opblock-summary-path")
    await paths.first.wait_for()
    assert await page.locator(".opblock").count() == len(registry.operations)
    listed = set(await paths.evaluate_all("ps => ps.map(p => p.dataset.path)"))
    assert listed == {registry.prefix + openapi_path(o.path) for o in registry.operations}
    await page.screenshot(path=str(ARTIFACTS / "api-docs.png"))
    # Try one: the guide topics, which need no sign-in.
    op = page.locator("#operations-guides-list_topics")
    await op.locator(".opblock-summary").click()
    await op.locator("button.try-out__btn").click()
    await op.locator("button.execute").click()
    status = op.locator(".live-responses-table .response .response-col_status")
    await status.wait_for()
    assert (await status.inner_text()).strip() == "200"
    body = await op.locator(".live-responses-table .microlight").first.inner_text()
    assert '"slug": "getting-started"' in body
    await page.screenshot(path=str(ARTIFACTS / "api-docs-try-it.png"))
    assert tried == []
