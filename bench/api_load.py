"""The API under load: a rider's case list and posting a case, at 50 and 200 connections.

The desk runs as `riderunion serve --no-scheduler` in a subprocess (its request limits
raised: this measures the desk, not the limits); the load comes from another process
(bench/api_client.py: aiohttp, each connection sending its next request as soon as the last
is answered, riders' tokens in turn). The baseline, in the same run with the same client: a
bare aiohttp server (bench/bare_api.py) answering the same requests with a small JSON body.
Printed per request and concurrency: requests/s, p50 and p99 in ms, errors, and the ratio
desk/bare of requests/s (issue 18's targets: p99 < 50 ms for the list at 200 connections,
a ratio of at least 0.5).

    .venv/bin/python bench/api_load.py                          # SQLite and PostgreSQL, 5 s each
    .venv/bin/python bench/api_load.py --db sqlite --seconds 10
    .venv/bin/python bench/api_load.py --db sqlite --only post --profile /tmp/desk  # cProfile
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aiohttp
from sqlalchemy import insert, select

from bench._bots import DEFAULT_PG, ROOT, cpu_seconds, database, desk_argv, free_port
from models import Case, User, Zone
from models.db import make_engine, make_sessionmaker, unit_of_work
from models.membership import Membership, MembershipStatus
from models.types import utcnow
from services import auth
from services.demo import load_demo_data

SCENARIOS = [("list", "GET"), ("post", "POST")]
CONNECTIONS = (50, 200)
FIRST_RIDER = 7_100_000


async def riders_with_cases(url: str, *, riders: int, cases: int) -> list[str]:
    """Members with `cases` cases each, and an access token per rider (bulk: not measured)."""
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    tgs = list(range(FIRST_RIDER, FIRST_RIDER + riders))
    try:
        async with unit_of_work(sessions) as s:
            await load_demo_data(s)
            zone_id = (await s.execute(select(Zone.id).where(Zone.code == "XH"))).scalar_one()
            await s.execute(
                insert(User),
                [
                    {"telegram_id": tg, "display_name": f"Rider {tg}", "language": "en"}
                    for tg in tgs
                ],
            )
            users = list((await s.execute(select(User).where(User.telegram_id.in_(tgs)))).scalars())
            await s.execute(
                insert(Membership),
                [
                    {
                        "user_id": u.id,
                        "zone_id": zone_id,
                        "status": MembershipStatus.active,
                        "member_number": f"XH-A{u.id}",
                    }
                    for u in users
                ],
            )
            now = utcnow()
            await s.execute(
                insert(Case),
                [
                    {
                        "ref": f"A-{u.id}-{i:03d}",
                        "rider_id": u.id,
                        "zone_id": zone_id,
                        "category": "access",
                        "severity": "normal",
                        "status": "new",
                        "summary": "gate closed",
                        "created_at": now - timedelta(hours=i),
                        "updated_at": now - timedelta(hours=i),
                    }
                    for u in users
                    for i in range(cases)
                ],
            )
            # The sign-in itself is not what is measured: sessions opened as a sign-in would.
            return [
                (await auth._open_session(s, user=u, method="code")).access_token for u in users
            ]
    finally:
        await engine.dispose()


async def _up(base: str, proc: subprocess.Popen[bytes], path: str) -> None:
    async with aiohttp.ClientSession() as http:
        for _ in range(300):
            if proc.poll() is not None:
                raise RuntimeError(f"the server exited with {proc.returncode}")
            try:
                async with http.get(base + path) as resp:
                    if resp.status < 500:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError("the server did not come up within 30 s")


def load(spec: dict[str, Any]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench/api_client.py"), json.dumps(spec)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


async def measure(
    server: tuple[str, int], tokens: list[str], seconds: float, only: str | None = None
) -> dict[tuple[str, int], dict]:
    """Each row's load, and the server's own CPU per answered request (a figure the other
    work on a shared machine barely moves, unlike requests/s)."""
    base, pid = server
    results = {}
    for name, method in SCENARIOS:
        if only and name != only:
            continue
        for conns in CONNECTIONS:
            spec = {
                "url": f"{base}/api/v1/cases",
                "method": method,
                "connections": conns,
                "seconds": seconds,
                "tokens": tokens,
            }
            before = cpu_seconds(pid)
            r = await asyncio.to_thread(load, spec)
            r["cpu_ms"] = (cpu_seconds(pid) - before) * 1000 / max(1, r["requests"])
            results[(name, conns)] = r
    return results


def _popen(argv: list[str], env: dict[str, str], cwd: str) -> subprocess.Popen[bytes]:
    quiet = subprocess.DEVNULL
    return subprocess.Popen(argv, env=env, cwd=cwd, stdout=quiet, stderr=quiet)


@contextlib.asynccontextmanager
async def serve(
    argv: list[str], env: dict[str, str], port: int, ready: str
) -> AsyncIterator[tuple[str, int]]:
    """A server in a subprocess, until it answers `ready`; its base URL and process id."""
    with tempfile.TemporaryDirectory() as tmp:
        proc = _popen(argv, env, tmp)
        try:
            await _up(f"http://127.0.0.1:{port}", proc, ready)
            yield f"http://127.0.0.1:{port}", proc.pid
        finally:
            proc.terminate()
            await asyncio.to_thread(proc.wait, 20)


def _env(**extra: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "DATABASE", "API_"))}
    return keep | extra


async def bare(seconds: float, only: str | None) -> dict[tuple[str, int], dict]:
    port = free_port()
    argv = [sys.executable, str(ROOT / "bench/bare_api.py"), str(port)]
    async with serve(argv, _env(), port, "/api/v1/cases") as server:
        return await measure(server, ["bare"], seconds, only)


async def desk(
    db: str,
    seconds: float,
    pg_url: str,
    riders: int,
    *,
    only: str | None = None,
    profile: str | None = None,
) -> dict[tuple[str, int], dict]:
    async with database(db, pg_url) as url:
        tokens = await riders_with_cases(url, riders=riders, cases=10)
        port = free_port()
        argv = desk_argv(profile and f"{profile}-{db}.prof")
        env = _env(
            DATABASE_URL=url,
            HTTP_PORT=str(port),
            API_RATE_PER_IP="10000000/minute",
            API_RATE_PER_TOKEN="10000000/minute",
        )
        async with serve(argv, env, port, "/healthz") as server:
            return await measure(server, tokens, seconds, only)


def _row(label: str, r: dict[str, Any], base: dict[str, Any] | None) -> str:
    rate = r["requests"] / r["seconds"]
    ratio = f"{rate / (base['requests'] / base['seconds']):.2f}" if base else "—"
    errors = sum(r["errors"].values())
    return (
        f"{label:<28} {rate:>9.0f} {r['p50']:>8.1f} {r['p99']:>8.1f} {errors:>7}"
        f" {ratio:>11} {r['cpu_ms']:>12.2f}"
    )


async def main(
    *,
    db: str = "both",
    seconds: float = 5,
    pg_url: str = DEFAULT_PG,
    riders: int = 200,
    only: str | None = None,
    profile: str | None = None,
) -> None:
    dbs = ["sqlite", "postgres"] if db == "both" else [db]
    print(
        f"API: {seconds:g} s per row, load from a separate process; ratio = desk req/s / bare"
        " aiohttp req/s (targets: list p99 < 50 ms at 200, ratio >= 0.5)"
    )
    print(
        f"{'server / request / conns':<28} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}"
        f" {'errors':>7} {'desk/bare':>11} {'cpu ms/req':>12}"
    )
    baseline = await bare(seconds, only)
    for (name, conns), r in baseline.items():
        print(_row(f"bare   {name} {conns}", r, None), flush=True)
    for name_db in dbs:
        results = await desk(name_db, seconds, pg_url, riders, only=only, profile=profile)
        for (name, conns), r in results.items():
            print(_row(f"desk {name_db[:2]} {name} {conns}", r, baseline[(name, conns)]))
            if r["errors"]:
                print(f"    errors: {r['errors']}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--riders", type=int, default=200)
    parser.add_argument("--pg-url", default=DEFAULT_PG)
    parser.add_argument("--only", choices=[name for name, _ in SCENARIOS])
    parser.add_argument("--profile", metavar="PREFIX", help="cProfile the desk to PREFIX-<db>.prof")
    args = parser.parse_args()
    asyncio.run(
        main(
            db=args.db,
            seconds=args.seconds,
            pg_url=args.pg_url,
            riders=args.riders,
            only=args.only,
            profile=args.profile,
        )
    )
