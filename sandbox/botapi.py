"""Bot API endpoint: /bot<token>/<method> and /file/bot<token>/<path>, in Telegram's JSON shapes."""

from __future__ import annotations

import asyncio
import mimetypes
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web

from . import spec
from .html_entities import EntityParseError, parse_text, utf16_len, validate_entities
from .media import image_size
from .params import Params, Upload, read_params
from .state import (
    SANDBOX_KEY,
    BotApiError,
    BotState,
    FileRecord,
    SandboxChat,
    SandboxState,
    StoredMessage,
    bad_request,
)
from .webhook import start_delivery, stop_delivery

TOKEN_RE = re.compile(r"^\d+:[A-Za-z0-9_-]{3,}$")
MAX_PHOTO = 10 * 1024 * 1024
MAX_DOCUMENT = 50 * 1024 * 1024
MAX_GET_FILE = 20 * 1024 * 1024
MAX_TEXT = 4096
MAX_CAPTION = 1024
CHAT_ACTIONS = {
    "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
    "upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note",
}  # fmt: skip
INLINE_BUTTON_KINDS = (
    "url", "callback_data", "web_app", "login_url", "switch_inline_query",
    "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text",
    "callback_game", "pay",
)  # fmt: skip
# Telegram's own wording for some missing fields; the rest get "<field> is empty".
EMPTY_FIELD_WORDING = {"text": "message text is empty"}

BLOCKED = "Forbidden: bot was blocked by the user"
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
UNAUTHORIZED = {"ok": False, "error_code": 401, "description": "Unauthorized"}
NOT_FOUND = {"ok": False, "error_code": 404, "description": "Not Found"}
WRONG_FILE = "wrong file identifier/HTTP URL specified"


@dataclass
class Call:
    state: SandboxState
    bot: BotState
    p: Params


Handler = Callable[[Call], Awaitable[Any]]
METHODS: dict[str, tuple[str, Handler]] = {}  # lower-case name -> (Bot API name, handler)
RATE_LIMITED: set[str] = set()  # methods that send messages


def method(name: str, *, sends: bool = False) -> Callable[[Handler], Handler]:
    def register(func: Handler) -> Handler:
        METHODS[name.lower()] = (name, func)
        if sends:
            RATE_LIMITED.add(name)
        return func

    return register


def served_methods() -> list[str]:
    return sorted(name for name, _ in METHODS.values())


# --- HTTP entry points ------------------------------------------------------------------------


async def handle_method(request: web.Request) -> web.StreamResponse:
    state: SandboxState = request.app[SANDBOX_KEY]
    token = request.match_info["token"]
    if not TOKEN_RE.match(token):
        return web.json_response(UNAUTHORIZED, status=401)
    entry = METHODS.get(request.match_info["method"].lower())
    if entry is None:
        return web.json_response(NOT_FOUND, status=404)
    name, func = entry
    record: dict[str, Any] = {"method": name, "token": token, "params": {}, "time": time.time()}
    state.calls.append(record)
    try:
        params = Params(await read_params(request))
        record["params"] = params.summary()
        result = await run_method(state, token, name, func, params, request)
    except BotApiError as exc:
        record["status"] = exc.code
        return web.json_response(exc.payload(), status=exc.code)
    except _Dropped as exc:
        record["status"] = "delivered, answer dropped" if exc.delivered else "dropped"
        return await _drop(request)
    record["status"] = 200
    return web.json_response({"ok": True, "result": result})


class _Dropped(Exception):
    def __init__(self, *, delivered: bool = False) -> None:
        super().__init__()
        self.delivered = delivered  # the method ran; only its answer is lost


async def _drop(request: web.Request) -> web.StreamResponse:
    """Close the connection without an answer, like a proxy that died mid-request."""
    if request.transport is not None:
        request.transport.abort()
    raise asyncio.CancelledError


async def run_method(
    state: SandboxState,
    token: str,
    name: str,
    func: Handler,
    params: Params,
    request: web.Request | None = None,
) -> Any:
    bot = state.bot(token)
    lose_answer = await _apply_fault(state, name, request)
    for field in spec.required_fields(name):
        if not params.has(field):
            raise bad_request(EMPTY_FIELD_WORDING.get(field, f"{field} is empty"))
    result = await func(Call(state, bot, params))
    if lose_answer:
        # Done, but the caller never hears so: Telegram's own ambiguity after a lost answer.
        raise _Dropped(delivered=True)
    return result


async def _apply_fault(state: SandboxState, name: str, request: web.Request | None) -> bool:
    """Raise the injected fault, if one is due; True when the call must run and then lose
    its answer ("lost_answer")."""
    fault = next(
        (f for f in state.faults if f.method == name.lower() and f.count > 0), None
    ) or next((f for f in state.faults if f.method == "*" and f.count > 0), None)
    if fault is None:
        return False
    fault.count -= 1
    if fault.count <= 0:
        state.faults.remove(fault)
    if fault.status == "lost_answer":
        return request is not None  # a webhook reply has no answer to lose
    if fault.status == 429:
        raise BotApiError(
            429, f"Too Many Requests: retry after {fault.retry_after}", fault.retry_after
        )
    if fault.status == 403:
        raise BotApiError(403, BLOCKED)
    if fault.status == "timeout":
        await asyncio.sleep(fault.delay)
    if fault.status == "drop" and request is not None:
        raise _Dropped
    raise BotApiError(500, "Internal Server Error")


async def handle_file(request: web.Request) -> web.StreamResponse:
    state: SandboxState = request.app[SANDBOX_KEY]
    if not TOKEN_RE.match(request.match_info["token"]):
        return web.json_response(UNAUTHORIZED, status=401)
    record = state.files_by_path.get(request.match_info["path"])
    if record is None:
        return web.json_response(NOT_FOUND, status=404)
    return file_response(record)


def file_response(record: FileRecord) -> web.Response:
    ctype = record.mime_type or mimetypes.guess_type(record.file_path)[0]
    return web.Response(body=record.data, content_type=ctype or "application/octet-stream")


# --- shared helpers ---------------------------------------------------------------------------


def _chat(call: Call, *, writing: bool = True) -> SandboxChat:
    raw = call.p.raw.get("chat_id")
    chat_id: int | None = None
    if isinstance(raw, int) and not isinstance(raw, bool):
        chat_id = raw
    elif isinstance(raw, str) and re.fullmatch(r"-?\d+", raw.strip()):
        chat_id = int(raw)
    chat = call.state.chats.get(chat_id) if chat_id is not None else None
    if chat is None:
        raise bad_request("chat not found")
    if writing and chat.type == "private" and call.state.users[chat.id].blocked:
        raise BotApiError(403, BLOCKED)
    return chat


def _formatted(
    call: Call, text_field: str, entities_field: str, mode_field: str
) -> tuple[str, list]:
    text = call.p.str(text_field) or ""
    try:
        if call.p.has(entities_field):
            text, _ = parse_text(text, None)
            return text, validate_entities(text, call.p.json(entities_field))
        return parse_text(text, call.p.str(mode_field))
    except EntityParseError as exc:
        raise bad_request(f"can't parse entities: {exc}") from None


def _markup(call: Call, *, inline_only: bool = False) -> dict[str, Any] | None:
    raw = call.p.json("reply_markup")
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in raw:
        rows = raw["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise bad_request(
                'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array'
            )
        for button in (b for row in rows for b in row):
            if not isinstance(button, dict) or not button.get("text"):
                raise bad_request("can't parse inline keyboard button: Text buttons are unallowed")
            kinds = [k for k in INLINE_BUTTON_KINDS if k in button]
            if not kinds:
                raise bad_request("text buttons are unallowed in the inline keyboard")
            data = button.get("callback_data")
            if "callback_data" in button and not (
                isinstance(data, str) and 1 <= len(data.encode("utf-8")) <= 64
            ):
                raise bad_request("BUTTON_DATA_INVALID")
            url = button.get("url")
            if "url" in button and not re.match(r"^(https?|tg)://\S+$", str(url)):
                raise bad_request(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")
        return {"inline_keyboard": rows}
    if inline_only:
        raise bad_request("inline keyboard expected")
    if "keyboard" in raw:
        rows = raw["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise bad_request('field "keyboard" of the ReplyKeyboardMarkup must be an Array')
        keyboard = [[b if isinstance(b, dict) else {"text": str(b)} for b in row] for row in rows]
        if any(not b.get("text") for row in keyboard for b in row):
            raise bad_request("keyboard button text must be non-empty")
        return {**raw, "keyboard": keyboard}
    if raw.get("remove_keyboard") is True or raw.get("force_reply") is True:
        return raw
    raise bad_request("can't parse reply keyboard markup JSON object")


def _reply_to(call: Call, chat: SandboxChat) -> int | None:
    params = call.p.json("reply_parameters") or {}
    target = params.get("message_id") if isinstance(params, dict) else None
    target = target or call.p.int("reply_to_message_id")
    if target is None:
        return None
    msg = chat.messages.get(int(target))
    if msg is None or msg.deleted:
        if params.get("allow_sending_without_reply") or call.p.bool("allow_sending_without_reply"):
            return None
        raise bad_request("message to be replied not found")
    return msg.message_id


def _deliver(call: Call, chat: SandboxChat, content: dict[str, Any]) -> dict[str, Any]:
    """Validate markup, pass flood control, store the bot's message and return its JSON."""
    markup = _markup(call)
    reply_to = _reply_to(call, chat)
    retry_after = call.bot.flood.acquire(chat.id)
    if retry_after:
        raise BotApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)
    msg = call.state.add_message(
        chat,
        call.state.bot_user(call.bot.id),
        content,
        bot_token=call.bot.token,
        reply_markup=markup,
        reply_to=reply_to,
    )
    return call.state.message_json(msg)


def _caption(call: Call) -> dict[str, Any]:
    if not call.p.has("caption"):
        return {}
    caption, entities = _formatted(call, "caption", "caption_entities", "parse_mode")
    if utf16_len(caption) > MAX_CAPTION:
        raise bad_request("message caption is too long")
    return {"caption": caption, "caption_entities": entities} if caption else {}


async def _input_file(call: Call, field: str, kind: str) -> FileRecord:
    """An uploaded part (directly or via attach://), an existing file_id, or an http(s) URL."""
    value = call.p.raw.get(field)
    if isinstance(value, str) and value.startswith("attach://"):
        value = call.p.raw.get(value[len("attach://") :])
    state = call.state
    if isinstance(value, str):
        if value in state.files:
            record = state.files[value]
            if record.kind != kind:
                raise bad_request(f"can't use file of type {record.kind.title()} as {kind.title()}")
            return record
        if not re.match(r"^https?://", value):
            raise bad_request(WRONG_FILE)
        try:
            async with state.http().get(value, timeout=aiohttp.ClientTimeout(total=5)) as resp:
                if resp.status != 200:
                    raise bad_request(WRONG_FILE)
                data = await resp.content.read(MAX_GET_FILE + 1)
                ctype = resp.content_type
        except (aiohttp.ClientError, TimeoutError):
            raise bad_request(WRONG_FILE) from None
        if len(data) > MAX_GET_FILE:
            raise bad_request(WRONG_FILE)
        value = Upload(data, value.rsplit("/", 1)[-1] or None, ctype)
    if not isinstance(value, Upload):
        raise bad_request(f"there is no {field} in the request")
    if kind == "photo":
        if len(value.data) > MAX_PHOTO:
            raise bad_request("file is too big")
        size = image_size(value.data)
        if size is None:
            raise bad_request("IMAGE_PROCESS_FAILED")
        return state.store_file(value.data, "photo", size=size)
    if len(value.data) > MAX_DOCUMENT:
        raise BotApiError(413, "Request Entity Too Large")
    mime = value.content_type
    if not mime or mime == "application/octet-stream":
        mime = mimetypes.guess_type(value.filename or "")[0] or mime
    return state.store_file(value.data, "document", file_name=value.filename, mime_type=mime)


def _own_message(call: Call, *, action: str) -> StoredMessage:
    if call.p.has("inline_message_id"):
        raise bad_request(f"message to {action} not found")
    chat = _chat(call, writing=False)
    message_id = call.p.int("message_id")
    if message_id is None:
        raise bad_request("message identifier is not specified")
    msg = chat.messages.get(message_id)
    if msg is None or msg.deleted:
        raise bad_request(f"message to {action} not found")
    if action == "edit" and msg.bot_token is None:
        raise bad_request("message can't be edited")
    return msg


def _commit_edit(call: Call, msg: StoredMessage, content: dict[str, Any], markup: Any) -> dict:
    old_markup = (
        msg.reply_markup if msg.reply_markup and "inline_keyboard" in msg.reply_markup else None
    )
    new_content = {**msg.content, **content}
    if new_content == msg.content and markup == old_markup:
        raise bad_request(NOT_MODIFIED)
    msg.content = new_content
    msg.reply_markup = markup
    msg.edit_date = int(time.time())
    call.state.touch(msg)
    return call.state.message_json(msg)


# --- methods ----------------------------------------------------------------------------------


@method("getMe")
async def get_me(call: Call) -> dict[str, Any]:
    return {
        **call.state.bot_user(call.bot.id),
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


@method("logOut")
async def log_out(call: Call) -> bool:
    return True


@method("close")
async def close(call: Call) -> bool:
    return True


@method("getUpdates")
async def get_updates(call: Call) -> list[dict[str, Any]]:
    bot = call.bot
    if bot.webhook is not None:
        raise BotApiError(
            409,
            "Conflict: can't use getUpdates method while webhook is active; "
            "use deleteWebhook to delete the webhook first",
        )
    offset = call.p.int("offset", 0) or 0
    limit = min(max(call.p.int("limit", 100) or 100, 1), 100)
    timeout = max(call.p.int("timeout", 0) or 0, 0)
    allowed = call.p.json("allowed_updates")
    if allowed is not None:
        bot.allowed_updates = list(allowed)
    if offset > 0:
        while bot.queue and bot.queue[0]["update_id"] < offset:
            bot.queue.popleft()
    elif offset < 0:
        while len(bot.queue) > -offset:
            bot.queue.popleft()
    bot.poll_generation += 1
    generation = bot.poll_generation
    bot.updates_changed.notify()  # an earlier long poll wakes up, sees the new generation: 409
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        if bot.queue:
            return list(bot.queue)[:limit]
        remaining = deadline - asyncio.get_running_loop().time()
        if remaining <= 0:
            return []
        await bot.updates_changed.wait(remaining)
        if bot.poll_generation != generation:
            reason = "setWebhook request" if bot.webhook else "other getUpdates request"
            raise BotApiError(
                409,
                f"Conflict: terminated by {reason}; "
                "make sure that only one bot instance is running",
            )


@method("setWebhook")
async def set_webhook(call: Call) -> bool:
    url = call.p.str("url") or ""
    if not url:
        stop_delivery(call.bot)
        return True
    if not re.match(r"^https?://[^\s/]+", url):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = call.p.str("secret_token")
    if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
        raise bad_request("secret token contains unallowed characters")
    if call.p.bool("drop_pending_updates"):
        call.bot.queue.clear()
    allowed = call.p.json("allowed_updates")
    if allowed is not None:
        call.bot.allowed_updates = list(allowed)
    # Telegram clamps to 1..100 rather than refuses: its Bot API server reads the value with
    # get_integer_arg(query, "max_connections", 40, 1, 100), a clamp, as it reads getUpdates' limit.
    max_connections = min(max(call.p.int("max_connections", 40) or 0, 1), 100)
    start_delivery(call.state, call.bot, url, secret, max_connections)
    call.bot.poll_generation += 1
    call.bot.updates_changed.notify()
    return True


@method("deleteWebhook")
async def delete_webhook(call: Call) -> bool:
    stop_delivery(call.bot)
    if call.p.bool("drop_pending_updates"):
        call.bot.queue.clear()
    return True


@method("getWebhookInfo")
async def get_webhook_info(call: Call) -> dict[str, Any]:
    hook = call.bot.webhook
    info: dict[str, Any] = {
        "url": hook.url if hook else "",
        "has_custom_certificate": False,
        "pending_update_count": len(call.bot.queue),
    }
    if hook:
        info["max_connections"] = hook.max_connections
        if hook.last_error_date:
            info["last_error_date"] = hook.last_error_date
            info["last_error_message"] = hook.last_error_message
    if call.bot.allowed_updates:
        info["allowed_updates"] = call.bot.allowed_updates
    return info


@method("sendMessage", sends=True)
async def send_message(call: Call) -> dict[str, Any]:
    chat = _chat(call)
    text, entities = _formatted(call, "text", "entities", "parse_mode")
    if not text:
        raise bad_request("message text is empty")
    if utf16_len(text) > MAX_TEXT:
        raise bad_request("message is too long")
    content: dict[str, Any] = {"text": text, "entities": entities}
    preview = call.p.json("link_preview_options")
    if isinstance(preview, dict) and preview:
        content["link_preview_options"] = preview
    return _deliver(call, chat, content)


@method("sendPhoto", sends=True)
async def send_photo(call: Call) -> dict[str, Any]:
    chat = _chat(call)
    caption = _caption(call)
    record = await _input_file(call, "photo", "photo")
    return _deliver(call, chat, {"photo": record.photo_sizes(), **caption})


@method("sendDocument", sends=True)
async def send_document(call: Call) -> dict[str, Any]:
    chat = _chat(call)
    caption = _caption(call)
    record = await _input_file(call, "document", "document")
    return _deliver(call, chat, {"document": record.document(), **caption})


def _location(call: Call) -> dict[str, float]:
    lat, lon = call.p.float("latitude"), call.p.float("longitude")
    assert lat is not None and lon is not None  # required fields were checked
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise bad_request("wrong coordinates specified")
    location = {"latitude": lat, "longitude": lon}
    accuracy = call.p.float("horizontal_accuracy")
    if accuracy is not None:
        location["horizontal_accuracy"] = accuracy
    return location


@method("sendLocation", sends=True)
async def send_location(call: Call) -> dict[str, Any]:
    chat = _chat(call)
    return _deliver(call, chat, {"location": _location(call)})


@method("sendVenue", sends=True)
async def send_venue(call: Call) -> dict[str, Any]:
    chat = _chat(call)
    location = _location(call)
    venue: dict[str, Any] = {
        "location": location,
        "title": call.p.str("title"),
        "address": call.p.str("address"),
    }
    for key in ("foursquare_id", "foursquare_type", "google_place_id", "google_place_type"):
        if call.p.has(key):
            venue[key] = call.p.str(key)
    return _deliver(call, chat, {"venue": venue, "location": location})


@method("sendChatAction")
async def send_chat_action(call: Call) -> bool:
    _chat(call)
    if call.p.str("action") not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    return True


@method("editMessageText")
async def edit_message_text(call: Call) -> dict[str, Any]:
    msg = _own_message(call, action="edit")
    if "text" not in msg.content:
        raise bad_request("there is no text in the message to edit")
    text, entities = _formatted(call, "text", "entities", "parse_mode")
    if not text:
        raise bad_request("message text is empty")
    if utf16_len(text) > MAX_TEXT:
        raise bad_request("message is too long")
    content: dict[str, Any] = {"text": text, "entities": entities}
    preview = call.p.json("link_preview_options")
    if isinstance(preview, dict) and preview:
        content["link_preview_options"] = preview
    return _commit_edit(call, msg, content, _markup(call, inline_only=True))


@method("editMessageCaption")
async def edit_message_caption(call: Call) -> dict[str, Any]:
    msg = _own_message(call, action="edit")
    if not ({"photo", "document"} & msg.content.keys()):
        raise bad_request("there is no caption in the message to edit")
    caption = _caption(call) or {"caption": None, "caption_entities": None}
    return _commit_edit(call, msg, caption, _markup(call, inline_only=True))


@method("editMessageReplyMarkup")
async def edit_message_reply_markup(call: Call) -> dict[str, Any]:
    msg = _own_message(call, action="edit")
    return _commit_edit(call, msg, {}, _markup(call, inline_only=True))


@method("deleteMessage")
async def delete_message(call: Call) -> bool:
    msg = _own_message(call, action="delete")
    msg.deleted = True
    call.state.touch(msg)
    return True


@method("answerCallbackQuery")
async def answer_callback_query(call: Call) -> bool:
    record = call.state.callbacks.get(call.p.str("callback_query_id") or "")
    if record is None or record.answered or record.bot_token != call.bot.token:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    text = call.p.str("text")
    if text is not None and len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    record.answered = True
    record.text = text
    record.show_alert = call.p.bool("show_alert")
    record.url = call.p.str("url")
    call.state.callbacks_changed.notify()
    return True


@method("getFile")
async def get_file(call: Call) -> dict[str, Any]:
    record = call.state.files.get(call.p.str("file_id") or "")
    if record is None:
        raise bad_request("invalid file_id")
    if len(record.data) > MAX_GET_FILE:
        raise bad_request("file is too big")
    return {
        "file_id": record.file_id,
        "file_unique_id": record.file_unique_id,
        "file_size": len(record.data),
        "file_path": record.file_path,
    }


def _commands_key(call: Call) -> tuple[str, str]:
    scope = call.p.json("scope") or {"type": "default"}
    if not isinstance(scope, dict) or "type" not in scope:
        raise bad_request("can't parse BotCommandScope JSON object")
    canonical = ",".join(f"{k}={scope[k]}" for k in sorted(scope))
    return canonical, call.p.str("language_code") or ""


@method("setMyCommands")
async def set_my_commands(call: Call) -> bool:
    commands = call.p.json("commands")
    if not isinstance(commands, list) or len(commands) > 100:
        raise bad_request("can't parse commands JSON array")
    for command in commands:
        if not isinstance(command, dict) or not re.fullmatch(
            r"[a-z0-9_]{1,32}", str(command.get("command", ""))
        ):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(str(command.get("description", ""))) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    key = _commands_key(call)
    call.bot.commands[key] = [
        {"command": c["command"], "description": c["description"]} for c in commands
    ]
    return True


@method("getMyCommands")
async def get_my_commands(call: Call) -> list[dict[str, str]]:
    return call.bot.commands.get(_commands_key(call), [])


@method("deleteMyCommands")
async def delete_my_commands(call: Call) -> bool:
    call.bot.commands.pop(_commands_key(call), None)
    return True


@method("getChat")
async def get_chat(call: Call) -> dict[str, Any]:
    chat = _chat(call, writing=False)
    return {
        **call.state.chat_json(chat),
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": {
            "unlimited_gifts": False,
            "limited_gifts": False,
            "unique_gifts": False,
            "premium_subscription": False,
            "gifts_from_channels": False,
        },
    }


_ADMIN_RIGHTS = (
    "can_manage_chat", "can_delete_messages", "can_manage_video_chats", "can_restrict_members",
    "can_change_info", "can_invite_users", "can_post_stories", "can_edit_stories",
    "can_delete_stories",
)  # fmt: skip


@method("getChatMember")
async def get_chat_member(call: Call) -> dict[str, Any]:
    chat = _chat(call, writing=False)
    user_id = call.p.int("user_id")
    state = call.state
    if user_id == call.bot.id:
        return {"status": "member", "user": state.bot_user(call.bot.id)}
    user = state.users.get(user_id or 0)
    if user is None:
        raise bad_request("user not found")
    member = {"user": user.to_telegram()}
    if chat.type == "private":
        return {**member, "status": "member" if user.id == chat.id else "left"}
    if user.id == chat.creator:
        return {**member, "status": "creator", "is_anonymous": False}
    if user.id in chat.admins:
        return {
            **member,
            "status": "administrator",
            "can_be_edited": False,
            "is_anonymous": False,
            "can_promote_members": False,
            # not in api.json 10.1, but aiogram 3.31 requires it; extra fields are harmless
            "can_send_welcome_messages": False,
            **dict.fromkeys(_ADMIN_RIGHTS, True),
        }
    return {**member, "status": "member" if user.id in chat.members else "left"}
