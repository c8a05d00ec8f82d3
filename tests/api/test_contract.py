"""The contract is served and complete: OpenAPI 3.1 naming every operation, and its viewer."""

from __future__ import annotations

from api.openapi import openapi_path
from api.v1 import api as registry


async def test_openapi_lists_every_operation_with_its_models(api) -> None:
    _, client = api
    status, spec, _ = await client.call("GET", "/openapi.json")
    assert status == 200 and spec["openapi"] == "3.1.0"
    served = {(m.upper(), path) for path, ops in spec["paths"].items() for m in ops}
    declared = {(o.method, registry.prefix + openapi_path(o.path)) for o in registry.operations}
    assert served == declared
    token = spec["paths"]["/api/v1/auth/token"]["post"]
    assert token["security"] == []
    assert token["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/CodeExchange"
    )
    assert "401" in token["responses"] and "429" in token["responses"]
    assert spec["components"]["schemas"]["CodeExchange"]["properties"]["code"]["pattern"]


async def test_docs_page_renders_the_operations(api, page) -> None:
    runtime, _ = api
    await page.goto(f"{runtime.url}/api/v1/docs")
    await page.locator("details summary", has_text="/api/v1/auth/token").wait_for()
    assert await page.locator("h2", has_text="auth").count() == 1
