"""What admins see across zones: unresolved cases and the numbers."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, Role, User, Zone
from models.types import utcnow
from services.cases import states
from services.cases.reporting import S
from services.errors import Forbidden


def _require_admin(actor: User) -> None:
    if actor.role is not Role.admin:
        raise Forbidden("not_admin")


async def unresolved(
    session: AsyncSession,
    *,
    actor: User,
    zone_id: int | None = None,
    category_code: str | None = None,
    overdue_only: bool = False,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[Case], int]:
    """Open cases in every zone (admins only), oldest first, and how many match in all.
    Overdue: no first answer yet and its promised time has passed."""
    _require_admin(actor)
    where = [Case.status.in_(states.OPEN)]
    if zone_id is not None:
        where.append(Case.zone_id == zone_id)
    if category_code:
        where.append(Case.category == category_code)
    if overdue_only:
        where += [Case.first_response_at.is_(None), Case.first_response_due_at < utcnow()]
    total = await session.scalar(select(func.count()).select_from(Case).where(*where)) or 0
    rows = await session.execute(
        select(Case).where(*where).order_by(Case.created_at, Case.id).offset(offset).limit(limit)
    )
    return list(rows.scalars()), total


async def stats(session: AsyncSession, *, actor: User) -> dict[str, dict[str, int]]:
    """Case counts by status, by category and by zone code (admins only), and how many open
    cases are overdue."""
    _require_admin(actor)
    by_status = dict(
        (await session.execute(select(Case.status, func.count()).group_by(Case.status))).all()
    )
    by_category = dict(
        (await session.execute(select(Case.category, func.count()).group_by(Case.category))).all()
    )
    by_zone = dict(
        (
            await session.execute(
                select(Zone.code, func.count(Case.id))
                .join(Case, Case.zone_id == Zone.id, isouter=True)
                .group_by(Zone.code)
            )
        ).all()
    )
    _, overdue_open = await unresolved(session, actor=actor, overdue_only=True, limit=0)
    _, open_total = await unresolved(session, actor=actor, limit=0)
    return {
        "by_status": {s.value: int(by_status.get(s, 0)) for s in S},
        "by_category": {str(k): int(v) for k, v in by_category.items()},
        "by_zone": {str(k): int(v) for k, v in by_zone.items()},
        "open": {"total": open_total, "overdue": overdue_open},
    }
