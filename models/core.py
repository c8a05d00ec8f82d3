"""Tables every domain needs: people, zones and who staffs them, the outbox, the FSM state.
Cases live in models/cases.py."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, now_field, str_enum


class Role(StrEnum):
    rider = "rider"
    rep = "rep"
    senior = "senior"
    admin = "admin"


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    telegram_id: int | None = Field(
        default=None, sa_column=Column(BigInteger, unique=True, nullable=True)
    )
    username: str | None = Field(default=None, max_length=64)
    display_name: str = Field(default="", max_length=128)
    language: str = Field(default="zh", max_length=8)
    role: Role = Field(default=Role.rider, sa_type=str_enum(Role))
    unreachable: bool = False
    created_at: datetime = now_field()


class Zone(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=8, unique=True)
    name_zh: str = Field(max_length=64)
    name_en: str = Field(max_length=64)
    lat: float
    lon: float
    group_chat_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))


class ZoneStaff(SQLModel, table=True):
    """Which representatives serve which zones, and who is on duty there now."""

    __tablename__ = "zone_staff"
    user_id: int = Field(foreign_key="user.id", primary_key=True)
    zone_id: int = Field(foreign_key="zone.id", primary_key=True)
    on_duty: bool = True


class OutboxStatus(StrEnum):
    pending = "pending"
    sent = "sent"
    failed = "failed"


class Outbox(SQLModel, table=True):
    """A message owed to someone; written in the transaction of the change that caused it."""

    __table_args__ = (
        Index("ix_outbox_due", "status", "not_before"),
        # 0005_outbox: a chat's earlier pending rows, looked up for every row leased.
        Index("ix_outbox_chat", "chat_id", "status"),
    )
    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    user_id: int | None = Field(default=None, foreign_key="user.id")
    method: str = Field(max_length=32)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    status: OutboxStatus = Field(default=OutboxStatus.pending, sa_type=str_enum(OutboxStatus))
    attempts: int = 0
    not_before: datetime = now_field()
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Added by 0005_outbox: which drain holds the lease (fences a drain that outlived it).
    lease_token: str | None = Field(default=None, max_length=32)
    last_error: str | None = Field(default=None, max_length=512)
    telegram_message_id: int | None = None
    created_at: datetime = now_field()
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Heartbeat(SQLModel, table=True):
    """Last sign of life of a background job, read by /healthz across processes."""

    name: str = Field(primary_key=True, max_length=64)
    beat_at: datetime = now_field()
    info: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)


class ChatState(SQLModel, table=True):
    """aiogram FSM state and form data, so a half-filled form survives a restart."""

    __tablename__ = "chat_state"
    key: str = Field(primary_key=True, max_length=200)
    state: str | None = Field(default=None, max_length=200)
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    updated_at: datetime = now_field()
