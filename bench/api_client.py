"""The API benchmark's load, in a process of its own: C connections, each sending requests
back to back for D seconds; prints one JSON line (requests, seconds, p50/p99 ms, errors).

    python bench/api_client.py '{"url": ..., "method": "GET", "connections": 50,
                                 "seconds": 5, "tokens": [...]}'
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

import aiohttp

REPORT = {"category": "access", "description": "Gate 3 blocks e-bikes", "lat": 30.28,
          "lon": 120.13}  # fmt: skip


async def main(spec: dict[str, Any]) -> dict[str, Any]:
    url, method, tokens = spec["url"], spec["method"], spec["tokens"]
    latencies: list[float] = []
    errors: dict[str, int] = {}
    stop_at = time.perf_counter() + spec["seconds"]
    connector = aiohttp.TCPConnector(limit=spec["connections"])

    async def worker(n: int, http: aiohttp.ClientSession) -> None:
        headers = {"Authorization": f"Bearer {tokens[n % len(tokens)]}"}
        while time.perf_counter() < stop_at:
            data = None
            if method == "POST":
                data = aiohttp.FormData()
                data.add_field("report", json.dumps(REPORT), content_type="application/json")
            start = time.perf_counter()
            try:
                async with http.request(method, url, headers=headers, data=data) as resp:
                    await resp.read()
                    status = resp.status
            except aiohttp.ClientError as exc:
                errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
                continue
            latencies.append(time.perf_counter() - start)
            if status >= 400:
                errors[str(status)] = errors.get(str(status), 0) + 1

    began = time.perf_counter()
    async with aiohttp.ClientSession(connector=connector) as http:
        await asyncio.gather(*(worker(n, http) for n in range(spec["connections"])))
    seconds = time.perf_counter() - began
    latencies.sort()

    def pct(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000

    return {
        "requests": len(latencies),
        "seconds": seconds,
        "p50": pct(0.5),
        "p99": pct(0.99),
        "errors": errors,
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(json.loads(sys.argv[1])))))
