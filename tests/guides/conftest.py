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
