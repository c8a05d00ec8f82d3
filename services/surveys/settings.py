"""A member's /settings: notices muted or not (surveys they are asked and news of their own
cases always come). The language is services.users.set_language."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from models import User
from models.surveys import MemberSettings
from models.types import utcnow


async def settings_of(session: AsyncSession, *, user: User) -> MemberSettings:
    found = await session.get(MemberSettings, user.id)
    return found or MemberSettings(user_id=user.id)  # type: ignore[arg-type]


async def mute_notices(session: AsyncSession, *, user: User, muted: bool) -> MemberSettings:
    found = await session.get(MemberSettings, user.id)
    if found is None:
        found = MemberSettings(user_id=user.id)  # type: ignore[arg-type]
        session.add(found)
    found.notices_muted = muted
    found.updated_at = utcnow()
    await session.flush()
    return found
