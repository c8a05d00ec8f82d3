"""Guides: riders' tips on compounds and gates, their confirmations, and newcomer mentoring."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, str_enum, utcnow

TIP_MAX_CHARS = 500


class TipStatus(StrEnum):
    pending = "pending"
    published = "published"
    rejected = "rejected"


class TipTarget(StrEnum):
    compound = "compound"
    entrance = "entrance"


class Tip(SQLModel, table=True):
    """A rider's note on a compound or one of its entrances, ids as in routes_data."""

    id: int | None = Field(default=None, primary_key=True)
    target_kind: TipTarget = Field(sa_type=str_enum(TipTarget))
    target_id: str = Field(max_length=120)
    # The compound the tip is about (= target_id for compound tips): listing and routing.
    compound_id: str = Field(max_length=120, index=True)
    zone_id: int | None = Field(default=None, foreign_key="zone.id", index=True)
    text: str = Field(max_length=TIP_MAX_CHARS)
    author_id: int = Field(foreign_key="user.id", index=True)
    status: TipStatus = Field(default=TipStatus.pending, sa_type=str_enum(TipStatus), index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_by_id: int | None = Field(default=None, foreign_key="user.id")


class TipConfirmation(SQLModel, table=True):
    """ "Still true": one per rider and tip (the constraint, not a check, keeps it so)."""

    __tablename__ = "tip_confirmation"
    __table_args__ = (UniqueConstraint("tip_id", "user_id", name="uq_tip_confirmation"),)
    id: int | None = Field(default=None, primary_key=True)
    tip_id: int = Field(foreign_key="tip.id", index=True)
    user_id: int = Field(foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class MentorOptIn(SQLModel, table=True):
    """A representative who accepted to mentor newcomers (`/mentoring on`)."""

    __tablename__ = "mentor_opt_in"
    user_id: int = Field(foreign_key="user.id", primary_key=True)
    accepting: bool = True
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class MentorshipStatus(StrEnum):
    active = "active"
    ended = "ended"


_ACTIVE = text("status = 'active'")


class Mentorship(SQLModel, table=True):
    __table_args__ = (
        # A newcomer has at most one current mentor, even when two requests race.
        Index(
            "uq_mentorship_active_mentee",
            "mentee_id",
            unique=True,
            sqlite_where=_ACTIVE,
            postgresql_where=_ACTIVE,
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    mentee_id: int = Field(foreign_key="user.id", index=True)
    mentor_id: int = Field(foreign_key="user.id", index=True)
    zone_id: int | None = Field(default=None, foreign_key="zone.id")
    status: MentorshipStatus = Field(
        default=MentorshipStatus.active, sa_type=str_enum(MentorshipStatus)
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
