"""Volunteering as an activist: the offer goes to the zone's representatives, exactly one
decision wins, and a representative may later end the role with a sentence to the activist."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from models import User, Zone
from models.activists import (
    END_NOTE_MAX,
    GROUPS_MAX,
    MOTIVATION_MAX,
    Activist,
    ActivistStatus,
)
from models.types import utcnow
from services import outbox
from services.actions import Act, Action, markup
from services.cases.access import is_staff
from services.errors import Conflict, Forbidden, Invalid, NotFound
from services.membership.applications import can_decide, zone_staff
from services.membership.members import require_member, zone_name
from services.texts import text

AVAILABILITY = ("mornings", "daytime", "evenings", "weekends")
OPEN = (ActivistStatus.pending, ActivistStatus.active)


@dataclass(frozen=True)
class Offer:
    motivation: str
    groups: str
    availability: list[str]


def clean_text(raw: str, *, limit: int, empty: str, too_long: str) -> str:
    value = " ".join((raw or "").split())
    if not value:
        raise Invalid(empty)
    if len(value) > limit:
        raise Invalid(too_long, limit=limit, length=len(value))
    return value


def clean_availability(values: list[str]) -> list[str]:
    if not values:
        raise Invalid("activist_availability_missing")
    for v in values:
        if v not in AVAILABILITY:
            raise Invalid("activist_availability_missing")
    return [a for a in AVAILABILITY if a in values]


async def open_offer(session: AsyncSession, *, user_id: int) -> Activist | None:
    return (
        await session.execute(
            select(Activist).where(Activist.user_id == user_id, Activist.status.in_(OPEN))
        )
    ).scalar_one_or_none()


async def ensure_can_volunteer(session: AsyncSession, *, user: User) -> int:
    """Members only, representatives are more already; a second offer says the first's
    status. Returns the zone the offer goes to (the member's)."""
    if is_staff(user):
        raise Forbidden("activist_staff")
    membership = await require_member(session, user=user)
    assert user.id is not None
    existing = await open_offer(session, user_id=user.id)
    if existing is not None:
        raise Conflict(f"activist_already_{existing.status.value}")
    if membership.zone_id is None:
        raise Conflict("activist_no_zone")
    return membership.zone_id


def decision_actions(activist_id: int) -> list[list[Action]]:
    return [[Action(Act.CONFIRM_ACTIVIST, activist_id), Action(Act.DECLINE_ACTIVIST, activist_id)]]


def offer_text(lang: str, *, who: User, a: Activist, zone: Zone | None) -> str:
    return text(
        lang,
        "activists.offer",
        name=who.display_name or "—",
        zone=zone_name(zone, lang),
        motivation=a.motivation or "—",
        groups=a.groups or "—",
        availability=", ".join(text(lang, f"activists.when.{w}") for w in a.availability),
    )


async def volunteer(session: AsyncSession, *, user: User, offer: Offer) -> Activist:
    """Saves the offer as pending; the zone's representatives get it with two buttons."""
    zone_id = await ensure_can_volunteer(session, user=user)
    a = Activist(
        user_id=user.id,  # type: ignore[arg-type]
        zone_id=zone_id,
        motivation=clean_text(
            offer.motivation,
            limit=MOTIVATION_MAX,
            empty="activist_motivation_empty",
            too_long="activist_text_too_long",
        ),
        groups=clean_text(
            offer.groups,
            limit=GROUPS_MAX,
            empty="activist_groups_empty",
            too_long="activist_text_too_long",
        ),
        availability=clean_availability(offer.availability),
    )
    try:
        async with session.begin_nested():  # the partial unique index settles a double tap
            session.add(a)
            await session.flush()
    except IntegrityError:
        raise Conflict("activist_already_pending") from None
    assert a.id is not None
    zone = await session.get(Zone, zone_id)
    cards = []
    for rep in await zone_staff(session, zone_id=zone_id):
        if rep.telegram_id is None:
            continue
        row = await outbox.enqueue(
            session,
            chat_id=rep.telegram_id,
            user_id=rep.id,
            payload={
                "text": offer_text(rep.language, who=user, a=a, zone=zone),
                "parse_mode": "HTML",
                **markup(rep.language, decision_actions(a.id)),
            },
        )
        cards.append({"outbox_id": row.id, "chat_id": row.chat_id, "lang": rep.language})
    a.cards = cards
    await session.flush()
    return a


async def get_offer(session: AsyncSession, *, activist_id: int) -> Activist:
    a = await session.get(Activist, activist_id)
    if a is None:
        raise NotFound("activist_unknown")
    return a


async def decide(
    session: AsyncSession, *, activist_id: int, actor: User, confirm: bool
) -> Activist:
    """Confirm or decline a pending offer. Exactly one decision wins: the UPDATE matches
    only while the row is pending; the loser learns who decided and how."""
    a = await get_offer(session, activist_id=activist_id)
    if not await can_decide(session, actor=actor, zone_id=a.zone_id):
        raise Forbidden("activist_not_your_zone")
    status = ActivistStatus.active if confirm else ActivistStatus.declined
    result = await session.execute(
        update(Activist)
        .where(Activist.id == activist_id, Activist.status == ActivistStatus.pending)
        .values(status=status, decided_by_id=actor.id, decided_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    await session.refresh(a)
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise await decided_already(session, a)
    volunteer_user = await session.get(User, a.user_id)
    if volunteer_user is not None:
        await outbox.notify(
            session,
            user=volunteer_user,
            key="activists.confirmed_notice" if confirm else "activists.declined_notice",
            rep=actor.display_name,
        )
    await _retire_cards(session, a, actor)
    return a


async def decided_already(session: AsyncSession, a: Activist) -> Conflict:
    by = await session.get(User, a.decided_by_id) if a.decided_by_id else None
    return Conflict(f"activist_decided_{a.status.value}", by=by.display_name if by else "—")


async def _retire_cards(session: AsyncSession, a: Activist, actor: User) -> None:
    """Every representative's copy loses its two buttons for one: the outcome and who."""
    act = Act.ACTIVIST_CONFIRMED if a.status is ActivistStatus.active else Act.ACTIVIST_DECLINED
    done = Action(act, a.id, {"name": actor.display_name or ""})
    for card in a.cards:
        await outbox.enqueue(
            session,
            chat_id=int(card["chat_id"]),
            method="editMessageReplyMarkup",
            payload={outbox.EDIT_OF: card["outbox_id"], **markup(card["lang"], [[done]])},
        )


async def end_role(session: AsyncSession, *, activist_id: int, actor: User, note: str) -> Activist:
    """A representative of the zone ends an active role and says why, in a sentence the
    activist receives."""
    a = await get_offer(session, activist_id=activist_id)
    if not await can_decide(session, actor=actor, zone_id=a.zone_id):
        raise Forbidden("activist_not_your_zone")
    note = clean_text(
        note,
        limit=END_NOTE_MAX,
        empty="activist_end_note_empty",
        too_long="activist_text_too_long",
    )
    result = await session.execute(
        update(Activist)
        .where(Activist.id == activist_id, Activist.status == ActivistStatus.active)
        .values(status=ActivistStatus.ended, ended_by_id=actor.id, ended_at=utcnow(), end_note=note)
        .execution_options(synchronize_session=False)
    )
    await session.refresh(a)
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("activist_not_active")
    person = await session.get(User, a.user_id)
    if person is not None:
        await outbox.notify(
            session, user=person, key="activists.ended_notice", rep=actor.display_name, note=note
        )
    return a


@dataclass(frozen=True)
class ActivistRow:
    activist: Activist
    user: User
    zone: Zone | None
    decided_by: User | None


async def in_zones(
    session: AsyncSession,
    *,
    zones: set[int] | None,
    statuses: tuple[ActivistStatus, ...] = OPEN,
) -> list[ActivistRow]:
    """Offers and activists of the zones the actor serves (None: every zone)."""
    query = select(Activist).where(Activist.status.in_(statuses)).order_by(Activist.id)
    if zones is not None:
        query = query.where(Activist.zone_id.in_(zones))
    rows = []
    for a in (await session.execute(query)).scalars():
        person = await session.get(User, a.user_id)
        assert person is not None
        rows.append(
            ActivistRow(
                a,
                person,
                await session.get(Zone, a.zone_id),
                await session.get(User, a.decided_by_id) if a.decided_by_id else None,
            )
        )
    return rows
