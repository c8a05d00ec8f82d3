"""Escalation: each (case, level) once, each warning once, each open case's SLA clock, and the
admins' daily digest and weekly summary once each."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, utcnow


class Escalation(SQLModel, table=True):
    """A case raised to a level of the ladder. The unique pair makes it happen once, whichever
    sweep (or how many) gets there."""

    __table_args__ = (UniqueConstraint("case_id", "level", name="uq_escalation_case_level"),)
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    level: int
    due_at: datetime = Field(sa_type=UTCDateTime)  # the broken deadline
    fired_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class EscalationMark(SQLModel, table=True):
    """Something said once per case and deadline (a warning before it, a reminder...)."""

    __tablename__ = "escalation_mark"
    __table_args__ = (
        UniqueConstraint("case_id", "kind", "due_at", name="uq_escalation_mark_once"),
    )
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    kind: str = Field(max_length=32)
    due_at: datetime = Field(sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CaseClock(SQLModel, table=True):
    """Where a case's SLA clocks stand: paused while waiting for the rider, restarted when it
    is reopened. Absent until a case first changes clock (a new case needs none)."""

    __tablename__ = "case_clock"
    case_id: int = Field(foreign_key="case.id", primary_key=True)
    last_status: str = Field(max_length=24)
    next_update_from: datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolution_from: datetime | None = Field(default=None, sa_type=UTCDateTime)
    paused_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    paused_minutes: float = 0.0


class EscalationDigest(SQLModel, table=True):
    """The admins' daily digest: one row per local day, so it goes out once a day."""

    __tablename__ = "escalation_digest"
    day: date = Field(primary_key=True)
    sent_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class EscalationWeekly(SQLModel, table=True):
    """The admins' weekly summary: one row per ISO week summarised (its Monday), so each week
    is summarised once, however many schedulers or restarts get there."""

    __tablename__ = "escalation_weekly"
    week: date = Field(primary_key=True)  # the Monday (local) the summarised week began
    sent_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
