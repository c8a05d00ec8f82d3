"""Typed keys for what the aiohttp application carries."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from app.runtime import Context

CTX: web.AppKey[Context] = web.AppKey("ctx")
