"""Idempotent final steps: a form's Submit creates its record once per draft.

The draft gets a random key when it reaches its last step; the Submit button carries it. The
step that creates the record remembers the key in the same transaction, so a second press —
a double tap, a press after the answer was lost, a press once the draft is gone — finds
what the first one made instead of making another.
"""

from __future__ import annotations

from uuid import uuid4

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.submissions import FormSubmission


def new_key() -> str:
    return uuid4().hex


async def created_by(session: AsyncSession, *, key: str, user_id: int, form: str) -> int | None:
    """The id of what this person's submit with `key` created, if it was created."""
    found = await session.execute(
        select(FormSubmission.created_id).where(
            FormSubmission.key == key,
            FormSubmission.user_id == user_id,
            FormSubmission.form == form,
        )
    )
    return found.scalar_one_or_none()


async def remember(
    session: AsyncSession, *, key: str, user_id: int, form: str, created_id: int
) -> None:
    """In the transaction that created the record: a concurrent second submit with the same
    key then fails on the primary key and rolls back instead of creating a second one."""
    session.add(FormSubmission(key=key, user_id=user_id, form=form, created_id=created_id))
    await session.flush()
