"""Webhook delivery as Telegram does it: up to max_connections POSTs at once, one chat at a time.

Each update is POSTed until a 2xx, with backoff. Updates of different chats go in parallel,
at most `max_connections` (setWebhook) POSTs in flight; an update waits while an earlier one
of its chat is in flight or being retried, so a chat's updates arrive in their order. An
update without a chat waits for nothing. With upstreams set (control API
`PUT /api/webhook/upstreams`) the sandbox also plays the reverse proxy in front of several
desk instances: each POST goes to the next upstream in turn, a retry included, while
setWebhook and getWebhookInfo keep the one public URL as Telegram does."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections import deque
from typing import Any

import aiohttp

from .params import Params
from .state import BotApiError, BotState, SandboxState, Webhook

FIRST_RETRY = 0.2  # seconds; doubled per failure (the real server also backs off, more slowly)
MAX_RETRY = 5.0
POST_TIMEOUT = aiohttp.ClientTimeout(total=10)
# Pending updates looked at per wake-up: bounds the work when one chat has a long backlog;
# a chat further back waits for the backlog ahead of it to shrink.
SCAN_WINDOW = 1000


def start_delivery(
    state: SandboxState, bot: BotState, url: str, secret: str | None, max_connections: int
) -> None:
    stop_delivery(bot)
    bot.webhook = Webhook(url=url, secret_token=secret, max_connections=max_connections)
    bot.webhook_task = asyncio.create_task(_Delivery(state, bot, bot.webhook).run())


def stop_delivery(bot: BotState) -> None:
    if bot.webhook_task is not None:
        bot.webhook_task.cancel()  # its POSTs in flight are cancelled with it
    bot.webhook_task = None
    bot.webhook = None


def chat_of(update: dict[str, Any]) -> int | None:
    """The chat an update belongs to, which orders it; None (no chat) orders nothing.

    Mirrors services/inbox.py:chat_of (the desk orders its inbox the same way); the sandbox
    does not import the desk."""
    for key, event in update.items():
        if key == "update_id" or not isinstance(event, dict):
            continue
        for holder in (event, event.get("message")):
            if isinstance(holder, dict) and isinstance(holder.get("chat"), dict):
                return int(holder["chat"]["id"])
        sender = event.get("from") or event.get("user")
        if isinstance(sender, dict):
            return int(sender["id"])
    return None


class _Delivery:
    """One setWebhook's delivery. Updates stay in bot.queue until delivered, so
    pending_update_count counts those in flight too, as Telegram's does."""

    def __init__(self, state: SandboxState, bot: BotState, hook: Webhook) -> None:
        self.state, self.bot, self.hook = state, bot, hook
        secret = hook.secret_token
        self.headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
        self.connections = asyncio.Semaphore(hook.max_connections)
        self.tasks: dict[int, asyncio.Task[None]] = {}  # update_id -> its POSTs, retries included
        self.busy: set[int] = set()  # chats with an update in self.tasks

    async def run(self) -> None:
        try:
            while self.bot.webhook is self.hook:
                self._start_ready()
                # woken by a new update and by each one delivered (which frees its chat)
                await self.bot.updates_changed.wait(30)
        finally:
            tasks = list(self.tasks.values())
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    def _start_ready(self) -> None:
        """Start each pending update, oldest first, whose chat has none in progress.

        A task waits for a connection (the semaphore is first come, first served), so
        updates of different chats still start in their order."""
        for update in itertools.islice(self.bot.queue, SCAN_WINDOW):
            update_id = update["update_id"]
            if update_id in self.tasks:
                continue
            chat = chat_of(update)
            if chat is not None:
                if chat in self.busy:
                    continue
                self.busy.add(chat)
            self.tasks[update_id] = asyncio.create_task(self._deliver(update, chat))

    async def _deliver(self, update: dict[str, Any], chat: int | None) -> None:
        delay = FIRST_RETRY
        try:
            while True:
                delivered, reply = await self._post(update)
                if delivered:
                    break
                await asyncio.sleep(delay)  # the chat stays busy: its next update waits
                delay = min(delay * 2, MAX_RETRY)
            _forget(self.bot.queue, update)
            if isinstance(reply, dict) and isinstance(reply.get("method"), str):
                await _run_reply(self.state, self.bot, reply)
        finally:
            del self.tasks[update["update_id"]]
            if chat is not None:
                self.busy.discard(chat)
            self.bot.updates_changed.notify()

    async def _post(self, update: dict[str, Any]) -> tuple[bool, Any]:
        """One POST on one of the max_connections connections: (delivered, the JSON reply)."""
        reply = None
        error = None
        status: int | None = None
        async with self.connections:
            url = _target(self.state, self.hook)  # taken with the connection: POSTs go in turn
            try:
                async with self.state.http().post(
                    url, json=update, headers=self.headers, timeout=POST_TIMEOUT
                ) as resp:
                    status = resp.status
                    if not 200 <= resp.status < 300:
                        error = f"Wrong response from the webhook: {resp.status} {resp.reason}"
                    elif resp.content_type == "application/json":
                        with contextlib.suppress(ValueError):
                            reply = await resp.json()
            except (aiohttp.ClientError, TimeoutError) as exc:
                error = f"Connection failed: {exc.__class__.__name__}"
        self.state.deliveries.append(
            {"update_id": update["update_id"], "url": url, "status": status, "error": error}
        )
        if error is not None:
            self.hook.last_error_date = int(time.time())
            self.hook.last_error_message = error
        return error is None, reply


def _forget(queue: deque[dict[str, Any]], update: dict[str, Any]) -> None:
    """Drop a delivered update; by identity, and gone already if drop_pending_updates ran."""
    for index, queued in enumerate(queue):
        if queued is update:
            del queue[index]
            return


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
