"""The inbox: the mirror of the outbox for what comes in.

An update is stored (`store`, idempotent by update_id) before Telegram is told it arrived;
a worker (bot/inbox.py) leases the oldest pending update of each chat (`lease_heads`), so
one chat's updates are handled one after another, in order, by one instance at a time,
and each is marked done in the transaction of the handler that handled it (`mark_done`).
A lease that is not renewed runs out: the update of a crashed instance is handled again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, exists, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, aliased

from models import Inbox, InboxStatus
from models.types import utcnow
from services.outbox import Backlog

LEASE = timedelta(seconds=15)  # renewed while handling; what a crashed instance delays
KEEP_DONE = timedelta(days=2)  # Telegram redelivers for a day; the bare row says "seen"
MAX_ATTEMPTS = 3  # failures of the update itself (a bug) before it is given up
# Built once: an alias built per call costs SQLAlchemy its column adaptation every lease
# (about 5% of the desk's time under load).
_EARLIER = aliased(Inbox)


def chat_of(payload: dict[str, Any]) -> int | None:
    """The chat an update belongs to, which orders it; None (no chat) orders nothing."""
    for key, event in payload.items():
        if key == "update_id" or not isinstance(event, dict):
            continue
        for holder in (event, event.get("message")):
            if isinstance(holder, dict) and isinstance(holder.get("chat"), dict):
                return int(holder["chat"]["id"])
        sender = event.get("from") or event.get("user")
        if isinstance(sender, dict):
            return int(sender["id"])
    return None


async def store(session: AsyncSession, *, updates: Sequence[dict[str, Any]]) -> None:
    """Keep updates as they came; one already kept (a redelivery) is left as it is."""
    if not updates:
        return
    rows = [
        {
            "update_id": int(u["update_id"]),
            "chat_id": chat_of(u),
            "payload": u,
            "status": InboxStatus.pending,
            "attempts": 0,
            "not_before": utcnow(),
            "received_at": utcnow(),
        }
        for u in updates
    ]
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    await session.execute(insert(Inbox).on_conflict_do_nothing(index_elements=["update_id"]), rows)


@dataclass(frozen=True)
class Leased:
    update_id: int
    payload: dict[str, Any]
    attempts: int
    failed_before: bool


async def lease_heads(session: AsyncSession, *, limit: int) -> list[Leased]:
    """Lease the oldest pending update of up to `limit` chats. A chat whose oldest update is
    leased (being handled) or waiting to be retried gives nothing: its order holds."""
    now = utcnow()
    earlier = _EARLIER
    heads = (
        select(Inbox.update_id)
        .where(
            Inbox.status == InboxStatus.pending,
            Inbox.not_before <= now,
            or_(Inbox.lease_until.is_(None), Inbox.lease_until < now),
            ~exists().where(
                earlier.chat_id == Inbox.chat_id,
                earlier.status == InboxStatus.pending,
                earlier.update_id < Inbox.update_id,
            ),
        )
        .order_by(Inbox.update_id)
        .limit(limit)
    )
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        # Two instances leasing at once: the second skips what the first is taking.
        heads = heads.with_for_update(skip_locked=True, of=Inbox)
    ids = list((await session.execute(heads)).scalars())
    if not ids:
        return []
    await session.execute(
        update(Inbox).where(Inbox.update_id.in_(ids)).values(lease_until=now + LEASE)
    )
    rows = await session.execute(
        select(Inbox).where(Inbox.update_id.in_(ids)).order_by(Inbox.update_id)
    )
    return [
        Leased(r.update_id, dict(r.payload or {}), r.attempts, r.last_error is not None)
        for r in rows.scalars()
    ]


async def renew(session: AsyncSession, *, update_ids: Sequence[int]) -> None:
    if update_ids:
        await session.execute(
            update(Inbox)
            .where(Inbox.update_id.in_(update_ids), Inbox.status == InboxStatus.pending)
            .values(lease_until=utcnow() + LEASE)
        )


def _finished(status: InboxStatus) -> dict[str, Any]:
    # The rider's words and chat id go as soon as the update is finished.
    return {
        "status": status,
        "payload": None,
        "chat_id": None,
        "lease_until": None,
        "done_at": utcnow(),
    }


def mark_done_sync(session: Session, *, update_id: int) -> bool:
    """Done, in the handler's own transaction (called from its commit hook). False: another
    handling of the same update got there first, so this one must not commit."""
    result = session.execute(
        update(Inbox)
        .where(Inbox.update_id == update_id, Inbox.status == InboxStatus.pending)
        .values(**_finished(InboxStatus.done))
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def mark_done(session: AsyncSession, *, update_id: int) -> None:
    await session.run_sync(lambda s: mark_done_sync(s, update_id=update_id))


async def retry_later(
    session: AsyncSession, *, update_id: int, delay: timedelta, error: str, attempt: bool
) -> int:
    """Back to pending after `delay`. `attempt`: the update itself failed (counts towards
    giving up); an outage does not count. Returns the attempts made so far."""
    values: dict[str, Any] = {
        "lease_until": None,
        "not_before": utcnow() + delay,
        "last_error": error[:500],
    }
    if attempt:
        values["attempts"] = Inbox.attempts + 1
    await session.execute(
        update(Inbox)
        .where(Inbox.update_id == update_id, Inbox.status == InboxStatus.pending)
        .values(**values)
    )
    found = await session.execute(select(Inbox.attempts).where(Inbox.update_id == update_id))
    return int(found.scalar_one_or_none() or 0)


async def give_up(session: AsyncSession, *, update_id: int, error: str) -> None:
    await session.execute(
        update(Inbox)
        .where(Inbox.update_id == update_id, Inbox.status == InboxStatus.pending)
        .values(
            **_finished(InboxStatus.failed), attempts=Inbox.attempts + 1, last_error=error[:500]
        )
    )


async def prune(session: AsyncSession, *, older_than: timedelta = KEEP_DONE) -> int:
    result = await session.execute(
        delete(Inbox).where(
            Inbox.status != InboxStatus.pending, Inbox.done_at < utcnow() - older_than
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def pending_count(session: AsyncSession) -> int:
    found = await session.execute(
        select(Inbox.update_id).where(Inbox.status == InboxStatus.pending)
    )
    return len(found.all())


async def backlog(session: AsyncSession) -> Backlog:
    """What /healthz shows of the inbox: riders waiting for answers, and updates given up."""
    rows = await session.execute(
        select(Inbox.status, func.count(), func.min(Inbox.received_at))
        .where(Inbox.status != InboxStatus.done)
        .group_by(Inbox.status)
    )
    counts = {str(status): (n, oldest) for status, n, oldest in rows}
    pending, oldest = counts.get(InboxStatus.pending.value, (0, None))
    age = (utcnow() - oldest).total_seconds() if oldest is not None else None
    return Backlog(pending, counts.get(InboxStatus.failed.value, (0, None))[0], age)
