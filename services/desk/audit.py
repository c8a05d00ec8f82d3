"""The audit trail as one list: what staff and admins did to cases (every case event by a
representative or admin) and to memberships (decisions, phone numbers revealed)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, CaseEvent, Role, User
from models.membership import Membership, MembershipEvent
from services.cases.access import staff_zone_ids

STAFF_ROLES = (Role.rep, Role.senior, Role.admin)
KINDS = ("case", "membership", "phone")  # what the filter offers
PAGE_SIZE = 50
MAX_ROWS = 5_000  # one page is cut from at most this many of the newest entries


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    actor: User
    area: str  # "case" or "membership"
    kind: str  # the event kind, e.g. "note", "approved", "phone_revealed"
    subject: str  # a case ref or a member number / applicant name
    case_ref: str | None
    payload: dict[str, Any]


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    total: int
    page: int
    size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))


async def entries(
    session: AsyncSession,
    *,
    viewer: User,
    kind: str | None = None,
    actor_id: int | None = None,
    page: int = 1,
    size: int = PAGE_SIZE,
) -> AuditPage:
    """Newest first, within the viewer's zones (admins: everything)."""
    zones = await staff_zone_ids(session, user=viewer)
    found: list[AuditEntry] = []
    if kind in (None, "case"):
        q = (
            select(CaseEvent, User, Case)
            .join(User, User.id == CaseEvent.actor_id)
            .join(Case, Case.id == CaseEvent.case_id)
            .where(User.role.in_(STAFF_ROLES))
        )
        if zones is not None:
            q = q.where(Case.zone_id.in_(zones))
        if actor_id is not None:
            q = q.where(CaseEvent.actor_id == actor_id)
        rows = await session.execute(q.order_by(CaseEvent.id.desc()).limit(MAX_ROWS))
        found += [
            AuditEntry(e.created_at, u, "case", e.kind, c.ref, c.ref, e.payload or {})
            for e, u, c in rows.all()
        ]
    if kind in (None, "membership", "phone"):
        q2 = (
            select(MembershipEvent, User, Membership)
            .join(User, User.id == MembershipEvent.actor_id)
            .join(Membership, Membership.id == MembershipEvent.membership_id)
            .where(User.role.in_(STAFF_ROLES))
        )
        if kind == "phone":
            q2 = q2.where(MembershipEvent.kind == "phone_revealed")
        if zones is not None:
            q2 = q2.where(Membership.zone_id.in_(zones))
        if actor_id is not None:
            q2 = q2.where(MembershipEvent.actor_id == actor_id)
        rows2 = await session.execute(q2.order_by(MembershipEvent.id.desc()).limit(MAX_ROWS))
        found += [
            AuditEntry(
                e.created_at,
                u,
                "membership",
                e.kind,
                m.member_number or m.name or f"#{m.id}",
                None,
                e.payload or {},
            )
            for e, u, m in rows2.all()
        ]
    found.sort(key=lambda entry: entry.at, reverse=True)
    pages = max(1, -(-len(found) // size))
    page = min(max(page, 1), pages)
    return AuditPage(found[(page - 1) * size : page * size], len(found), page, size)
