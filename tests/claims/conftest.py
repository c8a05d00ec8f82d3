"""Claims fixtures: the demo desk (zones, representatives) with a member rider in XH."""

from __future__ import annotations

import base64
import struct
import zlib
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from app.runtime import Runtime
from models import User, Zone
from models.membership import Membership, MembershipStatus
from services.demo import load_demo_data
from tests.sandbox_client import SandboxClient

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 6, 15, 10, 0, tzinfo=SH)
RIDER, REP_XH, REP_BJ = 700601, 900002, 900003


@pytest.fixture
def clock() -> Iterator[None]:
    """15 June 2026 in Hangzhou, ticking, so dates riders type are checked against it."""
    with time_machine.travel(NOW, tick=True):
        yield


async def add_member(
    rt: Runtime, telegram_id: int, name: str, *, zone: str = "XH", lang: str = "zh"
) -> int:
    async with rt.ctx.sessions() as s, s.begin():
        zone_id = (await s.execute(select(Zone.id).where(Zone.code == zone))).scalar_one()
        user = User(telegram_id=telegram_id, display_name=name, language=lang)
        s.add(user)
        await s.flush()
        s.add(
            Membership(
                user_id=user.id,  # type: ignore[arg-type]
                zone_id=zone_id,
                status=MembershipStatus.active,
                member_number=f"XH-2026-{telegram_id}",
                name=name,
                phone="13800001234",
            )
        )
        await s.flush()
        return user.id  # type: ignore[return-value]


@pytest.fixture
async def claims_desk(clock: None, desk: Runtime, sandbox: SandboxClient) -> Runtime:
    async with desk.ctx.sessions() as s, s.begin():
        await load_demo_data(s)
    for tg, name in ((RIDER, "王师傅"), (REP_XH, "代表 李强"), (REP_BJ, "代表 陈芳")):
        await sandbox.user(tg, name, language="zh")
    await add_member(desk, RIDER, "王师傅")
    return desk


def png() -> str:
    """A real 1x1 PNG, base64: the sandbox only accepts images it can read."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
    raw += chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b"")
    return base64.b64encode(raw).decode()


async def file_bytes(sandbox: SandboxClient, file_id: str) -> bytes:
    async with sandbox.http.get(f"{sandbox.base}/sandbox/api/files/{file_id}") as resp:
        assert resp.status == 200
        return await resp.read()
