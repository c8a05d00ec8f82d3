"""The sweep's batch writes: the once-only rows with one INSERT ... ON CONFLICT DO NOTHING
RETURNING each, then the events, notices and cases with one statement each."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    bindparam,
    insert,
    update,
)
from sqlalchemy import case as sa_case
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    Case,
    Escalation,
    EscalationMark,
    Outbox,
)
from models.types import UTCDateTime, utcnow
from services.escalation.notices import (
    Notice,
)
from services.escalation.plan import (
    AUTO_CLOSE,
    REMINDER,
    WARNING,
    Step,
)


def _once_key(step: Step) -> tuple[Any, ...]:
    """What makes a step once: its level on the ladder, or its (kind, deadline)."""
    if step.action == "raise":
        return ("raise", step.level)
    kind = {"warn": WARNING, "remind": REMINDER, "close": AUTO_CLOSE}[step.action]
    return (kind, step.deadline.due_at)


async def _claim_once(
    session: AsyncSession, steps: Sequence[tuple[int | None, Step]]
) -> set[tuple[int, tuple[Any, ...]]]:
    """Insert the once-rows of all steps (escalations and marks: one INSERT each, ON CONFLICT
    DO NOTHING RETURNING) and give back the (case, key) pairs this sweep inserted: only those
    are acted on; the others were taken by someone else, now or before."""
    wall = utcnow()
    levels, said = [], []
    for case_id, step in steps:
        key = _once_key(step)
        if step.action == "raise":
            levels.append(
                {
                    "case_id": case_id,
                    "level": step.level,
                    "due_at": step.deadline.due_at,
                    "fired_at": wall,
                }
            )
        else:
            said.append({"case_id": case_id, "kind": key[0], "due_at": key[1], "created_at": wall})
    claimed: set[tuple[int, tuple[Any, ...]]] = set()
    if levels:
        table = Escalation.__table__  # type: ignore[attr-defined]
        query = _insert(session, table).returning(table.c.case_id, table.c.level)
        claimed |= {
            (case_id, ("raise", level)) for case_id, level in await session.execute(query, levels)
        }
    if said:
        table = EscalationMark.__table__  # type: ignore[attr-defined]
        query = _insert(session, table).returning(table.c.case_id, table.c.kind, table.c.due_at)
        claimed |= {
            (case_id, (kind, due)) for case_id, kind, due in await session.execute(query, said)
        }
    return claimed


def _insert(session: AsyncSession, table: Any) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING in the session's dialect; given many rows and a
    RETURNING, SQLAlchemy sends it as one multi-row INSERT (see `_insert_rows`)."""
    dialect = session.get_bind().dialect.name
    return (pg_insert if dialect == "postgresql" else sqlite_insert)(table).on_conflict_do_nothing()


async def _insert_outbox(session: AsyncSession, rows: list[Notice]) -> dict[tuple[int, str], int]:
    """The batch's outbox rows in one multi-row INSERT, as `_insert_rows`; their ids by (chat,
    text), which is unique in a batch (each text names its case and step). Matched by content
    because asking RETURNING for the rows' order makes SQLite send a statement per row."""
    if not rows:
        return {}
    table = Outbox.__table__  # type: ignore[attr-defined]
    query = insert(table).returning(table.c.id, table.c.chat_id, table.c.payload)
    found = await session.execute(query, rows)
    return {(chat, str(payload.get("text"))): row_id for row_id, chat, payload in found}


async def _insert_rows(session: AsyncSession, model: Any, rows: list[dict[str, Any]]) -> None:
    """Rows of one table in one multi-row INSERT. RETURNING makes SQLAlchemy's
    "insertmanyvalues" write them as INSERT ... VALUES (...), (...) pages of up to 1,000 rows,
    compiled once, instead of a statement per row or a statement compiled per batch."""
    if rows:
        table = model.__table__
        await session.execute(insert(table).returning(table.c.id), rows)


async def _update_cases(
    session: AsyncSession,
    next_at: dict[int, datetime | None],
    *,
    touched: set[int],
    wall: datetime,
) -> None:
    """Every case's next moment: one UPDATE, compiled once and sent with all the cases'
    values in one executemany; updated_at moves on the cases that got an event, as `record`
    would have moved it."""
    if not next_at:
        return
    table = Case.__table__  # type: ignore[attr-defined]
    query = (
        update(table)
        .where(table.c.id == bindparam("case_id"))
        .values(
            next_escalation_at=bindparam("next_at", type_=UTCDateTime),
            updated_at=sa_case(
                (bindparam("touched", type_=Boolean), bindparam("wall", type_=UTCDateTime)),
                else_=table.c.updated_at,
            ),
        )
    )
    rows = [
        {"case_id": i, "next_at": at, "touched": i in touched, "wall": wall}
        for i, at in next_at.items()
    ]
    await session.execute(query, rows)
