"""Volunteering data and consent records are personal data: /mydata exports them, /leave
erases them. On leaving, the role ends and what the person wrote when volunteering goes;
a published story that names nobody stays (no longer linked to anyone), a story that named
them or was still waiting is unpublished, as a withdrawn consent would."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import User
from models.activists import Activist, ActivistStatus, Story, StoryStatus
from models.types import utcnow
from services.texts import text


async def export(session: AsyncSession, *, user: User) -> dict[str, Any]:
    """The person's offers and roles, and the consent records of stories about them."""
    offers = (
        await session.execute(
            select(Activist).where(Activist.user_id == user.id).order_by(Activist.id)
        )
    ).scalars()
    stories = (
        await session.execute(select(Story).where(Story.rider_id == user.id).order_by(Story.id))
    ).scalars()
    return {
        "activist": [a.model_dump(mode="json", exclude={"cards"}) for a in offers],
        "stories": [s.model_dump(mode="json") for s in stories],
    }


async def erase(session: AsyncSession, *, user: User) -> None:
    """Called by services/privacy/erasure.py once the rows' text has been scrubbed."""
    now = utcnow()
    await session.execute(
        update(Activist)
        .where(
            Activist.user_id == user.id,
            Activist.status.in_((ActivistStatus.pending, ActivistStatus.active)),
        )
        .values(status=ActivistStatus.ended, ended_at=now)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(Activist)
        .where(Activist.user_id == user.id)
        .values(motivation=None, groups=None, availability=[], cards=[], end_note=None)
        .execution_options(synchronize_session=False)
    )
    kept = (Story.status == StoryStatus.published) & Story.anonymous
    await session.execute(
        update(Story)
        .where(
            Story.rider_id == user.id,
            ~kept,
            Story.status.in_(
                (StoryStatus.awaiting_consent, StoryStatus.consented, StoryStatus.published)
            ),
        )
        .values(status=StoryStatus.withdrawn, withdrawn_at=now)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(Story)
        .where(Story.rider_id == user.id)
        .values(rider_id=None)
        .execution_options(synchronize_session=False)
    )


def summary(lang: str, data: dict[str, Any]) -> str:
    """/mydata's lines about volunteering and stories ("" when there is nothing)."""
    lines = [
        text(
            lang,
            "activists.mydata_offer",
            status=text(lang, f"activists.status.{a['status']}"),
            groups=a.get("groups") or "—",
        )
        for a in data.get("activist") or []
    ]
    lines += [
        text(
            lang,
            "stories.mydata_story",
            id=s["id"],
            status=text(lang, f"stories.status.{s['status']}"),
        )
        for s in data.get("stories") or []
    ]
    return "\n".join(lines)
