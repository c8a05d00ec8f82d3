"""The agenda API's bodies and answers, and how an item or a meeting becomes one."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, Field

from api.endpoint import MAX_ID
from api.v1.schemas import VISIBLE, Model
from models.agenda import AgendaLevel, AgendaMove, AgendaStatus, MeetingKind, Rsvp
from services.agenda.items import DETAILS_MAX, TITLE_MAX, Entry
from services.agenda.meetings import PLACE_MAX, MeetingView
from services.agenda.outcomes import TEXT_MAX

# What an outcome may move an item to (scheduling is a meeting's doing).
OUTCOMES = [s.value for s in AgendaStatus if s is not AgendaStatus.scheduled]


class AgendaQuery(Model):
    zone_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    include_closed: bool = Field(default=False, description="also items done or not possible")


class ProposalIn(Model):
    level: AgendaLevel
    title: str = Field(min_length=1, max_length=TITLE_MAX, pattern=VISIBLE)
    details: str = Field(default="", max_length=DETAILS_MAX)


class FromCollectiveIn(Model):
    collective_id: int = Field(ge=1, le=MAX_ID)
    level: AgendaLevel
    title: str = Field(
        default="", max_length=TITLE_MAX, description="empty: the category and the place"
    )


class OutcomeIn(Model):
    status: str = Field(json_schema_extra={"enum": OUTCOMES})
    minutes: str = Field(default="", max_length=TEXT_MAX)
    decision: str = Field(
        default="",
        max_length=TEXT_MAX,
        description="required for agreed, done and not possible",
    )
    meeting_id: int | None = Field(
        default=None,
        ge=1,
        le=MAX_ID,
        description="the meeting it was decided at; default: the last",
    )


class MeetingIn(Model):
    item_ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(min_length=1, max_length=20)
    kind: MeetingKind
    starts_at: AwareDatetime = Field(
        description="in the future (within a year), with its UTC offset"
    )
    place_id: str | None = Field(
        default=None,
        max_length=64,
        description="a compound or rider station of the route data (its id, as the guides and "
        "stations operations give it)",
    )
    place: str = Field(default="", max_length=PLACE_MAX, description="or the place in words")


class RsvpIn(Model):
    answer: Rsvp


class ItemOut(BaseModel):
    id: int
    zone_id: int
    level: AgendaLevel
    title: str
    details: str
    status: AgendaStatus
    collective_id: int | None
    supporters: int = Field(description="members supporting it")
    supported: bool = Field(description="the signed-in person supports it")
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None


class AgendaOut(BaseModel):
    items: list[ItemOut]


class MoveOut(BaseModel):
    from_status: AgendaStatus | None
    to_status: AgendaStatus
    meeting_id: int | None
    minutes: str
    decision: str
    at: datetime


class ItemDetail(BaseModel):
    item: ItemOut
    moves: list[MoveOut]


class MeetingOut(BaseModel):
    id: int
    zone_id: int
    kind: MeetingKind
    starts_at: datetime
    place_id: str | None
    place: str
    item_ids: list[int]
    invited: int
    yes: int
    no: int
    my_answer: Rsvp | None


class MeetingsOut(BaseModel):
    meetings: list[MeetingOut]


class SolvedMonth(BaseModel):
    zone_id: int
    month: str = Field(description="YYYY-MM in the desk's time zone")
    count: int


class SolvedOut(BaseModel):
    total: int
    months: list[SolvedMonth]


def item_out(e: Entry) -> ItemOut:
    i = e.item
    assert i.id is not None
    return ItemOut(
        id=i.id,
        zone_id=i.zone_id,
        level=i.level,
        title=i.title,
        details=i.details,
        status=i.status,
        collective_id=i.collective_id,
        supporters=e.supporters,
        supported=e.supported,
        created_at=i.created_at,
        updated_at=i.updated_at,
        closed_at=i.closed_at,
    )


def move_out(m: AgendaMove) -> MoveOut:
    return MoveOut(
        from_status=m.from_status,
        to_status=m.to_status,
        meeting_id=m.meeting_id,
        minutes=m.minutes,
        decision=m.decision,
        at=m.created_at,
    )


def meeting_out(v: MeetingView) -> MeetingOut:
    m = v.meeting
    assert m.id is not None
    return MeetingOut(
        id=m.id,
        zone_id=m.zone_id,
        kind=m.kind,
        starts_at=m.starts_at,
        place_id=m.place_id,
        place=m.place,
        item_ids=[i.id for i in v.items if i.id],
        invited=v.invited,
        yes=v.yes,
        no=v.no,
        my_answer=v.mine,
    )
