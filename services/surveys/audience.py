"""Who an audience reaches: active members by zone, platform and kind of work, within the
zones the sender serves (an admin: every zone), or only the activists among them."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Membership, MembershipStatus, User, Zone
from models.activists import Activist, ActivistStatus
from models.surveys import MemberSettings
from services.cases.access import staff_zone_ids
from services.errors import Forbidden, Invalid
from services.membership.members import PLATFORMS, WORK_KINDS

# Telegram's overall limit, as the outbox sender keeps under it (bot/outbox_sender.py).
PER_SECOND = 29
# Into one group chat Telegram allows about 20 messages a minute.
GROUP_PER_MINUTE = 20


@dataclass(frozen=True)
class Audience:
    """Empty lists filter nothing: `Audience()` is every member the sender may reach."""

    zones: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()
    work_kinds: tuple[str, ...] = ()
    activists: bool = False  # only the active activists among them

    @classmethod
    def of(
        cls,
        zones: Iterable[str] = (),
        platforms: Iterable[str] = (),
        work_kinds: Iterable[str] = (),
        activists: bool = False,
    ) -> Audience:
        def clean(values: Iterable[str]) -> tuple[str, ...]:
            return tuple(dict.fromkeys(v.strip() for v in values if v and v.strip()))

        return cls(clean(zones), clean(platforms), clean(work_kinds), activists)

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> Audience:
        return cls.of(
            value.get("zones") or (),
            value.get("platforms") or (),
            value.get("work_kinds") or (),
            bool(value.get("activists")),
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "zones": list(self.zones),
            "platforms": list(self.platforms),
            "work_kinds": list(self.work_kinds),
            "activists": self.activists,
        }


@dataclass(frozen=True)
class Member:
    user_id: int
    telegram_id: int | None
    language: str
    zone_id: int | None
    platforms: tuple[str, ...]
    reachable: bool  # has a Telegram chat and did not block the bot
    muted: bool  # turned notices off in /settings


@dataclass(frozen=True)
class Reach:
    members: int  # everyone in the audience
    reachable: int  # ... who can get it now (notices: and did not mute them)
    unreachable: int
    muted: int
    seconds: int  # how long sending takes at Telegram's limits

    def as_json(self) -> dict[str, int]:
        return {
            "members": self.members,
            "reachable": self.reachable,
            "unreachable": self.unreachable,
            "muted": self.muted,
            "seconds": self.seconds,
        }


def send_seconds(messages: int, *, group_messages: int = 0) -> int:
    """At about 30 messages a second overall (20 a minute into one group)."""
    private = math.ceil(messages / PER_SECOND)
    group = math.ceil(group_messages * 60 / GROUP_PER_MINUTE)
    return max(private, group)


async def checked(session: AsyncSession, *, actor: User, audience: Audience) -> Audience:
    """The audience with its codes checked; a representative's stays inside their zones
    (no zone named: all of them)."""
    for p in audience.platforms:
        if p not in PLATFORMS:
            raise Invalid("audience_platform_unknown", value=p)
    for k in audience.work_kinds:
        if k not in WORK_KINDS:
            raise Invalid("audience_work_kind_unknown", value=k)
    zones = {z.code: z.id for z in (await session.execute(select(Zone))).scalars()}
    for code in audience.zones:
        if code not in zones:
            raise Invalid("audience_zone_unknown", value=code)
    allowed = await staff_zone_ids(session, user=actor)
    if allowed is None:
        return audience
    if not audience.zones:
        own = sorted(code for code, zid in zones.items() if zid in allowed)
        if not own:
            raise Forbidden("audience_no_zone")
        return replace(audience, zones=tuple(own))
    outside = [code for code in audience.zones if zones[code] not in allowed]
    if outside:
        raise Forbidden("audience_not_your_zone", value=", ".join(outside))
    return audience


async def members(session: AsyncSession, audience: Audience) -> list[Member]:
    """Active members in the audience (call `checked` first)."""
    query = (
        select(Membership, User, MemberSettings.notices_muted)
        .join(User, User.id == Membership.user_id)
        .outerjoin(MemberSettings, MemberSettings.user_id == User.id)
        .where(Membership.status == MembershipStatus.active)
        .order_by(User.id)
    )
    if audience.activists:
        query = query.join(Activist, Activist.user_id == User.id).where(
            Activist.status == ActivistStatus.active
        )
    if audience.zones:
        query = query.join(Zone, Zone.id == Membership.zone_id).where(Zone.code.in_(audience.zones))
    out: list[Member] = []
    for m, user, muted in await session.execute(query):
        if audience.platforms and not set(m.platforms) & set(audience.platforms):
            continue
        if audience.work_kinds and not set(m.work_kinds) & set(audience.work_kinds):
            continue
        out.append(
            Member(
                user_id=user.id,
                telegram_id=user.telegram_id,
                language=user.language,
                zone_id=m.zone_id,
                platforms=tuple(m.platforms),
                reachable=user.telegram_id is not None and not user.unreachable,
                muted=bool(muted),
            )
        )
    return out


def reach_of(found: list[Member], *, respect_mute: bool) -> Reach:
    unreachable = sum(1 for m in found if not m.reachable)
    muted = sum(1 for m in found if m.reachable and m.muted) if respect_mute else 0
    reachable = len(found) - unreachable - muted
    return Reach(len(found), reachable, unreachable, muted, send_seconds(reachable))


async def reach(
    session: AsyncSession, *, actor: User, audience: Audience, respect_mute: bool
) -> Reach:
    """How many an audience reaches, before anything is sent (surveys ignore the mute)."""
    audience = await checked(session, actor=actor, audience=audience)
    return reach_of(await members(session, audience), respect_mute=respect_mute)
