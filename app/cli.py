"""`riderunion`: serve, worker, migrate, demo-data, create-user."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys

from app.settings import Settings, load_settings
from models import Role
from models.db import make_engine, make_sessionmaker, unit_of_work, upgrade

log = logging.getLogger("riderunion")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="riderunion", description="Rider union desk")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="bot + HTTP + scheduler in one process")
    serve.add_argument(
        "--no-scheduler", action="store_true", help="for extra web instances: no outbox/sweeps"
    )
    sub.add_parser("worker", help="scheduler and outbox sender only")
    sub.add_parser("migrate", help="apply database migrations up to the newest")
    sub.add_parser("routes", help="route data: routes validate [DIR] | import FILE [--from gcj02]")
    sub.add_parser("demo-data", help="load demo zones and people (only into an empty database)")
    create = sub.add_parser("create-user", help="create or promote a representative or admin")
    create.add_argument("--role", choices=["rep", "senior", "admin"], required=True)
    create.add_argument("--telegram-id", type=int, required=True)
    create.add_argument("--name", required=True)
    create.add_argument("--zone", action="append", default=[], help="zone code; repeatable")
    password = sub.add_parser(
        "set-password", help="web/API password for a representative or admin (read from stdin)"
    )
    password.add_argument("--telegram-id", type=int, required=True)
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["routes"]:  # its own parser (services/guides/cli.py), --help included
        from services.guides.cli import main as routes_main

        sys.exit(routes_main(argv[1:], default_dir=str(load_settings().routes_dir)))
    args = parser.parse_args(argv)

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # Sweeps run every second: their per-run lines would drown everything else.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    settings = load_settings()
    match args.command:
        case "serve":
            asyncio.run(run_forever(settings, web=True, bot=True, scheduler=not args.no_scheduler))
        case "worker":
            asyncio.run(run_forever(settings, web=False, bot=False, scheduler=True))
        case "migrate":
            asyncio.run(upgrade(settings.database_url))
            print("Database is at the newest migration.")
        case "demo-data":
            asyncio.run(demo_data(settings))
        case "create-user":
            asyncio.run(create_user(settings, args))
        case "set-password":
            asyncio.run(set_password(settings, args.telegram_id, sys.stdin.readline().rstrip("\n")))


async def run_forever(settings: Settings, *, web: bool, bot: bool, scheduler: bool) -> None:
    from app.runtime import Runtime

    runtime = Runtime(settings, web=web, bot=bot, scheduler=scheduler)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await runtime.start()
        if web:
            await announce(runtime)
        else:
            print("Worker running: outbox sender and scheduled sweeps. Ctrl-C stops.", flush=True)
        await stop.wait()
    finally:
        await runtime.stop()


async def announce(runtime: object) -> None:
    from app.runtime import Runtime
    from app.sandbox_users import seed_sandbox_users

    assert isinstance(runtime, Runtime)
    url = runtime.url
    lines = [f"Rider union desk is running on {url}", f"  health:   {url}/healthz"]
    if runtime.settings.sandbox_enabled:
        await seed_sandbox_users(url)
        lines.append(f"  sandbox:  {url}/sandbox/   (chat with the bot as any user below)")
        lines.append("  demo users in the sandbox (pick one by id):")
        lines += [f"    {line}" for line in demo_people()]
    else:
        lines.append(f"  bot: @{runtime.ctx.bot_info.get('username')} on Telegram")
    print("\n".join(lines), flush=True)


def demo_people() -> list[str]:
    """Each demo person with their role and zones: who to be to try which side."""
    from models import Role
    from services.demo import DEMO_RIDER, PEOPLE

    lines = []
    for p in [DEMO_RIDER, *PEOPLE]:
        if p.role is Role.admin:
            where = "all zones"
        elif p.zones:
            where = "zones " + ", ".join(p.zones)
        else:
            where = "not a member yet: /join" if p.role is Role.rider else "no zone"
        lines.append(f"{p.telegram_id}  {p.name}  ({p.role.value}; {where})")
    return lines


async def demo_data(settings: Settings) -> None:
    from services.demo import load_demo_data

    engine = make_engine(settings.database_url)
    try:
        async with unit_of_work(make_sessionmaker(engine)) as session:
            loaded = await load_demo_data(session)
    finally:
        await engine.dispose()
    if not loaded:
        print("Demo data not loaded: the database already has zones.")
        return
    print("Demo data loaded: zones XH (Xihu) and BJ (Binjiang), and these people:")
    for line in demo_people():
        print(f"  telegram id {line}")


async def create_user(settings: Settings, args: argparse.Namespace) -> None:
    from services.errors import DomainError
    from services.users import create_staff

    engine = make_engine(settings.database_url)
    try:
        async with unit_of_work(make_sessionmaker(engine)) as session:
            user = await create_staff(
                session,
                telegram_id=args.telegram_id,
                display_name=args.name,
                role=Role(args.role),
                zone_codes=args.zone,
            )
            print(f"User {user.id} ({args.name}) is now {args.role}.")
    except DomainError as exc:
        sys.exit(f"Could not create the user: {exc.code} {exc.params}")
    finally:
        await engine.dispose()


async def set_password(settings: Settings, telegram_id: int, password: str) -> None:
    from services.auth import set_password as set_staff_password
    from services.errors import DomainError
    from services.users import find_by_telegram_id

    engine = make_engine(settings.database_url)
    try:
        async with unit_of_work(make_sessionmaker(engine)) as session:
            user = await find_by_telegram_id(session, telegram_id=telegram_id)
            if user is None:
                sys.exit(f"No user with Telegram id {telegram_id}.")
            await set_staff_password(session, user=user, password=password)
        print(f"Password set for {user.display_name}.")
    except DomainError as exc:
        sys.exit(f"Password not set: {exc.code} {exc.params}")
    finally:
        await engine.dispose()


if __name__ == "__main__":
    main()
