"""In-memory world of the sandbox: users, chats, messages, files, bots and their update queues."""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import secrets
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from .html_entities import render_html, utf16_len
from .ratelimit import FloodControl

# Typed key of the SandboxState on the sandbox app: sandbox_app[SANDBOX_KEY]
SANDBOX_KEY: web.AppKey[SandboxState] = web.AppKey("sandbox")

# Telegram's default when allowed_updates was never given: everything but these.
NOT_DEFAULT_UPDATES = {"chat_member", "message_reaction", "message_reaction_count"}


class BotApiError(Exception):
    """An error answered in Telegram's shape: {"ok": false, "error_code", "description"}."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(detail: str) -> BotApiError:
    return BotApiError(400, f"Bad Request: {detail}")


class ControlError(ValueError):
    """A control-API misuse; answered as HTTP 400 {"error": ...}."""


class Notifier:
    """Wake every waiter on notify(); cheaper to reason about than a Condition."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, seconds: float) -> bool:
        try:
            await asyncio.wait_for(self._event.wait(), seconds)
        except TimeoutError:
            return False
        return True


@dataclass
class SandboxUser:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    phone_number: str | None = None
    blocked: bool = False

    def to_telegram(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        return data

    def to_view(self) -> dict[str, Any]:
        return {**self.to_telegram(), "phone_number": self.phone_number, "blocked": self.blocked}


@dataclass
class StoredMessage:
    chat_id: int
    message_id: int
    date: int
    sender: dict[str, Any]  # Telegram User JSON
    from_bot: bool
    content: dict[str, Any]  # text/entities/photo/document/location/... in Telegram shape
    bot_token: str | None = None
    reply_markup: dict[str, Any] | None = None
    reply_to: int | None = None
    edit_date: int | None = None
    deleted: bool = False
    rev: int = 0  # global change counter, lets the page pick up edits of old messages


@dataclass
class SandboxChat:
    id: int
    type: str  # "private" | "group"
    title: str | None = None
    members: list[int] = field(default_factory=list)
    admins: list[int] = field(default_factory=list)
    creator: int | None = None
    reply_keyboard: dict[str, Any] | None = None  # the keyboard a user currently sees
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    next_message_id: int = 1


@dataclass
class FileRecord:
    file_id: str
    file_unique_id: str
    data: bytes
    kind: str  # "photo" | "document"
    file_path: str
    file_name: str | None = None
    mime_type: str | None = None
    width: int | None = None
    height: int | None = None

    def photo_sizes(self) -> list[dict[str, Any]]:
        return [
            {
                "file_id": self.file_id,
                "file_unique_id": self.file_unique_id,
                "width": self.width,
                "height": self.height,
                "file_size": len(self.data),
            }
        ]

    def document(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.data),
        }
        if self.file_name:
            doc["file_name"] = self.file_name
        if self.mime_type:
            doc["mime_type"] = self.mime_type
        return doc


@dataclass
class CallbackRecord:
    id: str
    bot_token: str
    answered: bool = False
    text: str | None = None
    show_alert: bool = False
    url: str | None = None


@dataclass
class Fault:
    method: str  # lower-case method name or "*"
    status: int | str  # 429 | 500 | 403 | "timeout" | "drop" | "lost_answer"
    count: int
    retry_after: int = 1
    delay: float = 10.0


@dataclass
class Webhook:
    url: str
    secret_token: str | None = None
    max_connections: int = 40  # setWebhook's, Telegram's default; POSTs in flight at once
    last_error_date: int | None = None
    last_error_message: str | None = None
    attempts: int = 0  # delivery attempts so far: picks the next upstream in turn


class BotState:
    def __init__(self, token: str, flood: FloodControl) -> None:
        self.token = token
        self.id = int(token.split(":", 1)[0])
        self.flood = flood
        self.queue: deque[dict[str, Any]] = deque()
        self.allowed_updates: list[str] | None = None
        self.webhook: Webhook | None = None
        self.webhook_task: asyncio.Task[None] | None = None
        self.updates_changed = Notifier()
        self.poll_generation = 0  # bumped by each getUpdates; an older poller then gets 409
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}

    def accepts(self, kind: str) -> bool:
        if not self.allowed_updates:
            return kind not in NOT_DEFAULT_UPDATES
        return kind in self.allowed_updates


class SandboxState:
    def __init__(
        self,
        *,
        per_chat_rate: float,
        per_chat_burst: int,
        global_rate: float,
        global_burst: int,
        bot_username: str,
        demo_map: dict[str, float] | None,
    ) -> None:
        self.limits = (per_chat_rate, per_chat_burst, global_rate, global_burst)
        self.bot_username = bot_username
        self.demo_map = demo_map
        self._http: aiohttp.ClientSession | None = None
        self.reset()

    def http(self) -> aiohttp.ClientSession:
        """Outgoing HTTP (webhooks, file URLs), created lazily inside the running loop."""
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession()
        return self._http

    async def close(self) -> None:
        tasks = [bot.webhook_task for bot in self.bots.values() if bot.webhook_task]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._http is not None:
            await self._http.close()

    def reset(self) -> None:
        for bot in getattr(self, "bots", {}).values():
            if bot.webhook_task:
                bot.webhook_task.cancel()
        self.users: dict[int, SandboxUser] = {}
        self.chats: dict[int, SandboxChat] = {}
        self.files: dict[str, FileRecord] = {}
        self.files_by_path: dict[str, FileRecord] = {}
        self.bots: dict[str, BotState] = {}
        self.callbacks: dict[str, CallbackRecord] = {}
        self.faults: list[Fault] = []
        self.calls: list[dict[str, Any]] = []
        self.orphan_updates: list[tuple[str, dict[str, Any]]] = []  # before any bot showed up
        # The sandbox as the reverse proxy in front of several desk instances: webhook
        # updates go round-robin to these URLs instead of the one given to setWebhook.
        self.webhook_upstreams: list[str] = []
        self.deliveries: deque[dict[str, Any]] = deque(maxlen=10_000)  # webhook POSTs made
        self._update_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self.rev = 0
        self.messages_changed = Notifier()
        self.callbacks_changed = Notifier()

    # --- bots and updates ---------------------------------------------------------------------

    def bot(self, token: str) -> BotState:
        bot = self.bots.get(token)
        if bot is None:
            bot = self.bots[token] = BotState(token, FloodControl(*self.limits))
            for kind, update in self.orphan_updates:
                if bot.accepts(kind):
                    bot.queue.append(update)
        return bot

    def bot_user(self, bot_id: int) -> dict[str, Any]:
        return {
            "id": bot_id,
            "is_bot": True,
            "first_name": "RiderUnion Sandbox Bot",
            "username": self.bot_username,
        }

    def push_update(self, kind: str, payload: dict[str, Any], token: str | None = None) -> int:
        """Queue an update for one bot (token) or for every bot; returns its update_id."""
        update = {"update_id": next(self._update_ids), kind: payload}
        targets = [self.bots[token]] if token in self.bots else list(self.bots.values())
        if not targets:
            self.orphan_updates.append((kind, update))
        for bot in targets:
            if bot.accepts(kind):
                bot.queue.append(update)
                bot.updates_changed.notify()
        return update["update_id"]

    # --- users and chats ----------------------------------------------------------------------

    def create_user(self, **fields: Any) -> SandboxUser:
        user_id = fields.get("id")
        if not isinstance(user_id, int) or isinstance(user_id, bool) or user_id <= 0:
            raise ControlError('"id" must be a positive integer')
        if not isinstance(fields.get("first_name"), str) or not fields["first_name"]:
            raise ControlError('"first_name" must be a non-empty string')
        allowed = {"id", "first_name", "last_name", "username", "language_code", "phone_number"}
        unknown = set(fields) - allowed
        if unknown:
            raise ControlError(f"unknown fields {sorted(unknown)}; allowed: {sorted(allowed)}")
        user = self.users.get(user_id)
        if user is None:
            user = self.users[user_id] = SandboxUser(**fields)
        else:  # idempotent update keeps the block flag and the chat history
            for key, value in fields.items():
                setattr(user, key, value)
        self.chats.setdefault(user_id, SandboxChat(id=user_id, type="private"))
        return user

    def set_blocked(self, user_id: int, blocked: bool) -> SandboxUser:
        user = self.users.get(user_id)
        if user is None:
            raise ControlError(f"unknown user {user_id}; create it with POST /sandbox/api/users")
        if user.blocked != blocked:
            user.blocked = blocked
            # Telegram tells the bot about it with a my_chat_member update
            chat = self.chat_json(self.chats[user_id])
            for bot in list(self.bots.values()):
                me = self.bot_user(bot.id)
                old = {"status": "member", "user": me}
                new = {"status": "kicked", "user": me, "until_date": 0}
                change = {
                    "chat": chat,
                    "from": user.to_telegram(),
                    "date": int(time.time()),
                    "old_chat_member": new if not blocked else old,
                    "new_chat_member": old if not blocked else new,
                }
                self.push_update("my_chat_member", change, bot.token)
        return user

    def create_group(
        self,
        chat_id: int,
        title: str,
        members: list[int],
        admins: list[int] | None = None,
        creator: int | None = None,
    ) -> SandboxChat:
        if not isinstance(chat_id, int) or chat_id >= 0:
            raise ControlError('"id" must be a negative integer for a group')
        for uid in [*members, *(admins or []), *([creator] if creator else [])]:
            if uid not in self.users:
                raise ControlError(f"unknown user {uid}; create it with POST /sandbox/api/users")
        all_members = list(
            dict.fromkeys([*members, *(admins or []), *([creator] if creator else [])])
        )
        chat = self.chats.get(chat_id) or SandboxChat(id=chat_id, type="group")
        chat.title, chat.members, chat.admins, chat.creator = (
            title,
            all_members,
            admins or [],
            creator,
        )
        self.chats[chat_id] = chat
        return chat

    def chat_json(self, chat: SandboxChat) -> dict[str, Any]:
        if chat.type == "private":
            user = self.users[chat.id]
            data = {"id": chat.id, "type": "private", "first_name": user.first_name}
            if user.last_name:
                data["last_name"] = user.last_name
            if user.username:
                data["username"] = user.username
            return data
        return {"id": chat.id, "type": chat.type, "title": chat.title}

    # --- messages -----------------------------------------------------------------------------

    def add_message(
        self,
        chat: SandboxChat,
        sender: dict[str, Any],
        content: dict[str, Any],
        *,
        bot_token: str | None = None,
        reply_markup: dict[str, Any] | None = None,
        reply_to: int | None = None,
    ) -> StoredMessage:
        msg = StoredMessage(
            chat_id=chat.id,
            message_id=chat.next_message_id,
            date=int(time.time()),
            sender=sender,
            from_bot=bot_token is not None,
            content=content,
            bot_token=bot_token,
            reply_markup=reply_markup,
            reply_to=reply_to,
        )
        chat.next_message_id += 1
        chat.messages[msg.message_id] = msg
        if bot_token is not None and reply_markup is not None:
            if "keyboard" in reply_markup:
                chat.reply_keyboard = reply_markup
            elif reply_markup.get("remove_keyboard"):
                chat.reply_keyboard = None
        self.touch(msg)
        return msg

    def touch(self, msg: StoredMessage) -> None:
        self.rev += 1
        msg.rev = self.rev
        self.messages_changed.notify()

    def message_json(self, msg: StoredMessage, *, nested: bool = True) -> dict[str, Any]:
        chat = self.chats[msg.chat_id]
        data: dict[str, Any] = {
            "message_id": msg.message_id,
            "from": msg.sender,
            "chat": self.chat_json(chat),
            "date": msg.date,
        }
        if msg.edit_date:
            data["edit_date"] = msg.edit_date
        data.update({k: v for k, v in msg.content.items() if v not in (None, [])})
        if msg.reply_markup and "inline_keyboard" in msg.reply_markup:
            data["reply_markup"] = msg.reply_markup
        if nested and msg.reply_to and msg.reply_to in chat.messages:
            data["reply_to_message"] = self.message_json(chat.messages[msg.reply_to], nested=False)
        return data

    def message_view(self, msg: StoredMessage) -> dict[str, Any]:
        c = msg.content
        markup = msg.reply_markup or {}
        buttons = [
            [{k: b[k] for k in ("text", "callback_data", "url") if k in b} for b in row]
            for row in markup.get("inline_keyboard", [])
        ]
        reply_keyboard = self.keyboard_view(markup) if "keyboard" in markup else None
        text = c.get("text")
        shown, shown_entities = (
            (text, c.get("entities"))
            if text is not None
            else (
                c.get("caption") or "",
                c.get("caption_entities"),
            )
        )
        photo = c.get("photo")
        return {
            "message_id": msg.message_id,
            "date": msg.date,
            "from_bot": msg.from_bot,
            "from": msg.sender,
            "text": text,
            "entities": c.get("entities") or [],
            "html": render_html(shown, shown_entities),
            "buttons": buttons,
            "reply_keyboard": reply_keyboard,
            "remove_keyboard": bool(markup.get("remove_keyboard")),
            "photo": {k: photo[-1][k] for k in ("file_id", "width", "height")} if photo else None,
            "document": (
                {
                    k: c["document"].get(k)
                    for k in ("file_id", "file_name", "mime_type", "file_size")
                }
                if c.get("document")
                else None
            ),
            "location": c.get("location"),
            "venue": c.get("venue"),
            "contact": c.get("contact"),
            "caption": c.get("caption"),
            "edited": msg.edit_date is not None,
            "deleted": msg.deleted,
            "rev": msg.rev,
        }

    @staticmethod
    def keyboard_view(markup: dict[str, Any]) -> list[list[dict[str, Any]]]:
        return [
            [
                {
                    "text": b["text"],
                    "request_contact": bool(b.get("request_contact")),
                    "request_location": bool(b.get("request_location")),
                }
                for b in row
            ]
            for row in markup["keyboard"]
        ]

    def chat_messages(
        self,
        chat_id: int,
        *,
        after: int = 0,
        include_users: bool = False,
        changed_since: int | None = None,
    ) -> list[StoredMessage]:
        chat = self.chats.get(chat_id)
        if chat is None:
            return []
        return [
            m
            for m in chat.messages.values()
            if (m.from_bot or include_users)
            and (m.rev > changed_since if changed_since is not None else m.message_id > after)
        ]

    def bot_messages(self, chat_id: int, after: int = 0) -> list[dict[str, Any]]:
        """The bot's messages in a chat as control-API views (handy in-process)."""
        return [self.message_view(m) for m in self.chat_messages(chat_id, after=after)]

    # --- files --------------------------------------------------------------------------------

    def store_file(
        self,
        data: bytes,
        kind: str,
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
        size: tuple[int, int] | None = None,
    ) -> FileRecord:
        n = next(self._file_ids)
        digest = hashlib.sha256(data).hexdigest()
        ext = (file_name or "").rsplit(".", 1)[-1] if file_name and "." in file_name else "bin"
        if kind == "photo":
            ext = "png" if data.startswith(b"\x89PNG") else "jpg"
        folder = "photos" if kind == "photo" else "documents"
        record = FileRecord(
            file_id=f"{'AgAC' if kind == 'photo' else 'BQAC'}{n:04d}{secrets.token_urlsafe(18)}",
            file_unique_id=f"AQAD{digest[:12]}",
            data=data,
            kind=kind,
            file_path=f"{folder}/file_{n}.{ext}",
            file_name=file_name,
            mime_type=mime_type,
            width=size[0] if size else None,
            height=size[1] if size else None,
        )
        self.files[record.file_id] = record
        self.files_by_path[record.file_path] = record
        return record

    # --- what users do ------------------------------------------------------------------------

    def _sender(self, chat: SandboxChat, from_id: int | None) -> SandboxUser:
        if chat.type == "private":
            if from_id not in (None, chat.id):
                raise ControlError('in a private chat only its user can send; omit "from"')
            return self.users[chat.id]
        if from_id is None:
            raise ControlError('"from": <user id> is required in a group chat')
        if from_id not in chat.members:
            raise ControlError(f"user {from_id} is not a member of chat {chat.id}")
        return self.users[from_id]

    def get_chat(self, chat_id: int) -> SandboxChat:
        chat = self.chats.get(chat_id)
        if chat is None:
            raise ControlError(
                f"unknown chat {chat_id}; create a user (POST /sandbox/api/users) "
                "or a group (POST /sandbox/api/groups) first"
            )
        return chat

    def user_send(
        self, chat_id: int, content: dict[str, Any], from_id: int | None = None
    ) -> tuple[int, int]:
        """A user posts a message; returns (update_id, message_id)."""
        chat = self.get_chat(chat_id)
        user = self._sender(chat, from_id)
        text = content.get("text")
        if isinstance(text, str) and text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            content = {
                **content,
                "entities": [{"type": "bot_command", "offset": 0, "length": utf16_len(command)}],
            }
        msg = self.add_message(chat, user.to_telegram(), content)
        update_id = self.push_update("message", self.message_json(msg))
        return update_id, msg.message_id

    def press(
        self, chat_id: int, message_id: int, callback_data: str, from_id: int | None = None
    ) -> tuple[int, str]:
        """A user presses an inline button; returns (update_id, callback_query_id)."""
        chat = self.get_chat(chat_id)
        user = self._sender(chat, from_id)
        msg = chat.messages.get(message_id)
        if msg is None or msg.deleted or not msg.from_bot:
            raise ControlError(f"no bot message {message_id} in chat {chat_id}")
        rows = (msg.reply_markup or {}).get("inline_keyboard", [])
        datas = [b.get("callback_data") for row in rows for b in row if "callback_data" in b]
        if callback_data not in datas:
            raise ControlError(
                f"message {message_id} has no inline button with callback_data "
                f"{callback_data!r}; its buttons carry {datas}"
            )
        query_id = str(secrets.randbits(63))
        assert msg.bot_token is not None
        self.callbacks[query_id] = CallbackRecord(id=query_id, bot_token=msg.bot_token)
        query = {
            "id": query_id,
            "from": user.to_telegram(),
            "message": self.message_json(msg),
            "chat_instance": str(int(hashlib.sha1(str(chat_id).encode()).hexdigest()[:15], 16)),
            "data": callback_data,
        }
        return self.push_update("callback_query", query, msg.bot_token), query_id

    def press_reply_button(
        self,
        chat_id: int,
        label: str,
        from_id: int | None = None,
        location: dict[str, float] | None = None,
    ) -> tuple[int, int]:
        """A user taps a reply-keyboard button; returns (update_id, message_id)."""
        chat = self.get_chat(chat_id)
        user = self._sender(chat, from_id)
        keyboard = chat.reply_keyboard
        buttons = [b for row in (keyboard or {}).get("keyboard", []) for b in row]
        button = next((b for b in buttons if b["text"] == label), None)
        if button is None:
            raise ControlError(
                f"{label!r} is not a button of the current reply keyboard; "
                f"buttons: {[b['text'] for b in buttons]}"
            )
        if button.get("request_contact"):
            if not user.phone_number:
                raise ControlError(
                    f"user {user.id} has no phone_number; set it with POST /sandbox/api/users"
                )
            contact = {
                "phone_number": user.phone_number,
                "first_name": user.first_name,
                "user_id": user.id,
            }
            if user.last_name:
                contact["last_name"] = user.last_name
            content: dict[str, Any] = {"contact": contact}
        elif button.get("request_location"):
            if not location:
                raise ControlError(
                    'this button shares a location: add "location": {latitude, longitude}'
                )
            content = {"location": location}
        else:
            content = {"text": label}
        if keyboard and keyboard.get("one_time_keyboard"):
            chat.reply_keyboard = None
        return self.user_send(chat_id, content, from_id)
