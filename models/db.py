"""Engine, sessions and migrations. The only place that knows which database is behind."""

from __future__ import annotations

import asyncio
import errno
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event, exc
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection
from sqlalchemy.util import await_only

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


# Every wait on the database is bounded, so a database that hangs (a frozen server, a lost
# network) is told apart from a slow one within seconds and the desk answers "unavailable"
# (503) instead of holding requests. The same numbers hold on SQLite and PostgreSQL.
# Opening a connection, TCP and the PostgreSQL start-up together. Not 2 s: with two cores busy
# (the whole test suite) a new backend once took longer than that to answer.
CONNECT_TIMEOUT = 5.0
PING_TIMEOUT = 1.0  # the liveness check of a pooled connection before it is handed out
# One statement, or on SQLite the wait for another writer's lock. Migrations have none.
STATEMENT_TIMEOUT = 15.0
POOL_TIMEOUT = 3.0  # waiting for a free connection when every one of the pool is busy
# Connections a process keeps open (DB_POOL_SIZE), and how many more it opens when all are
# busy (closed again when returned). The inbox handles up to 32 chats at once beside the
# poller, the outbox and the web: with SQLAlchemy's default of 5 kept, a busy desk opened and
# closed a connection (and PostgreSQL forked a backend) for a quarter of its checkouts.
POOL_SIZE = 30
MAX_OVERFLOW = 10


def make_engine(
    url: str,
    *,
    statement_timeout: float | None = STATEMENT_TIMEOUT,
    connect_args: dict[str, Any] | None = None,
    pool_size: int = POOL_SIZE,
    **kw: Any,
) -> AsyncEngine:
    """An engine whose every wait is bounded (see above); `connect_args` add to ours."""
    # A failed statement's parameters (names, phones) stay out of error messages and logs.
    kw.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        Path(url.split("///", 1)[-1]).parent.mkdir(parents=True, exist_ok=True)
        if "///" in url and ":memory:" not in url:  # an in-memory one has a single connection
            kw.setdefault("pool_timeout", POOL_TIMEOUT)
            kw.setdefault("pool_size", pool_size)
            kw.setdefault("max_overflow", MAX_OVERFLOW)
        busy = statement_timeout if statement_timeout is not None else 300.0
        args = {"timeout": busy, **(connect_args or {})}
        engine = create_async_engine(url, connect_args=args, **kw)

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            # WAL lets the web, bot and outbox read while one of them writes.
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={int(busy * 1000)}")
            cur.close()

        return engine
    kw.setdefault("pool_timeout", POOL_TIMEOUT)
    kw.setdefault("pool_size", pool_size)
    kw.setdefault("max_overflow", MAX_OVERFLOW)
    # asyncpg's `timeout` bounds connecting, `command_timeout` every statement (it then
    # cancels the statement on the server too).
    args = {
        "timeout": CONNECT_TIMEOUT,
        "command_timeout": statement_timeout,
        **(connect_args or {}),
    }
    engine = create_async_engine(url, connect_args=args, **kw)

    # SQLAlchemy's pool_pre_ping would wait the whole statement timeout on a frozen server:
    # this ping has its own short bound. A failed ping drops the connection and the pool opens
    # a fresh one, so the desk recovers by itself once the database is back.
    @event.listens_for(engine.sync_engine, "checkout")
    def _ping(dbapi_conn: Any, _record: ConnectionPoolEntry, _proxy: PoolProxiedConnection) -> None:
        try:
            await_only(dbapi_conn.driver_connection.fetchval("SELECT 1", timeout=PING_TIMEOUT))
        except Exception as error:
            # Cut it here: the pool's graceful close would first wait, with no bound, for the
            # cancel request asyncpg sent after the ping's timeout, to a server that is frozen.
            dbapi_conn.driver_connection.terminate()
            raise exc.DisconnectionError(f"pooled connection is dead: {error!r}") from error

    return engine


# What "the database is not there" looks like, whichever layer reports it: SQLAlchemy's
# wrappers, the pool's wait, the drivers' own errors, the socket, a timeout.
_UNAVAILABLE: tuple[type[BaseException], ...] = (
    exc.OperationalError,
    exc.InterfaceError,
    exc.DisconnectionError,
    exc.TimeoutError,  # the pool's wait for a connection
    ConnectionError,  # refused, reset, aborted, broken pipe
    socket.gaierror,  # the database's host name does not resolve
    TimeoutError,  # asyncio's and asyncpg's own timeouts
    asyncpg.PostgresConnectionError,  # class 08: connection exceptions
    asyncpg.InterfaceError,  # the connection closed under us
    asyncpg.exceptions.OperatorInterventionError,  # class 57: shutting down, starting up
    asyncpg.exceptions.InsufficientResourcesError,  # class 53: too many connections
)


# A socket error without its own class ("no route to host"); a full disk or a missing file is
# an OSError too, and not the database's absence.
_NETWORK_ERRNOS = {errno.EHOSTUNREACH, errno.ENETUNREACH, errno.ENETDOWN, errno.EHOSTDOWN,
                   errno.ETIMEDOUT, errno.ECONNREFUSED, errno.ECONNRESET}  # fmt: skip


def _network_errno(error: BaseException) -> bool:
    return isinstance(error, OSError) and error.errno in _NETWORK_ERRNOS


def database_unavailable(error: BaseException) -> bool:
    """Whether the error means the database cannot be reached now (worth retrying later),
    as opposed to a fault of the request or of our code."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [error]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, exc.DBAPIError) and e.connection_invalidated:
            return True
        if isinstance(e, _UNAVAILABLE) or _network_errno(e):
            return True
        todo += [getattr(e, "orig", None), e.__cause__]  # how SQLAlchemy and drivers wrap
    return False


# --- has this transaction written anything? -------------------------------------------------
# The bot commits before it says anything (bot/middlewares.py: told means saved), but only
# when there is something to save: a read-only commit would end the transaction early, and
# with it the inbox's done mark, ahead of what the update goes on to change.
_WROTE = "wrote"


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _context: Any) -> None:
    session.info[_WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _executed(state: ORMExecuteState) -> None:
    if not state.is_select:  # an INSERT, UPDATE, DELETE, or a text() we cannot tell
        state.session.info[_WROTE] = True


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _ended(session: Session) -> None:
    session.info.pop(_WROTE, None)


def has_written(session: AsyncSession) -> bool:
    """Whether the session's transaction changed anything, flushed or still pending."""
    sync = session.sync_session
    return bool(sync.info.get(_WROTE) or sync.new or sync.dirty or sync.deleted)


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
