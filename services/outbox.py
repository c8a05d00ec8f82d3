"""The outbox: every message that is not the direct answer to an update.

A use case calls `enqueue` (or `notify`) inside its own transaction, so the notice exists
exactly when the change does. The sender (bot/outbox_sender.py) leases due rows, sends
them within Telegram's limits and records each outcome here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import Outbox, OutboxStatus, User
from models.types import utcnow
from services.texts import text

MAX_BACKOFF = timedelta(minutes=5)
# An edit of a message the outbox sent: the payload names the row that sent it, whose
# message id is known only once it was sent (services/case_cards.py queues these).
EDIT_OF = "edit_of"


def message(
    *,
    chat_id: int,
    method: str = "sendMessage",
    payload: dict[str, Any],
    user_id: int | None = None,
    not_before: datetime | None = None,
) -> Outbox:
    """An outbox row, not yet in the session: for `enqueue` or, several at once, `enqueue_many`."""
    return Outbox(
        chat_id=chat_id,
        user_id=user_id,
        method=method,
        payload=payload,
        not_before=not_before or utcnow(),
    )


def rendered(
    lang: str, key: str, reply_markup: dict[str, Any] | None, **values: object
) -> dict[str, Any]:
    """A catalogue message's payload in one language: people sharing a language share it."""
    payload: dict[str, Any] = {"text": text(lang, key, **values), "parse_mode": "HTML"}
    if reply_markup:
        payload["reply_markup"] = reply_markup
    return payload


async def enqueue(
    session: AsyncSession,
    *,
    chat_id: int,
    method: str = "sendMessage",
    payload: dict[str, Any],
    user_id: int | None = None,
    not_before: datetime | None = None,
) -> Outbox:
    row = message(
        chat_id=chat_id, method=method, payload=payload, user_id=user_id, not_before=not_before
    )
    session.add(row)
    await session.flush()
    return row


async def enqueue_many(session: AsyncSession, rows: Sequence[Outbox]) -> None:
    """Queue several rows in one executemany: one round trip, not one per row. Their ids are
    not read back (that is what would make the ORM insert them one by one on SQLite)."""
    if rows:
        table = Outbox.__table__  # type: ignore[attr-defined]
        await session.execute(insert(table), [row.model_dump(exclude={"id"}) for row in rows])


async def notify(
    session: AsyncSession,
    *,
    user: User,
    key: str,
    reply_markup: dict[str, Any] | None = None,
    **values: object,
) -> Outbox | None:
    """A catalogue message to one person, in their language. Nobody to reach: nothing queued."""
    if user.telegram_id is None:
        return None
    payload = rendered(user.language, key, reply_markup, **values)
    return await enqueue(session, chat_id=user.telegram_id, user_id=user.id, payload=payload)


@dataclass(frozen=True)
class Leased:
    id: int
    chat_id: int
    user_id: int | None
    method: str
    payload: dict[str, Any]
    attempts: int


async def lease_due(
    session: AsyncSession, *, limit: int = 100, lease: timedelta = timedelta(seconds=60)
) -> list[Leased]:
    """Take up to `limit` due rows for this sender; another sender skips them until the
    lease runs out (so a crashed sender's rows are picked up again, not lost)."""
    now = utcnow()
    due = (
        select(Outbox.id)
        .where(
            Outbox.status == OutboxStatus.pending,
            Outbox.not_before <= now,
            or_(Outbox.lease_until.is_(None), Outbox.lease_until < now),
        )
        .order_by(Outbox.id)
        .limit(limit)
    )
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    ids = list((await session.execute(due)).scalars())
    if not ids:
        return []
    await session.execute(update(Outbox).where(Outbox.id.in_(ids)).values(lease_until=now + lease))
    rows = await session.execute(select(Outbox).where(Outbox.id.in_(ids)).order_by(Outbox.id))
    leased = [
        Leased(r.id, r.chat_id, r.user_id, r.method, dict(r.payload), r.attempts)  # type: ignore[arg-type]
        for r in rows.scalars()
    ]
    return await _resolve_edits(session, leased)


async def _resolve_edits(session: AsyncSession, rows: list[Leased]) -> list[Leased]:
    """Edits get the message id their original row was sent as. An edit whose original is not
    sent yet waits (released, for a later drain: the original goes first in its chat); one
    whose original failed has nothing to edit and fails too."""
    originals = {int(r.payload[EDIT_OF]) for r in rows if EDIT_OF in r.payload}
    if not originals:
        return rows
    found = {
        oid: (status, mid)
        for oid, status, mid in await session.execute(
            select(Outbox.id, Outbox.status, Outbox.telegram_message_id).where(
                Outbox.id.in_(originals)
            )
        )
    }
    ready: list[Leased] = []
    waiting: list[int] = []
    for row in rows:
        if EDIT_OF not in row.payload:
            ready.append(row)
            continue
        status, message_id = found.get(int(row.payload[EDIT_OF]), (OutboxStatus.failed, None))
        payload = {k: v for k, v in row.payload.items() if k != EDIT_OF}
        if status == OutboxStatus.sent and message_id is not None:
            ready.append(replace(row, payload={**payload, "message_id": message_id}))
        elif status == OutboxStatus.pending:
            waiting.append(row.id)
        else:
            await give_up(
                session, row_ids=[row.id], error="the message to edit was not sent",
                unreachable_user=None,
            )  # fmt: skip
    if waiting:
        await release(session, row_ids=waiting)
    return ready


async def release(session: AsyncSession, *, row_ids: Sequence[int]) -> None:
    await session.execute(update(Outbox).where(Outbox.id.in_(row_ids)).values(lease_until=None))


async def mark_sent(session: AsyncSession, *, row_id: int, message_id: int | None) -> None:
    await session.execute(
        update(Outbox)
        .where(Outbox.id == row_id)
        .values(
            status=OutboxStatus.sent,
            sent_at=utcnow(),
            lease_until=None,
            telegram_message_id=message_id,
            attempts=Outbox.attempts + 1,
        )
    )


async def retry_later(
    session: AsyncSession, *, row_ids: Sequence[int], delay: timedelta | None, error: str
) -> None:
    """Put rows back for later. `delay` None means exponential backoff by attempt count."""
    now = utcnow()
    for row in (await session.execute(select(Outbox).where(Outbox.id.in_(row_ids)))).scalars():
        row.attempts += 1
        wait = delay if delay is not None else min(MAX_BACKOFF, timedelta(seconds=2**row.attempts))
        row.not_before = now + wait
        row.lease_until = None
        row.last_error = error[:500]


async def give_up(
    session: AsyncSession, *, row_ids: Sequence[int], error: str, unreachable_user: int | None
) -> None:
    """A permanent error: the rows fail for good; a user who blocked the bot is marked."""
    await session.execute(
        update(Outbox)
        .where(Outbox.id.in_(row_ids))
        .values(
            status=OutboxStatus.failed,
            lease_until=None,
            last_error=error[:500],
            attempts=Outbox.attempts + 1,
        )
    )
    if unreachable_user is not None:
        await session.execute(
            update(User).where(User.id == unreachable_user).values(unreachable=True)
        )


async def give_up_on_chat(session: AsyncSession, *, chat_id: int, error: str) -> list[int]:
    """Everything still pending for a chat that cannot be reached fails with it."""
    ids = list(
        (
            await session.execute(
                select(Outbox.id).where(
                    Outbox.chat_id == chat_id, Outbox.status == OutboxStatus.pending
                )
            )
        ).scalars()
    )
    if ids:
        await give_up(session, row_ids=ids, error=error, unreachable_user=None)
    return ids


@dataclass(frozen=True)
class Backlog:
    pending: int
    failed: int
    oldest_pending_seconds: float | None


async def backlog(session: AsyncSession) -> Backlog:
    rows = await session.execute(
        select(Outbox.status, func.count(), func.min(Outbox.created_at)).group_by(Outbox.status)
    )
    counts: dict[str, tuple[int, datetime | None]] = {
        str(status): (n, oldest) for status, n, oldest in rows
    }
    pending, oldest = counts.get(OutboxStatus.pending.value, (0, None))
    age = (utcnow() - oldest).total_seconds() if oldest is not None else None
    return Backlog(pending, counts.get(OutboxStatus.failed.value, (0, None))[0], age)
