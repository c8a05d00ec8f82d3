"""One search box for the desk: a case ref, a member number, a rider's name or phone, or a
compound (a place named in cases). Only within the zones the person serves."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, User, Zone
from models.cases import CollectiveIssue
from models.membership import Membership
from services.cases.access import staff_zone_ids

LIMIT = 50
MIN_PHONE_DIGITS = 4  # fewer digits would match half the members


@dataclass(frozen=True)
class CaseHit:
    case: Case
    zone: Zone | None


@dataclass(frozen=True)
class MemberHit:
    membership: Membership
    user: User | None
    zone: Zone | None


@dataclass(frozen=True)
class SearchResult:
    query: str
    cases: list[CaseHit]
    members: list[MemberHit]


def _like(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _contains(column: ColumnElement[str] | object, value: str) -> ColumnElement[bool]:
    return column.ilike(_like(value), escape="\\")  # type: ignore[union-attr,no-any-return]


async def search(session: AsyncSession, *, actor: User, query: str) -> SearchResult:
    q = " ".join(query.split())[:64]
    if not q:
        return SearchResult("", [], [])
    zones = await staff_zone_ids(session, user=actor)
    digits = re.sub(r"\D", "", q)

    # Cases: by ref, by the place (compound) named in them or in their collective issue.
    places = select(CollectiveIssue.id).where(_contains(CollectiveIssue.place, q))
    case_query = (
        select(Case, Zone)
        .outerjoin(Zone, Zone.id == Case.zone_id)
        .where(
            or_(_contains(Case.ref, q), _contains(Case.place, q), Case.collective_id.in_(places))
        )
    )
    if zones is not None:
        case_query = case_query.where(Case.zone_id.in_(zones))
    case_rows = await session.execute(case_query.order_by(Case.id.desc()).limit(LIMIT))

    # Members: by member number, name (as applied, or as in chat) or phone.
    member_match = [
        _contains(Membership.member_number, q),
        _contains(Membership.name, q),
        _contains(User.display_name, q),
    ]
    if len(digits) >= MIN_PHONE_DIGITS:
        member_match.append(_contains(Membership.phone, digits))
    member_query = (
        select(Membership, User, Zone)
        .join(User, User.id == Membership.user_id)
        .outerjoin(Zone, Zone.id == Membership.zone_id)
        .where(or_(*member_match))
    )
    if zones is not None:
        member_query = member_query.where(Membership.zone_id.in_(zones))
    member_rows = await session.execute(member_query.order_by(Membership.id.desc()).limit(LIMIT))
    return SearchResult(
        q,
        [CaseHit(c, z) for c, z in case_rows.all()],
        [MemberHit(m, u, z) for m, u, z in member_rows.all()],
    )
