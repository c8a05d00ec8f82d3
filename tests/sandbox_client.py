"""A small client for the sandbox control API: what a person does in the chat page."""

from __future__ import annotations

import base64
from typing import Any

import aiohttp


class SandboxError(AssertionError):
    pass


class SandboxClient:
    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")
        self.http = aiohttp.ClientSession()

    async def close(self) -> None:
        await self.http.close()

    async def _call(self, method: str, path: str, **kw: Any) -> Any:
        async with self.http.request(method, f"{self.base}/sandbox/api{path}", **kw) as resp:
            body = await resp.json()
            if resp.status >= 400:
                raise SandboxError(f"{method} {path} -> {resp.status}: {body}")
            return body

    async def user(
        self, user_id: int, first_name: str = "Rider", language: str = "zh", **extra: Any
    ) -> Any:
        body = {"id": user_id, "first_name": first_name, "language_code": language, **extra}
        return await self._call("POST", "/users", json=body)

    async def send(self, chat_id: int, text: str | None = None, **content: Any) -> int:
        body: dict[str, Any] = dict(content)
        if text is not None:
            body["text"] = text
        if isinstance(body.get("photo"), bytes):
            body["photo"] = base64.b64encode(body["photo"]).decode()
        return (await self._call("POST", f"/chats/{chat_id}/send", json=body))["message_id"]

    async def press(self, chat_id: int, message_id: int, callback_data: str) -> str:
        body = {"message_id": message_id, "callback_data": callback_data}
        return (await self._call("POST", f"/chats/{chat_id}/press", json=body))["callback_query_id"]

    async def messages(self, chat_id: int, *, after: int = 0, wait: float = 0) -> list[dict]:
        params = {"after": str(after), "wait": str(wait)}
        return (await self._call("GET", f"/chats/{chat_id}/messages", params=params))["messages"]

    async def reply_to(self, chat_id: int, text: str | None = None, **content: Any) -> dict:
        """Send something and wait for the bot's first answer to it."""
        sent = await self.send(chat_id, text, **content)
        found = await self.messages(chat_id, after=sent, wait=10)
        if not found:
            raise SandboxError(f"the bot did not answer {text or content!r} within 10 s")
        return found[0]

    async def callback_answer(self, query_id: str, wait: float = 10) -> dict:
        return await self._call("GET", f"/callbacks/{query_id}", params={"wait": str(wait)})

    async def fault(self, method: str, status: int | str, count: int = 1, **kw: Any) -> None:
        body = {"method": method, "status": status, "count": count, **kw}
        await self._call("POST", "/faults", json=body)

    async def calls(self, method: str | None = None) -> list[dict]:
        params = {"method": method} if method else {}
        body = await self._call("GET", "/calls", params=params)
        return body["calls"] if isinstance(body, dict) else body

    async def block(self, user_id: int) -> None:
        await self._call("POST", f"/users/{user_id}/block")

    async def press_label(
        self, chat_id: int, label: str, location: dict[str, float] | None = None
    ) -> int:
        """Tap a reply-keyboard button (a request_contact one sends the user's own contact, a
        request_location one the `location` given)."""
        body: dict[str, Any] = {"text": label}
        if location is not None:
            body["location"] = location
        return (await self._call("POST", f"/chats/{chat_id}/press", json=body))["message_id"]

    async def keyboard(self, chat_id: int) -> list[list[dict]] | None:
        """The reply keyboard the user sees now (None when there is none)."""
        return (await self._call("GET", f"/chats/{chat_id}/messages"))["reply_keyboard"]

    async def group(self, chat_id: int, title: str, members: list[int], admins: list[int]) -> Any:
        body = {"id": chat_id, "title": title, "members": members, "admins": admins}
        return await self._call("POST", "/groups", json=body)

    async def press_in_group(self, chat_id: int, message_id: int, data: str, user_id: int) -> str:
        body = {"message_id": message_id, "callback_data": data, "from": user_id}
        return (await self._call("POST", f"/chats/{chat_id}/press", json=body))["callback_query_id"]
