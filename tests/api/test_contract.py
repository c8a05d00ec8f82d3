"""The contract is served and complete: OpenAPI 3.1 naming every operation, and its viewer."""

from __future__ import annotations

import json
import re

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
    await page.locator(".opblock-summary-path", has_text="/api/v1/auth/token").wait_for()
    assert await page.locator("h3.opblock-tag[data-tag=auth]").count() == 1


async def test_every_reference_and_link_in_the_document_resolves(api) -> None:
    _, client = api
    _, spec, _ = await client.call("GET", "/openapi.json")
    text = json.dumps(spec)
    for ref in set(re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', text)):
        assert ref in spec["components"]["schemas"], ref
    operation_ids = {op["operationId"] for ops in spec["paths"].values() for op in ops.values()}
    links = [
        link
        for ops in spec["paths"].values()
        for op in ops.values()
        for answer in op["responses"].values()
        for link in answer.get("links", {}).values()
    ]
    assert len(links) > 20
    for link in links:
        assert link["operationId"] in operation_ids, link


async def test_bodies_are_held_to_their_json_types(api) -> None:
    """What the schema calls a boolean or an integer is one: no "5" for 5, no 0 for false;
    2.0 is an integer, as JSON Schema says."""
    _, client = api
    body = {"login": "someone", "code": 123456}  # the code is a string of digits
    status, problem, _ = await client.call("POST", "/auth/token", json=body)
    assert (status, problem["errors"][0]["loc"]) == (422, ["code"])
    widget = {"id": 5.0, "auth_date": 1, "hash": "0" * 64}  # integral: read as 5
    assert (await client.call("POST", "/auth/telegram", json=widget))[0] == 401
    widget = {"id": 5.5, "auth_date": 1, "hash": "0" * 64}
    assert (await client.call("POST", "/auth/telegram", json=widget))[0] == 422
    # NUL cannot be stored in PostgreSQL's text: refused up front, on both databases.
    body = {"login": "admin\u0000", "password": "whatever"}
    status, problem, _ = await client.call("POST", "/auth/password", json=body)
    assert (status, problem["errors"][0]["loc"]) == (422, ["login"])
