"""Puts the demo people into the sandbox's user list, so /sandbox/ can play every side."""

from __future__ import annotations

import aiohttp

from services.demo import DEMO_RIDER, PEOPLE


async def seed_sandbox_users(base_url: str) -> None:
    async with aiohttp.ClientSession() as http:
        for p in [DEMO_RIDER, *PEOPLE]:
            body = {"id": p.telegram_id, "first_name": p.name, "language_code": p.language}
            async with http.post(f"{base_url}/sandbox/api/users", json=body) as resp:
                resp.raise_for_status()
