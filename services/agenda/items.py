"""Items on the agenda: a collective issue a representative puts on it, a member's proposal,
and the agenda as a member or a representative reads it (with how many support each)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, User
from models.agenda import AgendaItem, AgendaLevel, AgendaMove, AgendaStatus, AgendaSupport
from models.cases import CollectiveIssue, CollectiveStatus
from services.agenda import states
from services.cases.access import can_handle, is_staff, staff_zone_ids
from services.cases.categories import category
from services.cases.collective import collective_for_staff, raise_collective
from services.errors import Conflict, Forbidden, Invalid, NotFound
from services.membership.members import active_membership, require_member

TITLE_MAX = 200
DETAILS_MAX = 2000


@dataclass(frozen=True)
class Entry:
    """An item as a list shows it: how many support it, and whether the reader does."""

    item: AgendaItem
    supporters: int
    supported: bool


def clean_title(raw: str) -> str:
    title = " ".join((raw or "").split())
    if not title:
        raise Invalid("agenda_title_empty")
    if len(title) > TITLE_MAX:
        raise Invalid("agenda_title_too_long", max=TITLE_MAX)
    return title


def clean_details(raw: str) -> str:
    details = (raw or "").strip()
    if len(details) > DETAILS_MAX:
        raise Invalid("agenda_details_too_long", max=DETAILS_MAX)
    return details


def level_of(raw: str) -> AgendaLevel:
    try:
        return AgendaLevel(raw)
    except ValueError:
        raise Invalid("agenda_level_unknown") from None


async def _moved(
    session: AsyncSession, item: AgendaItem, *, actor: User | None, to: AgendaStatus
) -> None:
    session.add(
        AgendaMove(
            item_id=item.id,  # type: ignore[arg-type]
            actor_id=actor.id if actor else None,
            from_status=None,
            to_status=to,
        )
    )
    await session.flush()


async def propose(
    session: AsyncSession, *, user: User, level: str, title: str, details: str = ""
) -> AgendaItem:
    """A member's proposal, on the agenda of the member's own zone."""
    membership = await require_member(session, user=user)
    if membership.zone_id is None:
        raise Conflict("agenda_no_zone")
    item = AgendaItem(
        zone_id=membership.zone_id,
        level=level_of(level),
        title=clean_title(title),
        details=clean_details(details),
        proposed_by_id=user.id,
    )
    session.add(item)
    await session.flush()
    await _moved(session, item, actor=user, to=AgendaStatus.proposed)
    return item


async def from_collective(
    session: AsyncSession, *, actor: User, collective_id: int, level: str, title: str = ""
) -> AgendaItem:
    """A representative puts a collective issue of their zone on the agenda. An issue still
    open is raised with it (its riders hear that the union takes it up as one item)."""
    summary = await collective_for_staff(session, collective_id=collective_id, actor=actor)
    issue = summary.issue
    if issue.status is CollectiveStatus.resolved:
        raise Conflict("agenda_collective_resolved")
    if issue.zone_id is None:
        raise Conflict("agenda_no_zone")
    taken = await session.scalar(
        select(AgendaItem.id).where(AgendaItem.collective_id == collective_id)
    )
    if taken is not None:
        raise Conflict("agenda_collective_taken", item=taken)
    name = title.strip() or _collective_title(actor.language, issue)
    item = AgendaItem(
        zone_id=issue.zone_id,
        level=level_of(level),
        title=clean_title(name),
        collective_id=issue.id,
        proposed_by_id=actor.id,
    )
    session.add(item)
    await session.flush()
    await _moved(session, item, actor=actor, to=AgendaStatus.proposed)
    if issue.status is CollectiveStatus.open:
        await raise_collective(
            session, collective_id=collective_id, actor=actor, message=item.title
        )
    return item


def _collective_title(lang: str, issue: CollectiveIssue) -> str:
    try:  # without the chat's emoji: the title is shown on the desk too
        names = category(issue.category).names
        name = names.get(lang) or names["zh"]
    except Invalid:
        name = issue.category
    return f"{name} · {issue.place}" if issue.place else name


# --- reading -------------------------------------------------------------------------------


async def get_item(session: AsyncSession, *, item_id: int) -> AgendaItem:
    item = await session.get(AgendaItem, item_id)
    if item is None:
        raise NotFound("agenda_item_not_found")
    return item


async def item_for_staff(session: AsyncSession, *, item_id: int, actor: User) -> AgendaItem:
    item = await get_item(session, item_id=item_id)
    if not await can_handle(session, user=actor, zone_id=item.zone_id):
        raise Forbidden("agenda_not_your_zone")
    return item


async def item_for_member(session: AsyncSession, *, item_id: int, user: User) -> AgendaItem:
    """An item of the member's zone (another zone's is not found: the member cannot act on it)."""
    membership = await require_member(session, user=user)
    item = await get_item(session, item_id=item_id)
    if item.zone_id != membership.zone_id:
        raise NotFound("agenda_item_not_found")
    return item


async def item_for_reader(session: AsyncSession, *, item_id: int, reader: User) -> AgendaItem:
    """An item of a zone the reader reads (any other is simply not found)."""
    zones = await reader_zones(session, user=reader)
    item = await session.get(AgendaItem, item_id)
    if item is None or (zones is not None and item.zone_id not in zones):
        raise NotFound("agenda_item_not_found")
    return item


async def reader_zones(session: AsyncSession, *, user: User) -> set[int] | None:
    """The zones whose agenda this person reads: a representative's, an admin's (None: all),
    a member's own zone."""
    if is_staff(user):
        return await staff_zone_ids(session, user=user)
    assert user.id is not None
    membership = await active_membership(session, user_id=user.id)
    if membership is None:
        raise Forbidden("not_member")
    return {membership.zone_id} if membership.zone_id is not None else set()


async def agenda(
    session: AsyncSession,
    *,
    reader: User,
    zone_id: int | None = None,
    include_closed: bool = False,
    limit: int = 100,
) -> list[Entry]:
    """The agenda the reader may see, most supported first, then newest."""
    zones = await reader_zones(session, user=reader)
    query = select(AgendaItem)
    if zones is not None:
        query = query.where(AgendaItem.zone_id.in_(zones))
    if zone_id is not None:
        query = query.where(AgendaItem.zone_id == zone_id)
    if not include_closed:
        query = query.where(AgendaItem.status.in_(states.OPEN))
    items = list((await session.execute(query.order_by(AgendaItem.id.desc()))).scalars())
    entries = await entries_for(session, items, reader=reader)
    entries.sort(key=lambda e: (e.item.status in states.CLOSED, -e.supporters, -(e.item.id or 0)))
    return entries[:limit]


async def entries_for(
    session: AsyncSession, items: Iterable[AgendaItem], *, reader: User | None
) -> list[Entry]:
    items = list(items)
    ids = [i.id for i in items]
    if not ids:
        return []
    counts = dict(
        (
            await session.execute(
                select(AgendaSupport.item_id, func.count(AgendaSupport.id))
                .where(AgendaSupport.item_id.in_(ids))
                .group_by(AgendaSupport.item_id)
            )
        ).all()
    )
    mine: set[int] = set()
    if reader is not None:
        mine = set(
            (
                await session.execute(
                    select(AgendaSupport.item_id).where(
                        AgendaSupport.item_id.in_(ids), AgendaSupport.user_id == reader.id
                    )
                )
            ).scalars()
        )
    return [Entry(i, int(counts.get(i.id, 0)), i.id in mine) for i in items]


async def entry(session: AsyncSession, item: AgendaItem, *, reader: User | None) -> Entry:
    return (await entries_for(session, [item], reader=reader))[0]


async def linked_riders(session: AsyncSession, item: AgendaItem) -> list[User]:
    """Who hears when the item moves: the riders whose cases made the collective issue, and
    the member who proposed it."""
    ids: set[int | None] = {item.proposed_by_id}
    if item.collective_id is not None:
        ids |= set(
            (
                await session.execute(
                    select(Case.rider_id).where(Case.collective_id == item.collective_id)
                )
            ).scalars()
        )
    ids.discard(None)
    if not ids:
        return []
    users = (await session.execute(select(User).where(User.id.in_(ids)))).scalars()
    return [u for u in users if u.telegram_id is not None]


async def moves(session: AsyncSession, *, item_id: int) -> list[AgendaMove]:
    rows = await session.execute(
        select(AgendaMove).where(AgendaMove.item_id == item_id).order_by(AgendaMove.id)
    )
    return list(rows.scalars())


async def last_decisions(session: AsyncSession, *, item_ids: Iterable[int]) -> dict[int, str]:
    """Each item's latest recorded decision (items without one are left out)."""
    ids = list(item_ids)
    if not ids:
        return {}
    rows = await session.execute(
        select(AgendaMove.item_id, AgendaMove.decision)
        .where(AgendaMove.item_id.in_(ids), AgendaMove.decision != "")
        .order_by(AgendaMove.id)
    )
    return dict(rows.tuples().all())
