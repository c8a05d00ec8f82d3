"""Injury claims: an accident case (category `accident`) a representative follows through a
claim for occupational-injury protection, work-injury insurance or the platform's insurance.

The claim's facts and its current stage live here; each stage reached is a row of its own
(the day it happened, who recorded it), so every stage's deadline can be shown and computed
again; the case's timeline gets an `injury_stage` event for each too. Deadline reminders
already sent are rows with a unique key, as for wage claims.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.types import now_field, str_enum


class InjuryScheme(StrEnum):
    occupational = "occupational"  # 新就业形态人员职业伤害保障 (platform workers)
    work_injury = "work_injury"  # 工伤保险 (an employment relation)
    platform_insurance = "platform_insurance"  # the platform's own accident insurance


class InjuryStage(StrEnum):
    opened = "opened"  # the representative took it on; nothing reported yet
    reported = "reported"  # reported to the platform (or the employer)
    documents = "documents"  # the papers are gathered
    submitted = "submitted"  # the application is in
    decided = "decided"  # recognised / approved, payment awaited
    paid = "paid"
    refused = "refused"
    withdrawn = "withdrawn"  # the rider gave it up, or left the union


class InjuryClaim(SQLModel, table=True):
    __tablename__ = "injury_claim"
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", unique=True)
    rider_id: int = Field(foreign_key="user.id", index=True)
    zone_id: int | None = Field(default=None, foreign_key="zone.id", index=True)
    city: str = Field(max_length=32)  # the steps file whose deadlines apply
    scheme: InjuryScheme = Field(sa_type=str_enum(InjuryScheme))
    accident_on: date = Field(sa_type=Date)
    # Health data, in the words of the rider or the representative: erased on /leave.
    injury: str = Field(default="", sa_type=Text)
    hospital: str = Field(default="", max_length=128)
    stage: InjuryStage = Field(
        default=InjuryStage.opened, sa_type=str_enum(InjuryStage), index=True
    )
    stage_on: date = Field(sa_type=Date)
    # The next stage with a deadline and that deadline, kept so the reminder sweep selects
    # by index (services/injury/rules.py computes them).
    due_stage: str | None = Field(default=None, max_length=24)
    due_on: date | None = Field(default=None, sa_type=Date, index=True)
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = now_field()
    updated_at: datetime = now_field()


class InjuryStageMark(SQLModel, table=True):
    """A stage the claim reached, on the day it happened."""

    __tablename__ = "injury_stage"
    id: int | None = Field(default=None, primary_key=True)
    claim_id: int = Field(foreign_key="injury_claim.id", index=True)
    stage: InjuryStage = Field(sa_type=str_enum(InjuryStage))
    on: date = Field(sa_type=Date)
    actor_id: int | None = Field(default=None, foreign_key="user.id")
    note: str = Field(default="", sa_type=Text)
    created_at: datetime = now_field()


class InjuryReminder(SQLModel, table=True):
    """A deadline reminder that went out: once per claim, stage, deadline and days-before."""

    __tablename__ = "injury_reminder"
    __table_args__ = (
        UniqueConstraint("claim_id", "stage", "due_on", "days_before", name="uq_injury_reminder"),
    )
    id: int | None = Field(default=None, primary_key=True)
    claim_id: int = Field(foreign_key="injury_claim.id", index=True)
    stage: str = Field(max_length=24)
    due_on: date = Field(sa_type=Date)
    days_before: int
    sent_at: datetime = now_field()
