"""Behind a reverse proxy (docs/deploy.md) every request comes from the proxy: TRUSTED_PROXIES
makes the API count each client its X-Forwarded-For names, and only from those proxies."""

from __future__ import annotations

import aiohttp
import pytest

from app.settings import SettingsError, load_settings
from tests.conftest import DeskFactory


async def statuses(url: str, forwarded: list[str | None]) -> list[int]:
    async with aiohttp.ClientSession() as http:
        out = []
        for chain in forwarded:
            headers = {"X-Forwarded-For": chain} if chain else {}
            async with http.get(url, headers=headers) as resp:
                out.append(resp.status)
        return out


async def test_clients_behind_a_trusted_proxy_are_counted_apart(desks: DeskFactory) -> None:
    desk = await desks.start(api_rate_per_ip="2/minute", trusted_proxies="127.0.0.1, ::1")
    url = f"{desk.url}/api/v1/no-such-thing"  # counted before it is found missing
    a, b = "203.0.113.5", "198.51.100.7"
    # A client may write what it likes left of what the proxy appends: not who it is.
    got = await statuses(url, [a, f"10.9.9.9, {a}", a, b, f"{a}, {b}", b])
    assert got == [404, 404, 429, 404, 404, 429]


async def test_without_trusted_proxies_the_header_is_ignored(desks: DeskFactory) -> None:
    desk = await desks.start(api_rate_per_ip="2/minute")
    url = f"{desk.url}/api/v1/no-such-thing"
    # Anyone could send the header: trusted from nowhere, every request is the peer's.
    assert await statuses(url, ["203.0.113.5", "198.51.100.7", "192.0.2.1"]) == [404, 404, 429]


async def test_a_proxy_list_that_is_not_addresses_stops_start_up() -> None:
    with pytest.raises(SettingsError, match=r"TRUSTED_PROXIES: .*'nginx' is not an IP"):
        load_settings(trusted_proxies="10.0.0.0/8,nginx", _env_file=None)
