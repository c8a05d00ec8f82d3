"""Schema changes only through Alembic: up from empty to head and back down, on both."""

from __future__ import annotations

from sqlalchemy import inspect

from models.db import current_revisions, downgrade, head_revisions, make_engine, upgrade


async def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await engine.dispose()


async def test_upgrade_to_head_and_downgrade_to_base(db_url: str) -> None:
    # The fixture's database is already at head: go down to empty, then up again.
    await downgrade(db_url, "base")
    assert await _tables(db_url) <= {"alembic_version"}
    await upgrade(db_url)
    engine = make_engine(db_url)
    try:
        assert await current_revisions(engine) == head_revisions()
    finally:
        await engine.dispose()
    assert {"user", "zone", "case", "case_event", "outbox", "chat_state"} <= await _tables(db_url)
