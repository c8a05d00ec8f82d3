"""After /leave (in chat or through the API) nothing the desk keeps names the person.

A rider signs in to the app with a code sent in chat, applies, is approved, reports a case,
files a wage claim (or not), gets notices, leaves a form half-filled in chat, and leaves.
Then every table of the live schema (found by inspection, so tables added later are
scanned too), every string and JSON value and every integer, and every Redis key and value
of the test database are searched for the name, phone, username, first name and Telegram
id. The only thing allowed to remain is the documented exception: a claimant's name on the
left membership row while their wage claim is pending. Both of the person's tokens stop
working.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import aiohttp
import pytest
import redis.asyncio as redis
from sqlalchemy import inspect, select
from sqlalchemy import text as sql
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from app.runtime import Runtime
from models import Case, CaseStatus, Outbox
from models.db import make_engine, unit_of_work
from models.membership import Membership, MembershipEvent, MembershipStatus
from services.texts import text
from tests.api.conftest import ApiClient, sign_in_by_chat
from tests.api.people import REP_XH, staff, zone_id
from tests.chat import Chat, button, deliver
from tests.conftest import REDIS_URL, DeskFactory, desk_settings, require_redis
from tests.sandbox_client import SandboxClient

pytestmark = pytest.mark.fast_taps

RIDER = 76001234  # long enough that no hash or number contains it by chance
USERNAME = "lanxi_q"
FIRST_NAME = USERNAME.title()  # what sign_in_by_chat gives the sandbox user
NAME = "蓝溪阿强"
PHONE = "13912345678"
CLAIM = {
    "counterparty_kind": "station",
    "counterparty_name": "顺丰 滨江三站",
    "relation": "crowdsourced",
    "amount": "1234.50",
    "period_start": "2026-03-01",
    "period_end": "2026-03-31",
    "knew_on": "2026-04-05",
    "work_ended_on": "2026-04-10",
}


def needles() -> dict[str, re.Pattern[str]]:
    return {
        "name": re.compile(re.escape(NAME)),
        "phone": re.compile(PHONE),
        "username": re.compile(re.escape(USERNAME), re.IGNORECASE),
        "first name": re.compile(re.escape(FIRST_NAME), re.IGNORECASE),
        "telegram id": re.compile(str(RIDER)),
    }


def _found(value: Any) -> list[str]:
    if value is None or isinstance(value, bool | float):
        return []
    if isinstance(value, int):
        return ["telegram id"] if value == RIDER else []
    if isinstance(value, bytes):
        value = value.decode(errors="replace")
    if isinstance(value, str) and value[:1] in "[{":
        try:  # JSON columns read raw: "\\u84dd" must be seen as the letter it spells
            value = json.loads(value)
        except ValueError:
            pass
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False)
    value = str(value)
    return [label for label, pattern in needles().items() if pattern.search(value)]


async def database_leftovers(engine: AsyncEngine) -> set[tuple[str, str, str]]:
    """(table, column, what) for every value in every table that names the person."""
    async with engine.connect() as conn:
        tables = await conn.run_sync(lambda c: inspect(c).get_table_names())
        found: set[tuple[str, str, str]] = set()
        for table in tables:
            rows = (await conn.execute(sql(f'SELECT * FROM "{table}"'))).mappings().all()
            for row in rows:
                for column, value in row.items():
                    found |= {(table, column, what) for what in _found(value)}
    return found


async def redis_leftovers() -> set[tuple[str, str]]:
    """(key, what) for every key of the test Redis database whose name or value names the
    person (other tests' keys in that database never carry this rider's data)."""
    client = redis.Redis.from_url(REDIS_URL)
    found: set[tuple[str, str]] = set()
    try:
        async for raw in client.scan_iter(count=1000):
            key = raw.decode(errors="replace")
            kind = (await client.type(raw)).decode()
            if kind == "string":
                values: Any = await client.get(raw)
            elif kind == "hash":
                values = list((await client.hgetall(raw)).items())
            elif kind == "list":
                values = await client.lrange(raw, 0, -1)
            elif kind == "set":
                values = list(await client.smembers(raw))
            elif kind == "zset":
                values = await client.zrange(raw, 0, -1)
            else:
                values = b""
            flat = repr(values).encode().decode("unicode_escape", errors="replace")
            raw_text = values if isinstance(values, bytes) else repr(values).encode()
            for what in {*_found(key), *_found(flat), *_found(raw_text)}:
                found.add((key, what))
    finally:
        await client.aclose()
    return found


EXCEPTION = {("membership", "name", "name")}


@pytest.fixture
async def up(
    desks: DeskFactory, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[tuple[Any, ApiClient]]:
    extra: dict[str, Any] = {}
    if getattr(request, "param", None) == "redis":
        await require_redis()
        extra["redis_url"] = REDIS_URL
    runtime = await desks.start(upload_dir=tmp_path / "uploads", **extra)
    async with aiohttp.ClientSession() as http:
        yield runtime, ApiClient(runtime.url, http)


async def a_member_with_history(
    runtime: Any, client: ApiClient, sandbox: SandboxClient, *, with_claim: bool
) -> dict:
    """Everything a member leaves traces with; returns their tokens."""
    rep = await staff(runtime, client, REP_XH)  # loads the demo zones and staff
    tokens = await sign_in_by_chat(runtime, client, sandbox, telegram_id=RIDER, username=USERNAME)
    me = tokens["access_token"]
    status, m, _ = await client.call(
        "POST",
        "/me/membership",
        token=me,
        json={
            "name": NAME,
            "phone": PHONE,
            "platforms": ["meituan"],
            "work_kinds": ["food"],
            "zone_id": await zone_id(runtime, "XH"),
            "vehicle": "ebike",
        },
    )
    assert status == 201, m
    status, approved, _ = await client.call(
        "POST", f"/staff/applications/{m['id']}/approve", token=rep
    )
    assert status == 200, approved
    report = aiohttp.FormData(default_to_multipart=True)
    told = f"三天工资没结，我是{NAME}，电话 {PHONE}"  # riders do write who they are
    report.add_field(
        "report",
        json.dumps({"category": "platform", "description": told, "lat": 30.28, "lon": 120.13}),
        content_type="application/json",
    )
    status, case, _ = await client.call("POST", "/cases", token=me, data=report)
    assert status == 201, case
    status, taken, _ = await client.call(
        "POST", f"/staff/cases/{case['id']}/claim", token=rep
    )  # a representative takes the case: the rider gets a notice
    assert status == 200, taken
    status, replied, _ = await client.call(
        "POST",
        f"/staff/cases/{case['id']}/reply",
        token=rep,
        json={"text": f"{NAME}你好，我们明天打 {PHONE} 联系你"},
    )
    assert status == 200, replied
    if with_claim:
        status, claim, _ = await client.call("POST", "/claims", token=me, json=CLAIM)
        assert status == 201, claim
    await deliver(runtime)  # some notices are sent, and later ones stay pending
    # A form left half-filled in chat: conversation state keyed by the Telegram id.
    await Chat(sandbox, RIDER).say("/report")
    return tokens


async def leave_in_chat(sandbox: SandboxClient, *, with_claim: bool) -> None:
    rider = Chat(sandbox, RIDER)
    ask = await rider.say("/leave")
    # The exception is said before the rider confirms, and named when it applies to them.
    assert ask["text"].startswith(text("en", "erasure.leave_confirm").split("\n")[0])
    assert "arbitration application must name the claimant" in ask["text"]
    assert ("You have wage claims still being pursued" in ask["text"]) is with_claim
    last = (await sandbox.messages(RIDER))[-1]["message_id"]
    await sandbox.press(RIDER, ask["message_id"], button(ask, "lv:1"))
    done = await rider.wait_for(lambda m: "/join" in m["text"], after=last)
    assert ("Only your wage claims still being pursued" in done["text"]) is with_claim


async def assert_erased(runtime: Any, client: ApiClient, tokens: dict, *, with_claim: bool) -> None:
    left = await database_leftovers(runtime.ctx.engine)
    allowed = EXCEPTION if with_claim else set()
    assert left - allowed == set(), sorted(left - allowed)
    assert left == allowed, "a pending claim keeps its claimant's name (and only then)"
    if runtime.settings.redis_url:
        assert await redis_leftovers() == set()
    status, _, _ = await client.call(
        "POST", "/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert status == 401
    status, _, _ = await client.call("GET", "/me/membership", token=tokens["access_token"])
    assert status == 401
    async with unit_of_work(runtime.ctx.sessions) as session:
        [m] = (await session.execute(select(Membership))).scalars().all()[-1:]
        assert m.status is MembershipStatus.left and m.phone is None
        left_event = (
            await session.execute(select(MembershipEvent).where(MembershipEvent.kind == "left"))
        ).scalar_one()
        assert left_event.payload["sessions_revoked"] >= 1
        assert left_event.payload["outbox_dropped"] >= 1
        assert left_event.payload["outbox_scrubbed"] >= 1
        # The union's record stays: the case and its history, with nobody named.
        case = (await session.execute(select(Case).order_by(Case.id))).scalars().first()
        assert case is not None and case.status is not CaseStatus.new
        # Notices to others keep their sense, with the placeholder for who it was.
        payloads = [r.payload for r in (await session.execute(select(Outbox))).scalars()]
        assert any(
            text("zh", "erasure.former_member") in json.dumps(p, ensure_ascii=False)
            or text("en", "erasure.former_member") in json.dumps(p)
            for p in payloads
        )


async def traces_before_leaving(runtime: Any) -> None:
    """The scan finds the person before they leave: it can see what it looks for."""
    found = {what for _, _, what in await database_leftovers(runtime.ctx.engine)}
    assert found >= {"name", "phone", "username", "first name", "telegram id"}, found


def logged_personal_data(records: list[logging.LogRecord]) -> list[str]:
    """What the desk logged (its own loggers and the libraries', not the sandbox standing
    in for Telegram) that names the person."""
    ours = [r for r in records if not r.name.startswith("sandbox")]
    lines = [r.getMessage() + (r.exc_text or "") for r in ours]
    return [line for line in lines if _found(line)]


@pytest.mark.parametrize("with_claim", [True, False], ids=["pending-claim", "no-claim"])
async def test_leave_in_chat_erases_everything(
    up, sandbox, with_claim: bool, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    runtime, client = up
    tokens = await a_member_with_history(runtime, client, sandbox, with_claim=with_claim)
    await traces_before_leaving(runtime)
    await leave_in_chat(sandbox, with_claim=with_claim)
    await assert_erased(runtime, client, tokens, with_claim=with_claim)
    assert caplog.records, "the desk's logs were captured"
    assert logged_personal_data(caplog.records) == []


async def test_leave_through_the_api_erases_everything(up, sandbox) -> None:
    runtime, client = up
    tokens = await a_member_with_history(runtime, client, sandbox, with_claim=True)
    _, card, _ = await client.call("GET", "/me/membership/card", token=tokens["access_token"])
    status, body, _ = await client.call("DELETE", "/me/membership", token=tokens["access_token"])
    assert (status, body["status"]) == (200, "left"), body
    await assert_erased(runtime, client, tokens, with_claim=True)
    # The card's public check says "left" and shows nothing of the name kept for the claim.
    path = urlparse(card["verify_url"]).path  # the URL names the configured port, here 0
    async with client.http.get(runtime.url + path, headers={"Accept": "application/json"}) as r:
        checked = await r.json()
    assert (checked["status"], checked["name_initial"]) == ("left", None), checked
    # Staff see who the case was from as "a former member"; the pending claim still names
    # its claimant, until it ends: then the name goes too.
    rep = await staff(runtime, client, REP_XH)
    en = {"Accept-Language": "en"}
    _, listed, _ = await client.call("GET", "/staff/claims", token=rep)
    [claim] = listed["claims"]
    status, detail, _ = await client.call("GET", f"/staff/claims/{claim['id']}", token=rep)
    assert (status, detail["rider"]) == (200, NAME), detail
    status, case, _ = await client.call(
        "GET", f"/staff/cases/{claim['case_id']}", token=rep, headers=en
    )
    assert (status, case["reporter"]) == (200, text("en", "erasure.former_member")), case
    status, moved, _ = await client.call(
        "POST", f"/staff/claims/{claim['id']}/stage", token=rep, json={"stage": "withdrawn"}
    )
    assert (status, moved["stage"]) == (200, "withdrawn"), moved
    assert await database_leftovers(runtime.ctx.engine) == set()
    status, detail, _ = await client.call(
        "GET", f"/staff/claims/{claim['id']}", token=rep, headers=en
    )
    assert detail["rider"] == text("en", "erasure.former_member")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("up", ["redis"], indirect=True)
async def test_leave_with_redis_storage_leaves_no_key(up, sandbox) -> None:
    runtime, client = up
    tokens = await a_member_with_history(runtime, client, sandbox, with_claim=False)
    fsm = {k for k, what in await redis_leftovers() if k.startswith("fsm:")}
    assert fsm, "the half-filled form is kept in Redis before leaving"
    await leave_in_chat(sandbox, with_claim=False)
    await assert_erased(runtime, client, tokens, with_claim=False)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("up", ["redis"], indirect=True)
async def test_leave_through_an_api_only_instance_clears_the_bots_redis(up, sandbox) -> None:
    """Two instances on one database and one Redis: the bot's, and one serving only the API
    (no dispatcher of its own). Leaving through the second still deletes the chat's keys."""
    runtime, _ = up
    api_only = Runtime(
        desk_settings(runtime.settings.database_url, sandbox, redis_url=REDIS_URL),
        bot=False,
        scheduler=False,
    )
    await api_only.start()
    try:
        assert api_only.ctx.dp is None
        async with aiohttp.ClientSession() as http:
            client = ApiClient(api_only.url, http)
            tokens = await a_member_with_history(runtime, client, sandbox, with_claim=False)
            assert {k for k, _ in await redis_leftovers() if k.startswith("fsm:")}
            status, body, _ = await client.call(
                "DELETE", "/me/membership", token=tokens["access_token"]
            )
            assert (status, body["status"]) == (200, "left"), body
            await assert_erased(runtime, client, tokens, with_claim=False)
    finally:
        await api_only.stop()


async def test_a_failed_statement_does_not_carry_personal_data_into_logs(db_url: str) -> None:
    """Error messages (logged with their traceback by the bot and the API) leave out the
    statement's parameters: a refused insert of an application does not log the phone."""
    engine = make_engine(db_url)
    try:
        async with engine.begin() as conn:
            with pytest.raises(IntegrityError) as refused:  # no such user: a foreign key
                await conn.execute(
                    sql(
                        "INSERT INTO membership (user_id, status, name, phone, platforms,"
                        " work_kinds, applied_at) VALUES (999999, 'pending', :n, :p, '[]', '[]',"
                        " CURRENT_TIMESTAMP)"
                    ),
                    {"n": NAME, "p": PHONE},
                )
        assert _found(str(refused.value)) == []
    finally:
        await engine.dispose()
