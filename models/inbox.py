"""The inbox: every update from Telegram, stored before Telegram is told it arrived."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, str_enum, utcnow


class InboxStatus(StrEnum):
    pending = "pending"
    done = "done"
    failed = "failed"  # given up after repeated failures (a bug), the rider was told


class Inbox(SQLModel, table=True):
    """One update. `update_id` is the key, so a redelivered update is a no-op. The payload
    (the rider's words) and the chat id are kept only until the update is handled; the
    bare row stays a while longer so that a late redelivery is still recognised."""

    __table_args__ = (Index("ix_inbox_chat_order", "status", "chat_id", "update_id"),)
    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    chat_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    payload: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    status: InboxStatus = Field(default=InboxStatus.pending, sa_type=str_enum(InboxStatus))
    attempts: int = 0
    not_before: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, max_length=512)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
