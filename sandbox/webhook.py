"""Webhook delivery: POST each queued update in order, retrying with backoff until a 2xx.

One update is in flight at a time, as Telegram does for one chat. With upstreams set
(control API `PUT /api/webhook/upstreams`) the sandbox also plays the reverse proxy in front
of several desk instances: each POST goes to the next upstream in turn, a retry included,
while setWebhook and getWebhookInfo keep the one public URL as Telegram does."""

from __future__ import annotations

import asyncio
import contextlib
import time

import aiohttp

from .params import Params
from .state import BotApiError, BotState, SandboxState, Webhook

FIRST_RETRY = 0.2  # seconds; doubled per failure (the real server also backs off, more slowly)
MAX_RETRY = 5.0
POST_TIMEOUT = aiohttp.ClientTimeout(total=10)


def start_delivery(state: SandboxState, bot: BotState, url: str, secret: str | None) -> None:
    stop_delivery(bot)
    bot.webhook = Webhook(url=url, secret_token=secret)
    bot.webhook_task = asyncio.create_task(_deliver(state, bot, bot.webhook))


def stop_delivery(bot: BotState) -> None:
    if bot.webhook_task is not None:
        bot.webhook_task.cancel()
    bot.webhook_task = None
    bot.webhook = None


async def _deliver(state: SandboxState, bot: BotState, hook: Webhook) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": hook.secret_token} if hook.secret_token else {}
    delay = FIRST_RETRY
    while bot.webhook is hook:
        if not bot.queue:
            await bot.updates_changed.wait(30)
            continue
        update = bot.queue[0]
        url = _target(state, hook)
        error = None
        status: int | None = None
        try:
            async with state.http().post(
                url, json=update, headers=headers, timeout=POST_TIMEOUT
            ) as resp:
                status = resp.status
                if not 200 <= resp.status < 300:
                    error = f"Wrong response from the webhook: {resp.status} {resp.reason}"
                else:
                    reply = None
                    if resp.content_type == "application/json":
                        with contextlib.suppress(ValueError):
                            reply = await resp.json()
        except (aiohttp.ClientError, TimeoutError) as exc:
            error = f"Connection failed: {exc.__class__.__name__}"
        state.deliveries.append(
            {"update_id": update["update_id"], "url": url, "status": status, "error": error}
        )
        if error is not None:
            hook.last_error_date = int(time.time())
            hook.last_error_message = error
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_RETRY)
            continue
        delay = FIRST_RETRY
        if bot.queue and bot.queue[0] is update:
            bot.queue.popleft()
        if isinstance(reply, dict) and isinstance(reply.get("method"), str):
            await _run_reply(state, bot, reply)


def _target(state: SandboxState, hook: Webhook) -> str:
    upstreams = state.webhook_upstreams
    hook.attempts += 1
    return upstreams[(hook.attempts - 1) % len(upstreams)] if upstreams else hook.url


async def _run_reply(state: SandboxState, bot: BotState, reply: dict) -> None:
    """A webhook may answer with a method call; Telegram performs it and reports nothing back."""
    from .botapi import METHODS, run_method  # botapi imports this module

    entry = METHODS.get(reply["method"].lower())
    if entry is None:
        return
    params = {k: v for k, v in reply.items() if k != "method"}
    record = {"method": entry[0], "token": bot.token, "params": params, "time": time.time()}
    state.calls.append(record)
    try:
        await run_method(state, bot.token, entry[0], entry[1], Params(params))
        record["status"] = 200
    except BotApiError as exc:
        record["status"] = exc.code
