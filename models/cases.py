"""Cases: what a rider reported and its history (`Case`, `CaseEvent`), reference counters,
attachments (photos, voice) and collective issues."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, Integer, Text
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, now_field, str_enum, utcnow


class CaseStatus(StrEnum):
    new = "new"
    acknowledged = "acknowledged"
    in_progress = "in_progress"
    waiting_for_rider = "waiting_for_rider"
    resolved = "resolved"
    closed = "closed"
    merged = "merged"


class Severity(StrEnum):
    low = "low"
    normal = "normal"
    high = "high"
    urgent = "urgent"


class Case(SQLModel, table=True):
    __table_args__ = (Index("ix_case_next_escalation_at", "next_escalation_at"),)
    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(max_length=32, unique=True)
    rider_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    zone_id: int | None = Field(default=None, foreign_key="zone.id", index=True)
    category: str = Field(max_length=32)
    severity: Severity = Field(default=Severity.normal, sa_type=str_enum(Severity))
    status: CaseStatus = Field(default=CaseStatus.new, sa_type=str_enum(CaseStatus), index=True)
    summary: str = Field(default="", sa_type=Text)
    assignee_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = now_field()
    updated_at: datetime = now_field()
    next_escalation_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Added by 0002_cases (issue reporting).
    lat: float | None = None
    lon: float | None = None
    place: str | None = Field(default=None, max_length=128)
    outside_area: bool = False
    anonymous: bool = False
    first_response_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    first_response_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    merged_into_id: int | None = Field(default=None, foreign_key="case.id", index=True)
    collective_id: int | None = Field(default=None, foreign_key="collective_issue.id", index=True)
    rating: int | None = None
    rating_comment: str | None = Field(default=None, sa_type=Text)


class CaseEvent(SQLModel, table=True):
    """One row per change to a case: the audit trail and the rider's public history."""

    __tablename__ = "case_event"
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    actor_id: int | None = Field(default=None, foreign_key="user.id")
    kind: str = Field(max_length=32)
    public: bool = False
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    created_at: datetime = now_field()


class CaseRefCounter(SQLModel, table=True):
    """Last case number issued per year; bumped with one atomic UPDATE so refs never clash."""

    __tablename__ = "case_ref_counter"
    year: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    last: int = 0


class AttachmentKind(StrEnum):
    photo = "photo"
    voice = "voice"


class CaseAttachment(SQLModel, table=True):
    """A photo or voice note on a case: by Telegram file id (chat) or on disk (app uploads)."""

    __tablename__ = "case_attachment"
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    uploader_id: int | None = Field(default=None, foreign_key="user.id")
    kind: AttachmentKind = Field(default=AttachmentKind.photo, sa_type=str_enum(AttachmentKind))
    file_id: str | None = Field(default=None, max_length=256)
    file_unique_id: str | None = Field(default=None, max_length=128)
    size: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    mime_type: str | None = Field(default=None, max_length=64)
    duration: int | None = None
    path: str | None = Field(default=None, max_length=512)
    sha256: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CollectiveStatus(StrEnum):
    open = "open"
    raised = "raised"
    resolved = "resolved"


class CollectiveIssue(SQLModel, table=True):
    """Cases of one category close in place and time: one problem many riders hit."""

    __tablename__ = "collective_issue"
    id: int | None = Field(default=None, primary_key=True)
    zone_id: int | None = Field(default=None, foreign_key="zone.id", index=True)
    category: str = Field(max_length=32)
    lat: float
    lon: float
    place: str = Field(default="", max_length=128)
    status: CollectiveStatus = Field(
        default=CollectiveStatus.open, sa_type=str_enum(CollectiveStatus), index=True
    )
    first_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    raised_by_id: int | None = Field(default=None, foreign_key="user.id")
    raised_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
