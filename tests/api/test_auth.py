"""Sign-in through the bot, the login widget and passwords; tokens; lockout; problems."""

from __future__ import annotations

import hashlib
import hmac
import re
import time

import time_machine

from bot.outbox_sender import OutboxSender
from models import Role
from models.db import unit_of_work
from services import auth
from services.users import create_staff
from tests.api.conftest import sign_in_by_chat

RIDER = 710001


async def test_rider_signs_in_with_a_code_from_chat_and_out_again(api, sandbox) -> None:
    runtime, client = api
    tokens = await sign_in_by_chat(runtime, client, sandbox, telegram_id=RIDER, username="wang")
    status, me, _ = await client.call("GET", "/me", token=tokens["access_token"])
    assert status == 200
    assert (me["username"], me["role"], me["membership_status"]) == ("wang", "rider", None)
    assert (await client.call("POST", "/auth/logout", token=tokens["access_token"]))[0] == 204
    status, problem, headers = await client.call("GET", "/me", token=tokens["access_token"])
    assert status == 401
    assert headers["Content-Type"].startswith("application/problem+json")
    assert problem["code"] == "token_invalid" and problem["status"] == 401


async def test_code_is_single_use(api, sandbox) -> None:
    runtime, client = api
    await sign_in_by_chat(runtime, client, sandbox, telegram_id=RIDER, username="wang")
    notices = await sandbox.messages(RIDER)
    code = re.search(r"\b(\d{6})\b", notices[-1]["text"]).group(1)  # type: ignore[union-attr]
    status, problem, _ = await client.call(
        "POST", "/auth/token", json={"login": "wang", "code": code}
    )
    assert (status, problem["code"]) == (401, "code_expired")


async def test_five_wrong_codes_lock_sign_in_for_15_minutes(api, sandbox) -> None:
    runtime, client = api
    await sandbox.user(RIDER, "Wang", language="en", username="wang")
    await sandbox.reply_to(RIDER, "/help")
    assert (await client.call("POST", "/auth/code", json={"login": "wang"}))[0] == 202
    await OutboxSender(
        runtime.ctx.bot, runtime.ctx.sessions, per_chat_per_second=50
    ).drain_until_empty()
    code = re.search(r"\b(\d{6})\b", (await sandbox.messages(RIDER))[-1]["text"]).group(1)  # type: ignore[union-attr]
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        status, problem, _ = await client.call(
            "POST", "/auth/token", json={"login": "wang", "code": wrong}
        )
        assert (status, problem["code"]) == (401, "code_wrong")
    status, problem, headers = await client.call(
        "POST", "/auth/token", json={"login": "wang", "code": code}
    )
    assert (status, problem["code"]) == (429, "sign_in_locked")
    assert 800 < int(headers["Retry-After"]) <= 900
    # Asking for a new code is refused too while locked; 15 minutes later sign-in works.
    assert (await client.call("POST", "/auth/code", json={"login": "wang"}))[0] == 429
    with time_machine.travel(time.time() + 16 * 60, tick=True):
        tokens = await sign_in_by_chat(runtime, client, sandbox, telegram_id=RIDER, username="wang")
    assert tokens["access_token"]


async def test_code_expires_after_five_minutes(api, sandbox) -> None:
    runtime, client = api
    await sandbox.user(RIDER, "Wang", language="en", username="wang")
    await sandbox.reply_to(RIDER, "/help")
    await client.call("POST", "/auth/code", json={"login": "wang"})
    await OutboxSender(
        runtime.ctx.bot, runtime.ctx.sessions, per_chat_per_second=50
    ).drain_until_empty()
    code = re.search(r"\b(\d{6})\b", (await sandbox.messages(RIDER))[-1]["text"]).group(1)  # type: ignore[union-attr]
    with time_machine.travel(time.time() + 5 * 60 + 5, tick=True):
        status, problem, _ = await client.call(
            "POST", "/auth/token", json={"login": "wang", "code": code}
        )
    assert (status, problem["code"]) == (401, "code_expired")


async def test_unknown_login_gets_the_same_answer(api) -> None:
    _, client = api
    status, body, _ = await client.call("POST", "/auth/code", json={"login": "nobody-here"})
    assert status == 202 and body["detail"].startswith("如果这个账号存在")


async def test_refresh_token_works_once(api, sandbox) -> None:
    runtime, client = api
    tokens = await sign_in_by_chat(runtime, client, sandbox, telegram_id=RIDER, username="wang")
    status, fresh, _ = await client.call(
        "POST", "/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert status == 200 and fresh["access_token"] != tokens["access_token"]
    assert (await client.call("GET", "/me", token=fresh["access_token"]))[0] == 200
    again = await client.call(
        "POST", "/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert again[0] == 401


async def test_telegram_login_widget_hash_is_checked(api, sandbox) -> None:
    runtime, client = api
    await sandbox.user(RIDER, "Wang", language="en", username="wang")
    await sandbox.reply_to(RIDER, "/help")
    fields = {
        "id": str(RIDER),
        "first_name": "Wang",
        "username": "wang",
        "auth_date": str(int(time.time())),
    }
    check = "\n".join(f"{k}={fields[k]}" for k in sorted(fields))
    secret = hashlib.sha256(runtime.settings.token.encode()).digest()
    good = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    status, tokens, _ = await client.call("POST", "/auth/telegram", json={**fields, "hash": good})
    assert status == 200 and tokens["token_type"] == "Bearer"
    forged = {**fields, "id": str(RIDER + 1), "hash": good}
    status, problem, _ = await client.call("POST", "/auth/telegram", json=forged)
    assert (status, problem["code"]) == (401, "widget_invalid")


async def test_staff_password_sign_in(api) -> None:
    runtime, client = api
    async with unit_of_work(runtime.ctx.sessions) as session:
        rep = await create_staff(
            session, telegram_id=1234, display_name="Rep", role=Role.rep, username="rep1"
        )
        await auth.set_password(session, user=rep, password="correct horse battery")
    status, tokens, _ = await client.call(
        "POST", "/auth/password", json={"login": "rep1", "password": "correct horse battery"}
    )
    assert status == 200
    assert (await client.call("GET", "/me", token=tokens["access_token"]))[1]["role"] == "rep"
    status, problem, _ = await client.call(
        "POST", "/auth/password", json={"login": "rep1", "password": "wrong"}
    )
    assert (status, problem["code"]) == (401, "password_wrong")


async def test_bad_bodies_get_problem_details(api) -> None:
    _, client = api
    status, problem, _ = await client.call(
        "POST", "/auth/token", json={"login": "x", "code": "12ab"}
    )
    assert status == 422 and problem["code"] == "invalid_request"
    assert problem["errors"][0]["loc"] == ["code"]
    status, problem, _ = await client.call(
        "POST", "/auth/code", data=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert status == 400 and problem["status"] == 400
    status, problem, _ = await client.call("POST", "/auth/code", json={"login": "x" * 70_000})
    assert status == 413 and problem["status"] == 413
    assert (await client.call("GET", "/me"))[1]["code"] == "token_missing"


async def test_rate_limit_answers_429_with_retry_after(desks) -> None:
    import aiohttp

    from tests.api.conftest import ApiClient

    runtime = await desks.start(api_rate_sign_in="3/minute")
    async with aiohttp.ClientSession() as http:
        client = ApiClient(runtime.url, http)
        statuses = [
            (await client.call("POST", "/auth/code", json={"login": "x"}))[0] for _ in range(4)
        ]
        status, problem, headers = await client.call("POST", "/auth/code", json={"login": "x"})
    assert statuses[:3] == [202, 202, 202] and status == 429
    assert problem["code"] == "rate_limited" and 1 <= int(headers["Retry-After"]) <= 60
