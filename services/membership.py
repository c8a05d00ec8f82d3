"""Membership use cases: who is a member, joining, deciding, member cards, export, leaving."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import User
from models.membership import Membership, MembershipStatus
from services.errors import Forbidden


async def active_membership(session: AsyncSession, *, user_id: int) -> Membership | None:
    """The user's active membership, or None (pending, rejected and left do not count)."""
    return (
        await session.execute(
            select(Membership).where(
                Membership.user_id == user_id, Membership.status == MembershipStatus.active
            )
        )
    ).scalar_one_or_none()


async def require_member(session: AsyncSession, *, user: User) -> Membership:
    """For member-only actions: raises Forbidden("not_member") for anyone not active."""
    assert user.id is not None
    membership = await active_membership(session, user_id=user.id)
    if membership is None:
        raise Forbidden("not_member")
    return membership
