"""Unresolved cases for the desk: counts at the top, and a filtered, sorted, paged table.

Filters arrive as text (from a URL): `parse_filters` keeps the values it knows and names
the ones it ignored, so a shared link with a stale value still opens, with a note."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy import case as sql_case
from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, CaseStatus, Escalation, Role, Severity, User, Zone, ZoneStaff
from models.types import utcnow
from services.cases import states
from services.cases.access import staff_zone_ids
from services.cases.categories import categories
from services.cases.reporting import SEVERITY_RANK
from services.escalation import policy as sla_policy

PAGE_SIZE = 25
OPEN_STATUSES = tuple(s for s in CaseStatus if s in states.OPEN)


def levels() -> tuple[int, ...]:
    """0 (not escalated) and the levels of the SLA policy's ladder (shipped: 1-3)."""
    return (0, *sorted({rung.level for rung in sla_policy.active().ladder}))


SORTS = ("urgency", "created", "-created", "due", "-due", "updated", "-updated", "ref", "-ref")
FILTER_NAMES = ("zone", "category", "severity", "status", "assignee", "overdue", "level",
                "collective")  # fmt: skip


@dataclass(frozen=True)
class CaseFilter:
    zone_id: int | None = None
    category: str | None = None
    severity: Severity | None = None
    status: CaseStatus | None = None
    assignee_id: int | None = None  # 0: nobody has taken it
    overdue_only: bool = False
    level: int | None = None
    collective: bool | None = None
    sort: str = "urgency"
    page: int = 1

    def query(self, **changes: object) -> dict[str, str]:
        """The filter as URL parameters (only those set), with `changes` applied."""
        values: dict[str, object] = {
            "zone": self.zone_id,
            "category": self.category,
            "severity": self.severity.value if self.severity else None,
            "status": self.status.value if self.status else None,
            "assignee": self.assignee_id,
            "overdue": "1" if self.overdue_only else None,
            "level": self.level,
            "collective": None if self.collective is None else ("yes" if self.collective else "no"),
            "sort": None if self.sort == "urgency" else self.sort,
            "page": None if self.page == 1 else self.page,
        } | changes
        return {k: str(v) for k, v in values.items() if v is not None and v != ""}


@dataclass
class ParsedFilter:
    filter: CaseFilter
    ignored: list[tuple[str, str]] = field(default_factory=list)  # (name, value) not understood


def _int(raw: str) -> int | None:
    raw = raw.strip()
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


def parse_filters(
    raw: Mapping[str, str], *, zone_ids: set[int], staff_ids: set[int]
) -> ParsedFilter:
    """Known values only: a zone the viewer serves, a known category, severity, open status,
    assignee among the staff (0: nobody), level 0-3, yes/no. Empty means "any"; anything
    else is ignored and named in `ignored`."""
    codes = {c.code for c in categories()}
    statuses = {s.value: s for s in OPEN_STATUSES}
    yes_no = {"yes": True, "no": False}
    parsers: dict[str, tuple[str, Callable[[str], object | None]]] = {
        "zone": ("zone_id", lambda v: n if (n := _int(v)) in zone_ids else None),
        "category": ("category", lambda v: v if v in codes else None),
        "severity": ("severity", lambda v: Severity(v) if v in Severity.__members__ else None),
        "status": ("status", statuses.get),
        "assignee": ("assignee_id", lambda v: n if (n := _int(v)) in staff_ids | {0} else None),
        "overdue": ("overdue_only", lambda v: True if v in ("1", "yes", "true", "on") else None),
        "level": ("level", lambda v: n if (n := _int(v)) in levels() else None),
        "collective": ("collective", yes_no.get),
        "sort": ("sort", lambda v: v if v in SORTS else None),
        "page": ("page", lambda v: n if (n := _int(v)) and n <= 100_000 else None),
    }
    values: dict[str, object] = {}
    ignored: list[tuple[str, str]] = []
    for name, (attribute, parse) in parsers.items():
        text = (raw.get(name) or "").strip()
        if not text:
            continue
        value = parse(text)
        if value is None:
            ignored.append((name, text))
        else:
            values[attribute] = value
    return ParsedFilter(CaseFilter(**values), ignored)  # type: ignore[arg-type]


@dataclass(frozen=True)
class CaseRow:
    case: Case
    zone: Zone | None
    assignee: User | None
    rider: User | None
    level: int
    overdue: bool


@dataclass(frozen=True)
class CaseListPage:
    rows: list[CaseRow]
    total: int
    page: int
    size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))


@dataclass(frozen=True)
class CaseCounts:
    open: int
    overdue: int
    waiting_for_rider: int
    by_level: dict[int, int]  # open cases by the highest escalation level reached (1-3)


def _highest_levels() -> Select[tuple[int, int]]:
    return select(Escalation.case_id, func.max(Escalation.level).label("level")).group_by(
        Escalation.case_id
    )


def _overdue(now: datetime) -> ColumnElement[bool]:
    # As services.cases.overdue: no first answer yet and its promised time has passed.
    return Case.first_response_at.is_(None) & (Case.first_response_due_at < now)


async def _scope(session: AsyncSession, actor: User) -> list[ColumnElement[bool]]:
    zones = await staff_zone_ids(session, user=actor)
    where: list[ColumnElement[bool]] = [Case.status.in_(OPEN_STATUSES)]
    if zones is not None:
        where.append(Case.zone_id.in_(zones))
    return where


async def counts(session: AsyncSession, *, actor: User) -> CaseCounts:
    """The numbers at the top of the desk, over the actor's zones."""
    now = utcnow()
    where = await _scope(session, actor)
    reached = _highest_levels().subquery()
    row = (
        await session.execute(
            select(
                func.count(),
                func.sum(sql_case((_overdue(now), 1), else_=0)),
                func.sum(sql_case((Case.status == CaseStatus.waiting_for_rider, 1), else_=0)),
            ).where(*where)
        )
    ).one()
    by_level = dict(
        (
            await session.execute(
                select(reached.c.level, func.count())
                .select_from(Case)
                .join(reached, reached.c.case_id == Case.id)
                .where(*where)
                .group_by(reached.c.level)
            )
        ).all()
    )
    return CaseCounts(
        open=int(row[0] or 0),
        overdue=int(row[1] or 0),
        waiting_for_rider=int(row[2] or 0),
        by_level={n: int(by_level.get(n, 0)) for n in levels()[1:]},
    )


def _order(sort: str, level: ColumnElement[int]) -> list[ColumnElement[object]]:
    rank = sql_case(*[(Case.severity == sev, n) for sev, n in SEVERITY_RANK.items()], else_=9)
    column = {
        "created": Case.created_at,
        "due": Case.first_response_due_at,
        "updated": Case.updated_at,
        "ref": Case.ref,
    }
    if sort == "urgency":
        # Most urgent first, then the highest level, then the longest overdue.
        return [rank, level.desc(), Case.first_response_due_at.asc(), Case.id]
    key = column[sort.lstrip("-")]
    return [key.desc() if sort.startswith("-") else key.asc(), Case.id]


async def unresolved(
    session: AsyncSession, *, actor: User, filters: CaseFilter, size: int = PAGE_SIZE
) -> CaseListPage:
    """One page of open cases of the actor's zones that match the filters."""
    now = utcnow()
    where = await _scope(session, actor)
    f = filters
    if f.zone_id is not None:
        where.append(Case.zone_id == f.zone_id)
    if f.category:
        where.append(Case.category == f.category)
    if f.severity is not None:
        where.append(Case.severity == f.severity)
    if f.status is not None:
        where.append(Case.status == f.status)
    if f.assignee_id == 0:
        where.append(Case.assignee_id.is_(None))
    elif f.assignee_id is not None:
        where.append(Case.assignee_id == f.assignee_id)
    if f.overdue_only:
        where.append(_overdue(now))
    if f.collective is not None:
        grouped = Case.collective_id.is_not(None)
        where.append(grouped if f.collective else ~grouped)
    reached = _highest_levels().subquery()
    level = func.coalesce(reached.c.level, 0)
    if f.level is not None:
        where.append(level == f.level)
    base = select(Case).outerjoin(reached, reached.c.case_id == Case.id).where(*where)
    total = await session.scalar(select(func.count()).select_from(base.subquery())) or 0
    pages = max(1, -(-total // size))
    page = min(max(f.page, 1), pages)
    rows = (
        await session.execute(
            base.add_columns(level)
            .order_by(*_order(f.sort, level))
            .offset((page - 1) * size)
            .limit(size)
        )
    ).all()
    return CaseListPage(await _rows(session, rows, now), total, page, size)


async def _rows(session: AsyncSession, rows: list, now: datetime) -> list[CaseRow]:  # type: ignore[type-arg]
    people = {c.assignee_id for c, _ in rows} | {c.rider_id for c, _ in rows}
    users = {
        u.id: u
        for u in (await session.execute(select(User).where(User.id.in_(people - {None})))).scalars()
    }
    zones = {z.id: z for z in (await session.execute(select(Zone))).scalars()}
    return [
        CaseRow(
            case=c,
            zone=zones.get(c.zone_id),
            assignee=users.get(c.assignee_id),
            rider=users.get(c.rider_id),
            level=int(lvl or 0),
            overdue=_is_overdue(c, now),
        )
        for c, lvl in rows
    ]


def _is_overdue(case: Case, now: datetime) -> bool:
    due = case.first_response_due_at
    return due is not None and case.first_response_at is None and now > due


async def case_level(session: AsyncSession, *, case: Case) -> int:
    """The highest escalation level a case has reached (0: none)."""
    found = await session.scalar(
        select(func.max(Escalation.level)).where(Escalation.case_id == case.id)
    )
    return int(found or 0)


@dataclass(frozen=True)
class FilterChoices:
    zones: list[Zone]  # the zones the actor serves
    staff: list[User]  # who may hold cases there


async def filter_choices(session: AsyncSession, *, actor: User) -> FilterChoices:
    zone_ids = await staff_zone_ids(session, user=actor)
    zone_query = select(Zone).order_by(Zone.code)
    if zone_ids is not None:
        zone_query = zone_query.where(Zone.id.in_(zone_ids))
    zones = list((await session.execute(zone_query)).scalars())
    staff_query = select(User).where(User.role.in_([Role.rep, Role.senior, Role.admin]))
    if zone_ids is not None:
        serving = select(ZoneStaff.user_id).where(ZoneStaff.zone_id.in_(zone_ids))
        staff_query = staff_query.where(User.id.in_(serving) | (User.role == Role.admin))
    staff = await session.execute(staff_query.order_by(User.display_name, User.id))
    return FilterChoices(zones, list(staff.scalars()))
