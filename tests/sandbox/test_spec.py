"""Conformance with the Bot API description in ../shared/telegram-bot-api/api.json."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from sandbox import gen_spec, spec
from sandbox.botapi import served_methods

from .conftest import Sandbox

REPO_ROOT = Path(__file__).resolve().parents[2]
API_JSON = REPO_ROOT.parent / "shared/telegram-bot-api/api.json"


@pytest.fixture(scope="module")
def api() -> dict:
    if not API_JSON.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{API_JSON} is missing")
        pytest.skip(f"{API_JSON} is missing")
    return json.loads(API_JSON.read_text(encoding="utf-8"))


def test_served_methods_exist_in_the_spec(api: dict) -> None:
    missing = [m for m in served_methods() if m not in api["methods"]]
    assert not missing


def test_vendored_spec_is_up_to_date(api: dict) -> None:
    assert spec.load_spec() == gen_spec.trim(api), "run: python -m sandbox.gen_spec"


REQUIRED = [(m, f) for m in served_methods() for f in spec.required_fields(m)]


@pytest.mark.parametrize(("method", "field"), REQUIRED, ids=[f"{m}-{f}" for m, f in REQUIRED])
async def test_missing_required_field_is_400(
    api: dict, sb: Sandbox, method: str, field: str
) -> None:
    required = [f["name"] for f in api["methods"][method]["fields"] if f["required"]]
    assert field in required
    params = {f: "1" for f in required if f != field}
    status, body = await sb.call(method, **params)
    assert status == 400 and body["ok"] is False and body["error_code"] == 400
    wording = "message text is empty" if field == "text" else f"{field} is empty"
    assert body["description"] == f"Bad Request: {wording}"


@pytest.mark.parametrize("encoding", ["query", "form", "multipart", "json"])
async def test_every_parameter_encoding(sb: Sandbox, encoding: str) -> None:
    url = sb.method_url("sendMessage")
    params = {"chat_id": "1001", "text": "<b>x</b>", "parse_mode": "HTML"}
    if encoding == "query":
        request = sb.http.get(url, params=params)
    elif encoding == "form":
        request = sb.http.post(url, data=params)
    elif encoding == "multipart":
        import aiohttp

        form = aiohttp.FormData(params)
        form.add_field("reply_markup", json.dumps({"remove_keyboard": True}))
        form.add_field("dummy", b"", filename="f.bin")  # forces multipart/form-data
        request = sb.http.post(url, data=form)
    else:
        request = sb.http.post(url, json={**params, "chat_id": 1001})
    async with request as resp:
        body = await resp.json()
    assert resp.status == 200, body
    assert body["result"]["text"] == "x" and body["result"]["entities"][0]["type"] == "bold"
