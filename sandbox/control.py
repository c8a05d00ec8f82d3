"""Control API under /api: what tests, benchmarks and the browser page use to play the users."""

from __future__ import annotations

import asyncio
import base64
import binascii
import mimetypes
import re
from typing import Any

from aiohttp import web

from .botapi import file_response
from .media import image_size
from .state import SANDBOX_KEY, ControlError, Fault, SandboxState

routes = web.RouteTableDef()
# "drop" cuts the connection before the method runs, "lost_answer" after it ran.
FAULT_KINDS = (429, 500, 403, "timeout", "drop", "lost_answer")

SEND_HELP = (
    'send one of {"text": "..."}, {"location": {"latitude": .., "longitude": ..}}, '
    '{"contact": {"phone_number": "..", "user_id"?, "first_name"?}}, '
    '{"photo": "<base64 png/jpeg>", "caption"?}, '
    '{"document": "<base64>", "file_name": "..", "mime_type"?}; plus "from": <user id> in groups'
)


def _state(request: web.Request) -> SandboxState:
    return request.app[SANDBOX_KEY]


def _error(message: str, status: int = 400) -> web.Response:
    return web.json_response({"error": message}, status=status)


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        data = await request.json()
    except ValueError:
        raise ControlError("the body must be a JSON object") from None
    if not isinstance(data, dict):
        raise ControlError("the body must be a JSON object")
    return data


def _int(value: Any, what: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ControlError(f"{what} must be an integer") from None


def _float_arg(request: web.Request, name: str, default: float, cap: float = 60.0) -> float:
    try:
        return min(max(float(request.query.get(name, default)), 0.0), cap)
    except ValueError:
        raise ControlError(f"query parameter {name} must be a number") from None


@web.middleware
async def control_errors(request: web.Request, handler: Any) -> web.StreamResponse:
    try:
        return await handler(request)
    except ControlError as exc:
        return _error(str(exc))


# --- users and groups ------------------------------------------------------------------------


@routes.get("/api/config")
async def config(request: web.Request) -> web.Response:
    state = _state(request)
    return web.json_response({"bot_username": state.bot_username, "demo_map": state.demo_map})


@routes.post("/api/users")
async def create_user(request: web.Request) -> web.Response:
    user = _state(request).create_user(**await _body(request))
    return web.json_response(user.to_view())


@routes.get("/api/users")
async def list_users(request: web.Request) -> web.Response:
    users = _state(request).users.values()
    return web.json_response({"users": [u.to_view() for u in users]})


@routes.post("/api/users/{user_id}/block")
async def block(request: web.Request) -> web.Response:
    uid = _int(request.match_info["user_id"], "user id")
    return web.json_response(_state(request).set_blocked(uid, True).to_view())


@routes.post("/api/users/{user_id}/unblock")
async def unblock(request: web.Request) -> web.Response:
    uid = _int(request.match_info["user_id"], "user id")
    return web.json_response(_state(request).set_blocked(uid, False).to_view())


@routes.post("/api/groups")
async def create_group(request: web.Request) -> web.Response:
    body = await _body(request)
    if not isinstance(body.get("title"), str) or not isinstance(body.get("members", []), list):
        raise ControlError(
            'send {"id": <negative int>, "title", "members": [ids], "admins"?: [ids]}'
        )
    chat = _state(request).create_group(
        body.get("id"),  # type: ignore[arg-type]  # validated by create_group
        body["title"],
        [_int(u, "member id") for u in body.get("members", [])],
        [_int(u, "admin id") for u in body.get("admins", [])],
        _int(body["creator"], "creator id") if body.get("creator") is not None else None,
    )
    return web.json_response(
        {
            "id": chat.id,
            "type": chat.type,
            "title": chat.title,
            "members": chat.members,
            "admins": chat.admins,
            "creator": chat.creator,
        }
    )


# --- what users do ----------------------------------------------------------------------------


def _decode(data: Any, what: str) -> bytes:
    if not isinstance(data, str):
        raise ControlError(f"{what} must be a base64 string")
    try:
        return base64.b64decode(data.split(",", 1)[-1] if data.startswith("data:") else data)
    except (binascii.Error, ValueError):
        raise ControlError(f"{what} is not valid base64") from None


def _location(raw: Any) -> dict[str, float]:
    try:
        lat, lon = float(raw["latitude"]), float(raw["longitude"])
    except (TypeError, KeyError, ValueError):
        raise ControlError(
            '"location" must be {"latitude": <float>, "longitude": <float>}'
        ) from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ControlError("latitude must be within ±90 and longitude within ±180")
    return {"latitude": lat, "longitude": lon}


def _content(state: SandboxState, body: dict[str, Any], sender_id: int) -> dict[str, Any]:
    if isinstance(body.get("text"), str) and body["text"]:
        return {"text": body["text"]}
    if "location" in body:
        return {"location": _location(body["location"])}
    if "contact" in body:
        contact = body["contact"]
        if not isinstance(contact, dict) or not contact.get("phone_number"):
            raise ControlError('"contact" must have a "phone_number"')
        user = state.users[sender_id]
        result = {
            "phone_number": str(contact["phone_number"]),
            "first_name": contact.get("first_name") or user.first_name,
        }
        if contact.get("user_id") is not None:
            result["user_id"] = _int(contact["user_id"], "contact.user_id")
        return {"contact": result}
    if "photo" in body:
        data = _decode(body["photo"], "photo")
        size = image_size(data)
        if size is None:
            raise ControlError("photo must be a base64 PNG or JPEG image")
        record = state.store_file(data, "photo", size=size)
        return {"photo": record.photo_sizes(), **_caption(body)}
    if "document" in body:
        if not isinstance(body.get("file_name"), str) or not body["file_name"]:
            raise ControlError('a document needs "file_name"')
        data = _decode(body["document"], "document")
        mime = body.get("mime_type") or mimetypes.guess_type(body["file_name"])[0]
        record = state.store_file(data, "document", file_name=body["file_name"], mime_type=mime)
        return {"document": record.document(), **_caption(body)}
    raise ControlError(SEND_HELP)


def _caption(body: dict[str, Any]) -> dict[str, Any]:
    caption = body.get("caption")
    return {"caption": caption} if isinstance(caption, str) and caption else {}


def _from(body: dict[str, Any]) -> int | None:
    return _int(body["from"], '"from"') if body.get("from") is not None else None


@routes.post("/api/chats/{chat_id}/send")
async def send(request: web.Request) -> web.Response:
    state = _state(request)
    chat = state.get_chat(_int(request.match_info["chat_id"], "chat id"))
    body = await _body(request)
    sender = _from(body) if chat.type != "private" else chat.id
    if sender is None:
        raise ControlError('"from": <user id> is required in a group chat')
    if chat.type != "private" and sender not in chat.members:
        raise ControlError(f"user {sender} is not a member of chat {chat.id}")
    update_id, message_id = state.user_send(chat.id, _content(state, body, sender), _from(body))
    return web.json_response({"update_id": update_id, "message_id": message_id})


@routes.post("/api/chats/{chat_id}/press")
async def press(request: web.Request) -> web.Response:
    state = _state(request)
    chat_id = _int(request.match_info["chat_id"], "chat id")
    body = await _body(request)
    if "callback_data" in body:
        update_id, query_id = state.press(
            chat_id,
            _int(body.get("message_id"), '"message_id"'),
            str(body["callback_data"]),
            _from(body),
        )
        return web.json_response({"update_id": update_id, "callback_query_id": query_id})
    if isinstance(body.get("text"), str):
        location = _location(body["location"]) if "location" in body else None
        update_id, message_id = state.press_reply_button(
            chat_id, body["text"], _from(body), location
        )
        return web.json_response({"update_id": update_id, "message_id": message_id})
    raise ControlError(
        'send {"message_id", "callback_data"} for an inline button or {"text"} for a '
        'reply-keyboard button ({"location": {...}} too for a location button); "from" in groups'
    )


# --- what tests observe -----------------------------------------------------------------------


@routes.get("/api/chats/{chat_id}/messages")
async def messages(request: web.Request) -> web.Response:
    state = _state(request)
    chat_id = _int(request.match_info["chat_id"], "chat id")
    after = _int(request.query.get("after", 0), "after")
    include_users = request.query.get("all", "0") in ("1", "true")
    since = request.query.get("changed_since")
    changed_since = _int(since, "changed_since") if since is not None else None
    wait = _float_arg(request, "wait", 0)
    loop_time = asyncio.get_running_loop().time
    deadline = loop_time() + wait
    while True:
        found = state.chat_messages(
            chat_id, after=after, include_users=include_users, changed_since=changed_since
        )
        remaining = deadline - loop_time()
        if found or remaining <= 0:
            break
        await state.messages_changed.wait(remaining)
    chat = state.chats.get(chat_id)
    keyboard = chat.reply_keyboard if chat else None
    return web.json_response(
        {
            "messages": [state.message_view(m) for m in found],
            "rev": state.rev,
            # what the user sees now (one_time keyboards vanish after a press)
            "reply_keyboard": state.keyboard_view(keyboard) if keyboard else None,
        }
    )


@routes.get("/api/callbacks/{query_id}")
async def callback(request: web.Request) -> web.Response:
    state = _state(request)
    record = state.callbacks.get(request.match_info["query_id"])
    if record is None:
        return _error("unknown callback_query_id", 404)
    loop_time = asyncio.get_running_loop().time
    deadline = loop_time() + _float_arg(request, "wait", 0)
    while not record.answered and (remaining := deadline - loop_time()) > 0:
        await state.callbacks_changed.wait(remaining)
    return web.json_response(
        {
            "answered": record.answered,
            "text": record.text,
            "show_alert": record.show_alert,
            "url": record.url,
        }
    )


@routes.get("/api/files/{file_id}")
async def file(request: web.Request) -> web.Response:
    record = _state(request).files.get(request.match_info["file_id"])
    if record is None:
        return _error("unknown file_id", 404)
    return file_response(record)


@routes.get("/api/calls")
async def calls(request: web.Request) -> web.Response:
    wanted = request.query.get("method", "").lower()
    found = [c for c in _state(request).calls if not wanted or c["method"].lower() == wanted]
    return web.json_response({"calls": found})


# --- webhook upstreams (the sandbox as a load-balancing reverse proxy) -----------------------


@routes.get("/api/webhook/upstreams")
async def upstreams(request: web.Request) -> web.Response:
    return web.json_response({"urls": _state(request).webhook_upstreams})


@routes.put("/api/webhook/upstreams")
async def set_upstreams(request: web.Request) -> web.Response:
    urls = (await _body(request)).get("urls")
    if not isinstance(urls, list) or not all(
        isinstance(u, str) and re.match(r"^https?://[^\s/]+", u) for u in urls
    ):
        raise ControlError(
            'send {"urls": ["http://host:port/path", ...]}: webhook updates then go to '
            "each in turn instead of the setWebhook URL; [] goes back to that URL"
        )
    _state(request).webhook_upstreams = list(urls)
    return web.json_response({"urls": urls})


@routes.get("/api/webhook/deliveries")
async def deliveries(request: web.Request) -> web.Response:
    """Each webhook POST made, oldest first: update_id, url, HTTP status or error."""
    return web.json_response({"deliveries": list(_state(request).deliveries)})


# --- faults and reset -------------------------------------------------------------------------


@routes.post("/api/faults")
async def add_fault(request: web.Request) -> web.Response:
    body = await _body(request)
    status = body.get("status")
    if status not in FAULT_KINDS or not isinstance(body.get("method"), str):
        raise ControlError(
            'send {"method": "<Bot API method>"|"*", "status": 429|500|403|"timeout"|"drop"|'
            '"lost_answer", "count": N, "retry_after"?: s, "delay"?: s}'
        )
    fault = Fault(
        method=body["method"].lower(),
        status=status,
        count=_int(body.get("count", 1), '"count"'),
        retry_after=_int(body.get("retry_after", 1), '"retry_after"'),
        delay=float(body.get("delay", 10.0)),
    )
    _state(request).faults.append(fault)
    return web.json_response({"faults": [vars(f) for f in _state(request).faults]})


@routes.delete("/api/faults")
async def clear_faults(request: web.Request) -> web.Response:
    _state(request).faults.clear()
    return web.json_response({"faults": []})


@routes.post("/api/reset")
async def reset(request: web.Request) -> web.Response:
    _state(request).reset()
    return web.json_response({"ok": True})
