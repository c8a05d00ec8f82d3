"""Resident memory of one desk instance holding N riders mid-form (issue 18).

The desk (`riderunion serve --no-scheduler`, polling a sandbox in this process) starts; its
resident memory (VmRSS) is read once a rider has been through the form (the baseline: the
same instance, warm, with nobody mid-form); then N riders each send /report, which
opens the report form at its first step (the category), and the memory is read again. Once
with the forms in the database (the default storage) and once in Redis (REDIS_URL;
127.0.0.1:6379, database 11, the bench's keys deleted afterwards). Printed: both readings,
their ratio, and what a rider mid-form costs the instance.

    .venv/bin/python bench/form_memory.py --storage db      # 10,000 riders, about 4 minutes
    .venv/bin/python bench/form_memory.py --storage redis
    .venv/bin/python bench/form_memory.py --riders 2000 --storage db
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from bench._bots import NO_LIMITS, bot_process, database, rss_kib, sandbox_server
from bench.chat_load import XH, Rider, Run, has, members

FIRST_RIDER = 7_300_000
REDIS = "redis://127.0.0.1:6379/11"
AT_ONCE = 200  # riders acting at the same time; the others wait their turn


async def open_form(rider: Rider) -> None:
    await rider.send({"text": "/report"}, has("rp:cat:access"))


async def _forget_forms(riders: range) -> None:
    from redis.asyncio import Redis

    redis = Redis.from_url(REDIS)
    try:
        keys = [
            k
            async for k in redis.scan_iter(match="fsm:*", count=1000)
            if any(part.isdigit() and int(part) in riders for part in k.decode().split(":"))
        ]
        if keys:
            await redis.delete(*keys)
    finally:
        await redis.aclose()


async def one_storage(storage: str, n: int) -> tuple[int, int, Run]:
    riders = range(FIRST_RIDER, FIRST_RIDER + n)
    warm = FIRST_RIDER - 1
    async with sandbox_server(**NO_LIMITS) as (base, state, arrivals), database("sqlite") as url:
        for tg in [warm, *riders]:
            state.create_user(id=tg, first_name=f"Rider{tg}", language_code="en")
        await members(url, [warm, *riders])
        argv = [sys.executable, "-c", "from app.cli import main; main()", "serve", "--no-scheduler"]
        env = {"DATABASE_URL": url, "TELEGRAM_API_BASE": base, "SANDBOX": "false", "HTTP_PORT": "0"}
        if storage == "redis":
            env["REDIS_URL"] = REDIS
        try:
            async with bot_process(argv, env, state) as proc:
                run = Run()
                warm_rider = Rider(state, arrivals, warm, run)
                menu = await warm_rider.send({"text": "/report"}, has("rp:cat:access"))
                await warm_rider.press(menu, "rp:cat:access")
                await warm_rider.send({"text": "a warm-up description"})
                await warm_rider.send({"location": XH}, has("rp:done"))
                await asyncio.sleep(1)
                idle = rss_kib(proc.pid)
                gate = asyncio.Semaphore(AT_ONCE)
                run = Run()

                async def one(chat: int) -> None:
                    async with gate:
                        try:
                            await open_form(Rider(state, arrivals, chat, run))
                        except (TimeoutError, StopIteration):
                            run.failed += 1

                await asyncio.gather(*(one(chat) for chat in riders))
                await asyncio.sleep(2)
                busy = rss_kib(proc.pid)
        finally:
            if storage == "redis":
                await _forget_forms(range(warm, FIRST_RIDER + n))
    return idle, busy, run


async def main(*, riders: int = 10_000, storage: str = "both") -> None:
    kinds = ["db", "redis"] if storage == "both" else [storage]
    print(
        f"memory: one desk instance, {riders} riders mid-form (/report: the form open at its"
        " first step); baseline: the same instance warm with nobody mid-form"
    )
    print(
        f"{'storage':<8} {'idle MiB':>9} {'mid-form MiB':>13} {'ratio':>6} {'KiB/rider':>10}"
        f" {'forms':>6} {'failed':>6}"
    )
    for kind in kinds:
        idle, busy, run = await one_storage(kind, riders)
        per = (busy - idle) / riders
        print(
            f"{kind:<8} {idle / 1024:>9.1f} {busy / 1024:>13.1f} {busy / idle:>6.2f}"
            f" {per:>10.2f} {riders - run.failed:>6} {run.failed:>6}",
            flush=True,
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--riders", type=int, default=10_000)
    parser.add_argument("--storage", choices=["db", "redis", "both"], default="both")
    args = parser.parse_args()
    asyncio.run(main(riders=args.riders, storage=args.storage))
