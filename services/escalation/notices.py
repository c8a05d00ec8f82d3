"""Who is told what when a case escalates: warnings, raises, reminders to the rider, and the
auto-close after a long silence."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    select,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel

from models import (
    Case,
    CaseClock,
    Role,
    User,
    Zone,
)
from models.core import ZoneStaff
from models.types import utcnow
from services.actions import Act, Action
from services.cases.cards import staff_actions
from services.cases.events import move, on_duty_staff, record, tell_staff
from services.cases.formatting import category_name, excerpt, local
from services.escalation.plan import GROUP_LANG, RIDER_TOLD_AT, S, Step
from services.escalation.policy import SlaPolicy
from services.outbox import message, rendered
from services.texts import text


async def insert_once(session: AsyncSession, row: SQLModel) -> bool:
    """Insert a once-only row; False when it exists already (someone else got there).
    ON CONFLICT DO NOTHING rather than catching IntegrityError in a savepoint: SQLite's
    driver commits on RELEASE, which would break the one-transaction-per-case promise."""
    values = row.model_dump(exclude={"id"} if "id" in type(row).model_fields else set())
    table = type(row).__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    stmt = (pg_insert if dialect == "postgresql" else sqlite_insert)(table).values(**values)
    result = await session.execute(stmt.on_conflict_do_nothing())
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def audience(session: AsyncSession, case: Case, notify_: str) -> list[User]:
    """The people of one rung of the ladder. Nobody there: the admins, so it is never lost."""
    people: list[User] = []
    if notify_ == "assignee_or_on_duty":
        if case.assignee_id is not None:
            assignee = await session.get(User, case.assignee_id)
            people = [assignee] if assignee else []
        if not people:
            people = await on_duty_staff(session, zone_id=case.zone_id)
    elif notify_ == "zone_seniors" and case.zone_id is not None:
        people = list(
            (
                await session.execute(
                    select(User)
                    .join(ZoneStaff, ZoneStaff.user_id == User.id)
                    .where(ZoneStaff.zone_id == case.zone_id, User.role == Role.senior)
                    .order_by(User.id)
                )
            ).scalars()
        )
    if not people:
        people = list(
            (
                await session.execute(select(User).where(User.role == Role.admin).order_by(User.id))
            ).scalars()
        )
    return people


@dataclass(frozen=True)
class Person:
    """Someone to notify, as plain values: unlike a User it outlives the transaction (even a
    rolled-back one) it was read in, so one sweep can keep it from case to case."""

    id: int | None
    telegram_id: int | None
    language: str

    @classmethod
    def of(cls, user: User) -> Person:
        return cls(user.id, user.telegram_id, user.language)


class SweepCache:
    """What one sweep call reads once instead of once per case: the people of each rung (per
    zone and assignee) and the zones' group chats. A staff, on-duty or group change made
    while a sweep runs is seen from the next sweep on (a minute later), which is soon enough
    for a notice; each call starts empty, so the staleness never outlives one sweep."""

    def __init__(self) -> None:
        self._people: dict[tuple[str, int | None, int | None], tuple[Person, ...]] = {}
        self._groups: dict[int, int | None] = {}

    async def people(self, session: AsyncSession, case: Case, notify_: str) -> tuple[Person, ...]:
        assignee = case.assignee_id if notify_ == "assignee_or_on_duty" else None
        key = (notify_, case.zone_id, assignee)
        if key not in self._people:
            users = await audience(session, case, notify_)
            self._people[key] = tuple(Person.of(u) for u in users)
        return self._people[key]

    async def group_chat(self, session: AsyncSession, zone_id: int | None) -> int | None:
        if zone_id is None:
            return None
        if zone_id not in self._groups:
            query = select(Zone.group_chat_id).where(Zone.id == zone_id)
            self._groups[zone_id] = await session.scalar(query)
        return self._groups[zone_id]


Notice = dict[str, Any]  # an outbox row's columns, for one multi-row INSERT


@cache
def _outbox_defaults() -> Notice:
    """The columns of an outbox row as `message` fills them, taken once: building an Outbox
    object per notice cost more than the rest of a due case."""
    row = message(chat_id=0, payload={}).model_dump(exclude={"id"})
    return {k: v for k, v in row.items() if k not in ("chat_id", "payload")}


def _notice(*, chat_id: int, payload: dict[str, Any], user_id: int | None = None) -> Notice:
    at = utcnow()
    return _outbox_defaults() | {
        "chat_id": chat_id,
        "user_id": user_id,
        "payload": payload,
        "not_before": at,
        "created_at": at,
    }


def _notices(
    people: Iterable[Person | User],
    render: Callable[[str], dict[str, Any]],
    langs: list[str] | None = None,
) -> list[Notice]:
    """One outbox row per reachable person; the text is rendered once per language (each
    row's language is appended to `langs` when given)."""
    payloads: dict[str, dict[str, Any]] = {}
    rows = []
    for person in people:
        if person.telegram_id is None:
            continue
        lang = person.language
        if lang not in payloads:
            payloads[lang] = render(lang)
        rows.append(_notice(chat_id=person.telegram_id, user_id=person.id, payload=payloads[lang]))
        if langs is not None:
            langs.append(lang)
    return rows


def overdue_text(lang: str, minutes: float) -> str:
    minutes = max(0, int(minutes))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return text(lang, "escalation.span_days", days=days, hours=hours)
    if hours:
        return text(lang, "escalation.span_hours", hours=hours, minutes=mins)
    return text(lang, "escalation.span_minutes", minutes=mins)


def _values(lang: str, case: Case, step: Step, now: datetime) -> dict[str, Any]:
    return {
        "ref": case.ref,
        "category": category_name(lang, case.category),
        "summary": excerpt(case.summary or "—", 300),
        "deadline": text(lang, f"escalation.deadline.{step.deadline.kind}"),
        "due": local(step.deadline.due_at),
    }


def _warn(
    case: Case, step: Step, *, now: datetime, people: Iterable[Person]
) -> tuple[list[Notice], list[str]]:
    """The warnings to the staff, and each one's language."""
    left = (step.deadline.due_at - now).total_seconds() / 60
    claim = case.assignee_id is None

    def render(lang: str) -> dict[str, Any]:
        return rendered(
            lang,
            "escalation.warning",
            actions=staff_actions(case, claim=claim),
            left=overdue_text(lang, left),
            **_values(lang, case, step, now),
        )

    langs: list[str] = []
    return _notices(people, render, langs), langs


def _raise(
    case: Case,
    step: Step,
    *,
    now: datetime,
    wall: datetime,
    people: Iterable[Person],
    group_chat: int | None,
    rider: Person | None,
) -> tuple[dict[str, Any], list[Notice], list[str], list[Notice]]:
    """A level reached: its case event (as a row), the staff's notices (the group's too) with
    their languages, and the rider's notice."""
    assert step.level is not None
    level = step.level
    late = (now - step.deadline.due_at).total_seconds() / 60
    claim = case.assignee_id is None

    def render(lang: str, key: str = "escalation.raised") -> dict[str, Any]:
        return rendered(
            lang,
            key,
            actions=staff_actions(case, claim=claim),
            level=level,
            late=overdue_text(lang, late),
            **_values(lang, case, step, now),
        )

    langs: list[str] = []
    staff = _notices(people, render, langs)
    if group_chat is not None:
        staff.append(
            _notice(chat_id=group_chat, payload=render(GROUP_LANG, "escalation.group_raised"))
        )
        langs.append(GROUP_LANG)
    rows: list[Notice] = []
    if level == RIDER_TOLD_AT and rider is not None:
        rows += _notices(
            [rider], lambda lang: rendered(lang, "escalation.rider_raised", None, ref=case.ref)
        )
    event = {
        "case_id": case.id,
        "actor_id": None,
        "kind": "escalated",
        "public": False,
        "payload": {"count": level, "deadline": step.deadline.kind},
        "created_at": wall,
    }
    return event, staff, langs, rows


def _remind_rider(case: Case, rider: Person | None, *, policy: SlaPolicy) -> list[Notice]:
    def render(lang: str) -> dict[str, Any]:
        return rendered(
            lang,
            "escalation.rider_reminder",
            actions=[[Action(Act.ANSWER_CASE, case.id)]],
            ref=case.ref,
            days=f"{policy.close_after_days:g}",
        )

    return _notices([rider] if rider else [], render)


async def _auto_close(
    session: AsyncSession, case: Case, clock: CaseClock | None, *, now: datetime
) -> None:
    """No answer from the rider for the whole waiting time: closed, through the lifecycle."""
    await move(session, case, S.resolved, actor=None)
    case.resolved_at = now
    await move(session, case, S.closed, actor=None)
    if clock is not None:
        clock.last_status = S.closed.value
        clock.paused_at = None
    await record(session, case, actor=None, kind="auto_closed", public=True)
    await tell_staff(session, case, key="escalation.staff_auto_closed")
