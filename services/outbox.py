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
from uuid import uuid4

from sqlalchemy import exists, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from models import Outbox, OutboxStatus, User
from models.types import utcnow
from services.actions import ACTIONS, Rows, spec
from services.texts import text

MAX_BACKOFF = timedelta(minutes=5)
# How long a fallback for a direct answer waits before the sender takes it on its own:
# longer than an answer can take (WaitOutFloodControl waits up to 5 × 5 s).
FALLBACK_AFTER = timedelta(minutes=2)
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
    lang: str,
    key: str,
    reply_markup: dict[str, Any] | None = None,
    *,
    actions: Rows | None = None,
    **values: object,
) -> dict[str, Any]:
    """A catalogue message's payload in one language: people sharing a language share it.
    Its buttons are named `actions` (bot/actions.py draws them when it is sent)."""
    payload: dict[str, Any] = {"text": text(lang, key, **values), "parse_mode": "HTML"}
    if reply_markup:
        payload["reply_markup"] = reply_markup
    if actions:
        payload[ACTIONS] = spec(lang, actions)
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
    actions: Rows | None = None,
    **values: object,
) -> Outbox | None:
    """A catalogue message to one person, in their language. Nobody to reach: nothing queued."""
    if user.telegram_id is None:
        return None
    payload = rendered(user.language, key, reply_markup, actions=actions, **values)
    return await enqueue(session, chat_id=user.telegram_id, user_id=user.id, payload=payload)


@dataclass(frozen=True)
class Leased:
    id: int
    chat_id: int
    user_id: int | None
    method: str
    payload: dict[str, Any]
    attempts: int
    token: str  # the lease: only its holder may record what became of the row


def _held(row_ids: Sequence[int], token: str) -> Any:
    """Rows still under this lease. A drain whose lease ran out and was taken over by
    another finds nothing here, so it can neither mark nor put back what it no longer holds."""
    return (
        Outbox.id.in_(row_ids),
        Outbox.lease_token == token,
        Outbox.status == OutboxStatus.pending,
    )


async def lease_due(
    session: AsyncSession, *, limit: int = 100, lease: timedelta = timedelta(seconds=60)
) -> list[Leased]:
    """Take up to `limit` due rows for this sender under a fresh lease token; another sender
    skips them until the lease runs out (so a crashed sender's rows are picked up again, not
    lost), and once another sender holds them, this one's token no longer matches."""
    now = utcnow()
    free = (
        Outbox.status == OutboxStatus.pending,
        Outbox.not_before <= now,
        or_(Outbox.lease_until.is_(None), Outbox.lease_until < now),
    )
    # A chat's order holds across drains: nothing overtakes an earlier row of its chat that
    # is waiting out a retry or is out with another sender.
    earlier = aliased(Outbox)
    overtakes = exists().where(
        earlier.chat_id == Outbox.chat_id,
        earlier.id < Outbox.id,
        earlier.status == OutboxStatus.pending,
        or_(earlier.not_before > now, earlier.lease_until >= now),
    )
    due = select(Outbox.id).where(*free, ~overtakes).order_by(Outbox.id).limit(limit)
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    ids = list((await session.execute(due)).scalars())
    if not ids:
        return []
    token = uuid4().hex
    # The due test again in the UPDATE: without row locks (SQLite) a concurrent taker of the
    # same rows then gets none of them.
    await session.execute(
        update(Outbox)
        .where(Outbox.id.in_(ids), *free)
        .values(lease_until=now + lease, lease_token=token)
    )
    rows = await session.execute(
        select(Outbox).where(Outbox.id.in_(ids), Outbox.lease_token == token).order_by(Outbox.id)
    )
    leased = [
        Leased(r.id, r.chat_id, r.user_id, r.method, dict(r.payload), r.attempts, token)  # type: ignore[arg-type]
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
                session,
                row_ids=[row.id],
                error="the message to edit was not sent",
                unreachable_user=None,
                token=row.token,
            )
    if waiting:
        await release(session, row_ids=waiting, token=rows[0].token)
    return ready


async def release(session: AsyncSession, *, row_ids: Sequence[int], token: str) -> None:
    """Put leased rows back untouched: due again at once, for whoever drains next."""
    await session.execute(
        update(Outbox).where(*_held(row_ids, token)).values(lease_until=None, lease_token=None)
    )


async def mark_sent(
    session: AsyncSession, *, row_id: int, token: str, message_id: int | None
) -> bool:
    """Telegram took the row. False when the lease was lost (another sender holds the row)."""
    result = await session.execute(
        update(Outbox)
        .where(*_held([row_id], token))
        .values(
            status=OutboxStatus.sent,
            sent_at=utcnow(),
            lease_until=None,
            lease_token=None,
            telegram_message_id=message_id,
            attempts=Outbox.attempts + 1,
        )
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


def backoff(attempts: int) -> timedelta:
    return min(MAX_BACKOFF, timedelta(seconds=2**attempts))


async def retry_later(
    session: AsyncSession,
    *,
    row_id: int,
    behind: Sequence[int] = (),
    token: str,
    delay: timedelta | None,
    error: str,
) -> None:
    """The row failed for now: it waits `delay`, or (None) an exponential backoff by its own
    attempts. The rows `behind` it in its chat were not tried: they keep their attempts and
    only wait as long as it does, so that the chat's order holds."""
    row = (
        await session.execute(select(Outbox).where(*_held([row_id], token)))
    ).scalar_one_or_none()
    if row is None:
        return
    row.attempts += 1
    row.not_before = utcnow() + (delay if delay is not None else backoff(row.attempts))
    row.lease_until = None
    row.lease_token = None
    row.last_error = error[:500]
    if behind:
        await session.execute(
            update(Outbox)
            .where(*_held(behind, token))
            .values(not_before=row.not_before, lease_until=None, lease_token=None)
        )


async def give_up(
    session: AsyncSession,
    *,
    row_ids: Sequence[int],
    error: str,
    unreachable_user: int | None,
    token: str | None = None,
) -> None:
    """A permanent error: the rows fail for good; a user who blocked the bot is marked.
    With `token`, only rows still under that lease."""
    held = _held(row_ids, token) if token is not None else (Outbox.id.in_(row_ids),)
    await session.execute(
        update(Outbox)
        .where(*held)
        .values(
            status=OutboxStatus.failed,
            lease_until=None,
            lease_token=None,
            last_error=error[:500],
            attempts=Outbox.attempts + 1,
        )
    )
    if unreachable_user is not None:
        await session.execute(
            update(User).where(User.id == unreachable_user).values(unreachable=True)
        )


async def fallback(
    session: AsyncSession, *, chat_id: int, user_id: int | None, payload: dict[str, Any]
) -> Outbox:
    """A stand-in for a direct answer that must arrive (a case number), queued in the
    transaction of the change it confirms: if the answer is not recorded as delivered, the
    sender sends this, so a crash between commit and answer loses nothing either."""
    return await enqueue(
        session,
        chat_id=chat_id,
        user_id=user_id,
        payload=payload,
        not_before=utcnow() + FALLBACK_AFTER,
    )


async def answered_directly(session: AsyncSession, *, row_id: int, message_id: int | None) -> None:
    """A fallback row (see `fallback`) whose message went out as the direct answer: recorded
    as sent, so the sender never repeats it. A row a sender already holds is left to it."""
    await session.execute(
        update(Outbox)
        .where(
            Outbox.id == row_id,
            Outbox.status == OutboxStatus.pending,
            Outbox.lease_token.is_(None),
        )
        .values(
            status=OutboxStatus.sent,
            sent_at=utcnow(),
            telegram_message_id=message_id,
            attempts=Outbox.attempts + 1,
        )
    )


async def due_now(session: AsyncSession, *, row_id: int) -> None:
    """The direct answer failed: the fallback row goes out with the next drain."""
    await session.execute(
        update(Outbox)
        .where(Outbox.id == row_id, Outbox.status == OutboxStatus.pending)
        .values(not_before=utcnow())
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
