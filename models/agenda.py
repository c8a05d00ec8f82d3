"""The agenda of hot issues: items talked through at a station, park or community level,
members' support for them, meetings with their invitations and answers, and each move of an
item (with the minutes and decision that moved it)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, now_field, str_enum


class AgendaLevel(StrEnum):
    station = "station"
    park = "park"
    community = "community"


class AgendaStatus(StrEnum):
    proposed = "proposed"
    scheduled = "scheduled"
    agreed = "agreed"
    done = "done"
    not_possible = "not_possible"


class MeetingKind(StrEnum):
    talk = "talk"  # workers speak and talk it through
    deliberation = "deliberation"
    secretary = "secretary"  # meet the union's secretary
    property_manager = "property_manager"  # three-party talk with a property manager
    platform = "platform"  # three-party talk with a platform


class Rsvp(StrEnum):
    yes = "yes"
    no = "no"


class AgendaItem(SQLModel, table=True):
    """A hot issue on the agenda: raised from a collective issue or proposed by a member."""

    __tablename__ = "agenda_item"
    __table_args__ = (Index("ix_agenda_item_zone_status", "zone_id", "status"),)
    id: int | None = Field(default=None, primary_key=True)
    zone_id: int = Field(foreign_key="zone.id")
    level: AgendaLevel = Field(sa_type=str_enum(AgendaLevel))
    title: str = Field(max_length=200)
    details: str = Field(default="", sa_type=Text)
    status: AgendaStatus = Field(default=AgendaStatus.proposed, sa_type=str_enum(AgendaStatus))
    # One item per collective issue; None for a member's proposal.
    collective_id: int | None = Field(default=None, foreign_key="collective_issue.id", unique=True)
    # Who proposed it (a member) or put it on the agenda (a representative); None once erased.
    proposed_by_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    created_at: datetime = now_field()
    updated_at: datetime = now_field()
    # When it became done or not possible: the month the pilot counts it in.
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AgendaSupport(SQLModel, table=True):
    """One member's support for an item (one each; withdrawing deletes the row). The user is
    set to None when the member leaves: the count stays, the person goes."""

    __tablename__ = "agenda_support"
    __table_args__ = (UniqueConstraint("item_id", "user_id", name="uq_agenda_support"),)
    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="agenda_item.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    created_at: datetime = now_field()


class Meeting(SQLModel, table=True):
    """A talk, deliberation, meeting with the secretary or three-party talk about items."""

    __table_args__ = (Index("ix_meeting_reminder", "reminded_at", "starts_at"),)
    id: int | None = Field(default=None, primary_key=True)
    zone_id: int = Field(foreign_key="zone.id", index=True)
    kind: MeetingKind = Field(sa_type=str_enum(MeetingKind))
    starts_at: datetime = Field(sa_type=UTCDateTime)
    # A compound or rider station of the route data (its id); None for a place in words.
    place_id: str | None = Field(default=None, max_length=64)
    place: str = Field(max_length=200)
    scheduled_by_id: int | None = Field(default=None, foreign_key="user.id")
    minutes: str = Field(default="", sa_type=Text)
    reminded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = now_field()


class MeetingItem(SQLModel, table=True):
    __tablename__ = "meeting_item"
    meeting_id: int = Field(foreign_key="meeting.id", primary_key=True)
    item_id: int = Field(foreign_key="agenda_item.id", primary_key=True, index=True)


class MeetingInvite(SQLModel, table=True):
    """Who was invited (supporters and the zone's members) and what they answered. The user
    is set to None when they leave; the answer stays in the count."""

    __tablename__ = "meeting_invite"
    __table_args__ = (UniqueConstraint("meeting_id", "user_id", name="uq_meeting_invite"),)
    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    rsvp: Rsvp | None = Field(default=None, sa_type=str_enum(Rsvp))
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = now_field()


class AgendaMove(SQLModel, table=True):
    """One move of an item: from, to, who, at which meeting, with its minutes and decision."""

    __tablename__ = "agenda_move"
    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="agenda_item.id", index=True)
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id")
    actor_id: int | None = Field(default=None, foreign_key="user.id")
    from_status: AgendaStatus | None = Field(default=None, sa_type=str_enum(AgendaStatus))
    to_status: AgendaStatus = Field(sa_type=str_enum(AgendaStatus))
    minutes: str = Field(default="", sa_type=Text)
    decision: str = Field(default="", sa_type=Text)
    created_at: datetime = now_field()
