"""Activists (members who relay notices in their groups, confirm tips, mentor) and success
stories (help that worked, published with the rider's consent)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Index, text
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, now_field, str_enum

MOTIVATION_MAX = 300
GROUPS_MAX = 300
END_NOTE_MAX = 300
STORY_MAX = 600

# A person volunteers at most once at a time: a pending offer or an active role.
_OPEN = text("status IN ('pending', 'active')")


class ActivistStatus(StrEnum):
    pending = "pending"  # volunteered, waiting for a representative of the zone
    active = "active"
    declined = "declined"
    ended = "ended"  # a representative ended the role, or the person left the union


class Activist(SQLModel, table=True):
    """One offer to volunteer and, once confirmed, the role; later offers are new rows."""

    __table_args__ = (
        Index(
            "uq_activist_open_user",
            "user_id",
            unique=True,
            sqlite_where=_OPEN,
            postgresql_where=_OPEN,
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    zone_id: int = Field(foreign_key="zone.id", index=True)
    status: ActivistStatus = Field(
        default=ActivistStatus.pending, sa_type=str_enum(ActivistStatus), index=True
    )
    # Personal data, in the volunteer's words; erased when they leave the union.
    motivation: str | None = Field(default=None, max_length=MOTIVATION_MAX)
    groups: str | None = Field(default=None, max_length=GROUPS_MAX)
    availability: list[str] = Field(default_factory=list, sa_type=JSON)
    decided_by_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ended_by_id: int | None = Field(default=None, foreign_key="user.id")
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    end_note: str | None = Field(default=None, max_length=END_NOTE_MAX)
    # The representatives' copies of the offer (outbox row, chat, language), whose buttons
    # are retired once one of them decided.
    cards: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    created_at: datetime = now_field()


class StoryStatus(StrEnum):
    awaiting_consent = "awaiting_consent"
    consented = "consented"  # the rider agreed; a representative may publish
    published = "published"
    refused = "refused"  # the rider said no
    withdrawn = "withdrawn"  # consent withdrawn (or the rider left, named): unpublished


class Story(SQLModel, table=True):
    """A short story of help that worked, told by a representative about one rider."""

    id: int | None = Field(default=None, primary_key=True)
    zone_id: int = Field(foreign_key="zone.id", index=True)
    author_id: int = Field(foreign_key="user.id")
    # The rider the story is about; None once they left and the story named nobody.
    rider_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    text: str = Field(max_length=STORY_MAX)
    anonymous: bool = True  # the default: the story names nobody
    status: StoryStatus = Field(
        default=StoryStatus.awaiting_consent, sa_type=str_enum(StoryStatus), index=True
    )
    # The consent record: when it was asked, given or refused, and withdrawn.
    consent_asked_at: datetime = now_field()
    consent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    refused_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    withdrawn_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = now_field()
