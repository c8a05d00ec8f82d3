"""Queueing one message per member of an audience, paced at Telegram's overall limit.

Each row gets a `not_before` a little later than the one before it (about 29 a second), so
the sender never has more of them due than it can send in a second: other notices (a case
card, the sender's own progress message) are not stuck behind a long list, and the rows'
ids come back in order, for the recipients' rows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from models import Outbox
from models.types import utcnow
from services.outbox import message
from services.surveys.audience import PER_SECOND, Member

CHUNK = 1000


async def queue_paced(
    session: AsyncSession, *, to: Sequence[Member], payloads: dict[str, dict[str, Any]]
) -> list[int]:
    """One message to each member (its payload by their language); the new rows' ids."""
    start = utcnow()
    rows = [
        message(
            chat_id=m.telegram_id,  # type: ignore[arg-type]
            user_id=m.user_id,
            payload=payloads[m.language] if m.language in payloads else payloads["zh"],
            not_before=start + timedelta(seconds=i / PER_SECOND),
        ).model_dump(exclude={"id"})
        for i, m in enumerate(to)
    ]
    ids: list[int] = []
    table = Outbox.__table__  # type: ignore[attr-defined]
    for first in range(0, len(rows), CHUNK):
        result = await session.execute(
            insert(table).returning(table.c.id, sort_by_parameter_order=True),
            rows[first : first + CHUNK],
        )
        ids.extend(result.scalars())
    return ids
