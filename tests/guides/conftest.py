from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from services.guides import RouteData, load_dir

ROOT = Path(__file__).resolve().parents[2]
DEMO_DIR = ROOT / "routes_data" / "demo"
HANDBOOK_DIR = ROOT / "routes_data" / "handbook"
FIXTURES = Path(__file__).parent / "fixtures"
SH = ZoneInfo("Asia/Shanghai")
NATIONAL_DAY = date(2025, 10, 1)  # a Wednesday


def at(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=SH)


@pytest.fixture(scope="session")
def demo() -> RouteData:
    return load_dir(DEMO_DIR)


@pytest.fixture
async def sandbox():  # type: ignore[no-untyped-def]
    """The guide tests click through menus faster than a person: the per-chat limit is raised
    so they test the flows, not Telegram's flood control (tests/sandbox covers that)."""
    from aiohttp import web

    from sandbox import create_sandbox_app
    from tests.sandbox_client import SandboxClient

    root = web.Application()
    root.add_subapp("/sandbox", create_sandbox_app(per_chat_rate=50, per_chat_burst=50))
    runner = web.AppRunner(root, access_log=None, handler_cancellation=True)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    client = SandboxClient(f"http://127.0.0.1:{port}")
    yield client
    await client.close()
    await runner.cleanup()
