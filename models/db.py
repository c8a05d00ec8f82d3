"""Engine, sessions and migrations. The only place that knows which database is behind."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def make_engine(url: str, **kw: object) -> AsyncEngine:
    # A failed statement's parameters (names, phones) stay out of error messages and logs.
    kw.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        Path(url.split("///", 1)[-1]).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 30}, **kw)

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            # WAL lets the web, bot and outbox read while one of them writes.
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    return create_async_engine(url, pool_pre_ping=True, **kw)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def unit_of_work(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One transaction: committed when the block ends, rolled back when it raises —
    unless the error says its changes are to be kept (`keep_changes`, see services.errors)."""
    async with sessions() as session:
        await session.begin()
        try:
            yield session
        except BaseException as exc:
            if getattr(exc, "keep_changes", False):
                await session.commit()
            else:
                await session.rollback()
            raise
        await session.commit()


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


async def upgrade(url: str, revision: str = "heads") -> None:
    # Alembic's command API is synchronous and runs its own event loop in env.py.
    await asyncio.to_thread(command.upgrade, alembic_config(url), revision)


async def downgrade(url: str, revision: str = "base") -> None:
    await asyncio.to_thread(command.downgrade, alembic_config(url), revision)


def head_revisions() -> set[str]:
    """Each feature area may grow its own migration branch; all of them must be applied."""
    return set(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


async def current_revisions(engine: AsyncEngine) -> set[str]:
    def _read(conn: Connection) -> set[str]:
        return set(MigrationContext.configure(conn).get_current_heads())

    async with engine.connect() as conn:
        return await conn.run_sync(_read)


async def is_up_to_date(engine: AsyncEngine) -> bool:
    return await current_revisions(engine) == head_revisions()
