"""Issue reporting: case reference counters, attachments (photos, voice) and collective issues.

The `Case` and `CaseEvent` tables themselves live in models/core.py (the spine); the columns
this area added to them come with migration 0002_cases.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Column, Integer
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, str_enum, utcnow


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
