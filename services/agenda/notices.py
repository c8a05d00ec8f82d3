"""What people read about the agenda outside their own conversation: an invitation with its
answer buttons, the day-before reminder, and an item's move told to its linked riders."""

from __future__ import annotations

import html
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from models import User
from models.agenda import AgendaItem, Meeting
from services.actions import Act, Action
from services.agenda.places import Places
from services.local_time import local_time
from services.outbox import enqueue_many, message, notify, rendered
from services.texts import Raw, text


def status_name(lang: str, item: AgendaItem) -> str:
    return text(lang, f"agenda.status.{item.status.value}")


def level_name(lang: str, value: str) -> str:
    return text(lang, f"agenda.level.{value}")


def kind_name(lang: str, value: str) -> str:
    return text(lang, f"agenda.kind.{value}")


def place_name(lang: str, meeting: Meeting, places: Places | None = None) -> str:
    """A compound or station by its name in the reader's language (if the route data has
    it), else the place as it was given."""
    found = places.get(meeting.place_id) if places is not None else None
    return found.label(lang) if found is not None else meeting.place


def titles(items: Sequence[AgendaItem]) -> Raw:
    return Raw("\n".join(f"• {html.escape(i.title, quote=False)}" for i in items))


def _meeting_values(
    lang: str, meeting: Meeting, items: Sequence[AgendaItem], places: Places | None
) -> dict[str, object]:
    return {
        "kind": kind_name(lang, meeting.kind.value),
        "when": local_time(meeting.starts_at),
        "place": place_name(lang, meeting, places),
        "items": titles(items),
    }


def rsvp_actions(meeting: Meeting) -> list[list[Action]]:
    return [[Action(Act.MEETING_YES, meeting.id), Action(Act.MEETING_NO, meeting.id)]]


async def invite(
    session: AsyncSession,
    *,
    meeting: Meeting,
    items: Sequence[AgendaItem],
    people: Sequence[User],
    places: Places | None = None,
    key: str = "agenda.invitation",
) -> int:
    """One notice per person (a payload per language), queued in one round trip."""
    payloads: dict[str, dict[str, object]] = {}
    rows = []
    for person in people:
        if person.telegram_id is None:
            continue
        lang = person.language
        if lang not in payloads:
            payloads[lang] = rendered(
                lang,
                key,
                actions=rsvp_actions(meeting),
                **_meeting_values(lang, meeting, items, places),
            )
        rows.append(
            message(chat_id=person.telegram_id, user_id=person.id, payload=dict(payloads[lang]))
        )
    await enqueue_many(session, rows)
    return len(rows)


async def tell_moved(
    session: AsyncSession, *, item: AgendaItem, people: Sequence[User], decision: str = ""
) -> None:
    for person in people:
        lang = person.language
        await notify(
            session,
            user=person,
            key="agenda.moved_decision" if decision else "agenda.moved",
            title=item.title,
            status=status_name(lang, item),
            decision=decision,
        )
