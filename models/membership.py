"""Union membership: applications, members, their history, member numbers, referral codes."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Index, text
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, str_enum, utcnow

# A user (and a phone number) may hold at most one open membership; left and rejected
# rows stay as history, so re-joining later creates a new row.
_OPEN = text("status IN ('pending', 'active')")


class MembershipStatus(StrEnum):
    pending = "pending"
    active = "active"
    rejected = "rejected"
    left = "left"


class Membership(SQLModel, table=True):
    __table_args__ = (
        Index(
            "uq_membership_open_user",
            "user_id",
            unique=True,
            sqlite_where=_OPEN,
            postgresql_where=_OPEN,
        ),
        Index(
            "uq_membership_open_phone",
            "phone",
            unique=True,
            sqlite_where=_OPEN,
            postgresql_where=_OPEN,
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    zone_id: int | None = Field(default=None, foreign_key="zone.id", index=True)
    status: MembershipStatus = Field(
        default=MembershipStatus.pending, sa_type=str_enum(MembershipStatus), index=True
    )
    # Never reused: rows are never deleted, and numbers come from MemberNumberCounter.
    member_number: str | None = Field(default=None, max_length=32, unique=True)
    # Personal data; set to None when the member leaves (erasure).
    name: str | None = Field(default=None, max_length=64)
    phone: str | None = Field(default=None, max_length=16)
    platforms: list[str] = Field(default_factory=list, sa_type=JSON)
    work_kinds: list[str] = Field(default_factory=list, sa_type=JSON)
    vehicle: str | None = Field(default=None, max_length=16)
    referrer_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    decided_by_id: int | None = Field(default=None, foreign_key="user.id")
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reject_reason: str | None = Field(default=None, max_length=300)
    applied_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    joined_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    left_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class MembershipEvent(SQLModel, table=True):
    """One row per membership change (applied, approved, rejected, left, erased…)."""

    __tablename__ = "membership_event"
    id: int | None = Field(default=None, primary_key=True)
    membership_id: int = Field(foreign_key="membership.id", index=True)
    actor_id: int | None = Field(default=None, foreign_key="user.id")
    kind: str = Field(max_length=32)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class MemberNumberCounter(SQLModel, table=True):
    """Last member number issued per zone and year; bumped with one atomic UPDATE."""

    __tablename__ = "member_number_counter"
    zone_id: int = Field(foreign_key="zone.id", primary_key=True)
    year: int = Field(primary_key=True)
    last: int = 0


class ReferralCode(SQLModel, table=True):
    """A representative's personal referral code, used in `/start ref_<code>` links."""

    __tablename__ = "referral_code"
    user_id: int = Field(foreign_key="user.id", primary_key=True)
    code: str = Field(max_length=16, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
