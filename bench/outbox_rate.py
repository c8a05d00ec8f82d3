"""The outbox against Telegram's limits: how close the sender gets to 30 messages a second.

N notices to N/2 riders (two each) wait in the outbox; `riderunion worker` (the scheduler
and the outbox sender, as deployed) runs in a subprocess against a sandbox in this process
that enforces Telegram's limits (about 30 messages a second overall, 1 a second per chat
with a burst of a few) and answers 429 past them. Measured at the sandbox: the achieved
rate (messages delivered / seconds from the first delivery to the last), the 429 answers,
and every notice checked by its tag: lost (never delivered) and duplicates (delivered more
than once). The baseline is the limit itself, 30 a second; the ratio achieved/30 has issue
18's target of at least 0.95, with 0 x 429, 0 lost, 0 duplicates.

    .venv/bin/python bench/outbox_rate.py                   # 6,000 notices to 3,000 riders
    .venv/bin/python bench/outbox_rate.py --notices 10000 --riders 5000   # issue 18's size, ~6 min

At 30 a second 10,000 notices take 5.6 minutes whatever the sender does; the default is
smaller to stay under the benchmarks' 5 minutes. The database is SQLite (--db postgres).
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import time
from collections import Counter

from sqlalchemy import func, insert, select

from bench._bots import DEFAULT_PG, bot_process, database, sandbox_server
from models import Outbox, OutboxStatus
from models.db import make_engine, make_sessionmaker, unit_of_work
from services.outbox import message

LIMIT = 30.0  # the sandbox's overall rate, as Telegram's
FIRST_RIDER = 7_200_000
TAG = re.compile(r"notice #(\d+)")


async def queue(url: str, notices: int, riders: int) -> None:
    engine = make_engine(url)
    try:
        async with unit_of_work(make_sessionmaker(engine)) as s:
            rows = [
                message(
                    chat_id=FIRST_RIDER + i % riders,
                    payload={"text": f"Your case was updated (notice #{i})"},
                ).model_dump(exclude={"id"})
                for i in range(notices)
            ]
            for start in range(0, len(rows), 2000):
                await s.execute(insert(Outbox), rows[start : start + 2000])
    finally:
        await engine.dispose()


async def sent_rows(url: str) -> int:
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as s:
            query = select(func.count()).where(Outbox.status == OutboxStatus.sent)
            return (await s.execute(query)).scalar_one()
    finally:
        await engine.dispose()


async def main(
    *, notices: int = 6000, riders: int = 3000, db: str = "sqlite", pg_url: str = DEFAULT_PG
) -> dict[str, float]:
    async with sandbox_server() as (base, state, arrivals), database(db, pg_url) as url:
        for n in range(riders):
            state.create_user(id=FIRST_RIDER + n, first_name=f"Rider{n}", language_code="en")
        await queue(url, notices, riders)
        argv = [sys.executable, "-c", "from app.cli import main; main()", "worker"]
        env = {"DATABASE_URL": url, "TELEGRAM_API_BASE": base, "SANDBOX": "false"}
        patience = notices / LIMIT * 2 + 60  # far past what a sender at the limit needs
        async with bot_process(argv, env, state, ready="sendMessage"):
            deadline = time.perf_counter() + patience
            while time.perf_counter() < deadline:
                delivered = sum(len(v) for v in arrivals.at.values())
                if delivered >= notices:
                    break
                await asyncio.sleep(0.5)
            await asyncio.sleep(2)  # anything sent twice would come now
        stamps = sorted(stamp for v in arrivals.at.values() for stamp, _ in v)
        tags = Counter(
            int(m.group(1))
            for v in arrivals.at.values()
            for _, msg in v
            if (m := TAG.search(msg.content.get("text") or ""))
        )
        too_many = sum(1 for c in state.calls if c.get("status") == 429)
        marked = await sent_rows(url)
    seconds = stamps[-1] - stamps[0] if len(stamps) > 1 else float("nan")
    rate = (len(stamps) - 1) / seconds if len(stamps) > 1 else 0.0
    lost = notices - len(tags)
    duplicates = sum(c - 1 for c in tags.values())
    print(
        f"outbox: {notices} notices to {riders} riders, `riderunion worker` against the"
        f" sandbox's Telegram limits ({LIMIT:g}/s overall, 1/s per chat), {db}"
    )
    print(f"{'name':<16} {'value':>8} {'baseline':>9} {'ratio':>7}")
    print(f"{'rate msg/s':<16} {rate:>8.2f} {LIMIT:>9.0f} {rate / LIMIT:>7.3f}  (target >= 0.95)")
    print(
        f"delivered {len(stamps)} in {seconds:.1f} s; 429 answers {too_many}; lost {lost};"
        f" duplicates {duplicates}; rows marked sent {marked}"
    )
    return {"rate": rate, "too_many": too_many, "lost": lost, "duplicates": duplicates}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--notices", type=int, default=6000)
    parser.add_argument("--riders", type=int, default=3000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--pg-url", default=DEFAULT_PG)
    args = parser.parse_args()
    run = main(notices=args.notices, riders=args.riders, db=args.db, pg_url=args.pg_url)
    asyncio.run(run)
