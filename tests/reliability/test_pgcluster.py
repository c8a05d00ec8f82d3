"""The throwaway cluster the fault tests use really goes down, hangs and comes back."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from tests.conftest import _pg_dsn
from tests.pgcluster import ThrowawayPG


async def _select_one(cluster: ThrowawayPG, wait: float = 5) -> int:
    conn = await asyncpg.connect(_pg_dsn(cluster.url), timeout=wait)
    try:
        return await conn.fetchval("select count(*) from alembic_version")
    finally:
        await conn.close()


async def test_stop_freeze_and_start_again(throwaway_pg: ThrowawayPG) -> None:
    assert await _select_one(throwaway_pg) >= 1  # migrated

    await throwaway_pg.stop()
    with pytest.raises(OSError):  # refused
        await _select_one(throwaway_pg)
    await throwaway_pg.start()
    assert await _select_one(throwaway_pg) >= 1

    await throwaway_pg.freeze()
    with pytest.raises(asyncio.TimeoutError):  # hangs, not refused
        await _select_one(throwaway_pg, wait=1)
    await throwaway_pg.thaw()
    assert await _select_one(throwaway_pg) >= 1
