"""How the escalation sweep's cost grows: with the due cases, not with the open ones.

Runs the real sweep (services.escalation.escalate_due_cases) twice over the same number of
due cases: once among a tenth of the open cases (the baseline), once among all of them,
in the same run on the same database, and prints the ratio. A ratio near 1 means the index
on next_escalation_at does its job; a sweep that scanned open cases would approach 10.

    .venv/bin/python bench/sweep_scaling.py                      # SQLite, 100,000 open, 1,000 due
    .venv/bin/python bench/sweep_scaling.py --url postgresql+asyncpg://postgres@127.0.0.1/bench

The comparison with django-helpdesk's escalate_tickets (issue 5) is bench/helpdesk_compare.py.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

from bench._cases import fill, reset, timed_sweep
from models.db import make_engine, make_sessionmaker, unit_of_work, upgrade
from services.demo import load_demo_data


async def main(url: str | None, open_cases: int, due: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        await upgrade(url)
        engine = make_engine(url)
        sessions = make_sessionmaker(engine)
        async with unit_of_work(sessions) as s:
            await load_demo_data(s)
        # Warm-up (connections, statement caches, imports), not measured.
        await fill(sessions, open_cases=due, due=due, tag="warm")
        await timed_sweep(sessions, due)
        results = {}
        for label, n in (("baseline", max(due, open_cases // 10)), ("full", open_cases)):
            await reset(sessions)
            await fill(sessions, open_cases=n, due=due, tag=label)
            results[label] = (n, (await timed_sweep(sessions, due))[0])
        await reset(sessions)
        await engine.dispose()
    (n0, t0), (n1, t1) = results["baseline"], results["full"]
    print(f"database: {url.split(':', 1)[0]}")
    print(f"baseline: {due} due among {n0:>7} open cases: {t0:6.2f} s")
    print(f"full:     {due} due among {n1:>7} open cases: {t1:6.2f} s")
    print(f"ratio full/baseline: {t1 / t0:.2f} (open cases grew {n1 / n0:.0f}x)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--open", type=int, default=100_000, dest="open_cases")
    parser.add_argument("--due", type=int, default=1_000)
    args = parser.parse_args()
    asyncio.run(main(args.url, args.open_cases, args.due))
