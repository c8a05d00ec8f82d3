"""Who schemathesis is when it calls the live desk (loaded through SCHEMATHESIS_HOOKS).

Staff and admin operations run as the demo admin, signed in with a password; everything
else runs as the demo rider, signed in the way the app does it (a code sent by the bot in
the sandbox chat) and made a member through the API itself (apply, then the admin
approves). Sign-out and leaving the union are part of the run: schemathesis answers the
401 that follows by asking here again, and the rider signs in (and joins) afresh.
"""

from __future__ import annotations

import os
import re
import time
from typing import Any

import requests
import schemathesis

BASE = os.environ.get("RU_BASE", "http://127.0.0.1:8080")
ADMIN_LOGIN = os.environ.get("RU_ADMIN_LOGIN", "900001")
ADMIN_PASSWORD = os.environ.get("RU_ADMIN_PASSWORD", "")
RIDER = int(os.environ.get("RU_RIDER", "900101"))  # the demo rider (services.demo.DEMO_RIDER)
APPLICATION = {
    "name": "刘小骑",
    "phone": "13800138000",
    "platforms": ["meituan"],
    "work_kinds": ["food"],
    "zone_id": 1,  # the first demo zone
    "vehicle": "ebike",
}
TIMEOUT = 15
CODE = r"^🔐\D*(\d{6})\b"  # the sign-in code message (auth.code in every language)


def is_staff_operation(path: str) -> bool:
    return path.startswith(("/api/v1/staff/", "/api/v1/admin/"))


def _api(method: str, path: str, token: str | None = None, **kw: Any) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.request(method, f"{BASE}/api/v1{path}", headers=headers, timeout=TIMEOUT, **kw)


def _sandbox(method: str, path: str, **kw: Any) -> Any:
    resp = requests.request(method, f"{BASE}/sandbox/api{path}", timeout=TIMEOUT, **kw)
    resp.raise_for_status()
    return resp.json()


def admin_token() -> str:
    body = {"login": ADMIN_LOGIN, "password": ADMIN_PASSWORD}
    resp = _api("POST", "/auth/password", json=body)
    resp.raise_for_status()
    return resp.json()["access_token"]


def _bot_says(after: int, pattern: str) -> tuple[int, str]:
    """The first bot message to the rider after `after` matching `pattern` (within 90 s: the
    code waits its turn behind the notices the run queued to the rider, at 1 a second)."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        found = _sandbox("GET", f"/chats/{RIDER}/messages", params={"after": after, "wait": 5})
        for m in found["messages"]:
            if re.search(pattern, m.get("text") or ""):
                return m["message_id"], m["text"]
            after = max(after, m["message_id"])
    raise AssertionError(f"the bot sent the rider nothing matching {pattern!r}")


def rider_token() -> str:
    # /start links (or, after leaving, re-creates) the rider's account in the bot.
    _sandbox("POST", "/users", json={"id": RIDER, "first_name": "Liu", "language_code": "en"})
    sent = _sandbox("POST", f"/chats/{RIDER}/send", json={"text": "/start"})["message_id"]
    last, _ = _bot_says(sent, r".")
    assert _api("POST", "/auth/code", json={"login": str(RIDER)}).status_code == 202
    _, text = _bot_says(last, CODE)  # not just any 6 digits: member numbers have them too
    code = re.search(CODE, text).group(1)  # type: ignore[union-attr]
    resp = _api("POST", "/auth/token", json={"login": str(RIDER), "code": code})
    resp.raise_for_status()
    token = resp.json()["access_token"]
    _make_member(token)
    return token


def _make_member(token: str) -> None:
    mine = _api("GET", "/me/membership", token)
    if mine.status_code == 200 and mine.json()["status"] == "active":
        return
    if mine.status_code != 200 or mine.json()["status"] != "pending":
        mine = _api("POST", "/me/membership", token, json=APPLICATION)
        assert mine.status_code == 201, mine.text
    approved = _api("POST", f"/staff/applications/{mine.json()['id']}/approve", admin_token())
    assert approved.status_code == 200, approved.text


@schemathesis.auth(
    cache_by_key=lambda case, _: "staff" if is_staff_operation(case.operation.path) else "rider"
)
class DeskAuth:
    def get(self, case: Any, context: Any) -> str:
        return admin_token() if is_staff_operation(case.operation.path) else rider_token()

    def set(self, case: Any, data: str, context: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}
